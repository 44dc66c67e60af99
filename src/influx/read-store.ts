// Reading InfluxDB 1.x with InfluxQL over /query, each database at its InfluxDB; answers parsed without losing nanosecond times.
import { parse } from 'lossless-json';
import { NotFoundError } from '../errors.js';
import { type InfluxOptions, influxAuthHeaders } from './connection.js';
import { type InfluxTransport, httpTransport, queryCall } from './http.js';
import { ident, tagConditions, whereClause } from './influxql.js';
import { InfluxTargets } from './routes.js';
import type { FieldJson, FieldKey, PointRow, PointRowsQuery, ReadStore, RowsAnswer, RowsQuery, SeriesAnswer, SeriesQuery, TagFilter } from '../read/read-store.js';
import { type RawRow, type RawTableRow, finishRows, finishSeries, sortedUnique, toFieldJson } from '../read/shape.js';

/** Same connection settings as the sink's. */
export type InfluxReadOptions = InfluxOptions;

/** A JSON scalar of an answer; integers beyond 2^53 arrive as bigint (see parseNumber). */
type InfluxValue = string | number | bigint | boolean | null;

interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: InfluxValue[][];
}

/** Integers stay exact (bigint) so times keep their nanoseconds; other numbers become numbers. */
function parseNumber(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
}

const FIELD_TYPES = new Set(['integer', 'float', 'string', 'boolean']);

export class InfluxReadStore implements ReadStore {
  readonly kind = 'influxdb' as const;
  readonly #targets: InfluxTargets;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #transport: InfluxTransport;

  constructor(options: InfluxReadOptions) {
    this.#targets = new InfluxTargets(options.url, options.routes);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#transport = options.transport ?? httpTransport;
    this.#headers = influxAuthHeaders(options);
  }

  /**
   * Runs one statement at the InfluxDB of `db` (else at `url`) and returns its series; a missing
   * database becomes NotFoundError.
   */
  async #query(q: string, db?: string, micro = false, url?: string): Promise<InfluxSeries[]> {
    // Microseconds since the epoch stay below 2^53: such an answer is parsed by JSON.parse, many times faster.
    const params = new URLSearchParams({ q, epoch: micro ? 'u' : 'ns' });
    if (db !== undefined) params.set('db', db);
    const base = url ?? (db !== undefined ? this.#targets.urlFor(db) : this.#targets.defaultUrl);
    const res = await this.#transport(base, { ...queryCall(params, this.#headers), timeoutMs: this.#timeoutMs });
    const text = res.text;
    let body: { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
    try {
      body = (micro ? JSON.parse(text) : parse(text, null, parseNumber)) as typeof body;
    } catch {
      throw new Error(`InfluxDB ${res.status}: ${text.slice(0, 200)}`);
    }
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (error) {
      if (db !== undefined && /database not found/i.test(error)) throw new NotFoundError(`database ${db}`);
      throw new Error(`InfluxDB: ${error}`);
    }
    return body.results?.[0]?.series ?? [];
  }

  /** The databases at one InfluxDB that are routed to it (another may hold an old copy). */
  async #databasesAt(url: string): Promise<string[]> {
    const series = await this.#query('SHOW DATABASES', undefined, false, url);
    const names = series.flatMap((s) => (s.values ?? []).map((v) => String(v[0])));
    return names.filter((n) => n !== '_internal' && this.#targets.urlFor(n) === url);
  }

  /** InfluxDB answers SHOW on an unknown database with an empty result on some versions: check first. */
  async #requireDb(db: string): Promise<void> {
    if (!(await this.#databasesAt(this.#targets.urlFor(db))).includes(db)) throw new NotFoundError(`database ${db}`);
  }

  async databases(): Promise<string[]> {
    const each = await Promise.all(this.#targets.urls().map((url) => this.#databasesAt(url)));
    return sortedUnique(each.flat());
  }

  async measurements(db: string): Promise<string[]> {
    await this.#requireDb(db);
    const series = await this.#query('SHOW MEASUREMENTS', db);
    return sortedUnique(series.flatMap((s) => (s.values ?? []).map((v) => String(v[0]))));
  }

  async tagKeys(db: string, measurement?: string): Promise<string[]> {
    await this.#requireDb(db);
    const from = measurement === undefined ? '' : ` FROM ${ident(measurement)}`;
    const series = await this.#query(`SHOW TAG KEYS${from}`, db);
    return sortedUnique(series.flatMap((s) => (s.values ?? []).map((v) => String(v[0]))));
  }

  async tagValues(db: string, key: string, options: { measurement?: string | undefined; where?: TagFilter } = {}): Promise<string[]> {
    await this.#requireDb(db);
    const from = options.measurement === undefined ? '' : ` FROM ${ident(options.measurement)}`;
    const conditions = tagConditions(options.where ?? {});
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const series = await this.#query(`SHOW TAG VALUES${from} WITH KEY = ${ident(key)}${where}`, db);
    const col = (s: InfluxSeries): number => s.columns.indexOf('value');
    return sortedUnique(series.flatMap((s) => (s.values ?? []).map((v) => String(v[col(s)]))));
  }

  async fieldKeys(db: string, measurement?: string): Promise<FieldKey[]> {
    await this.#requireDb(db);
    const from = measurement === undefined ? '' : ` FROM ${ident(measurement)}`;
    const series = await this.#query(`SHOW FIELD KEYS${from}`, db);
    const out: FieldKey[] = [];
    for (const s of series) {
      for (const v of s.values ?? []) {
        const type = String(v[1]);
        if (FIELD_TYPES.has(type)) out.push({ measurement: s.name ?? measurement ?? '', field: String(v[0]), type: type as FieldKey['type'] });
      }
    }
    return out.sort((a, b) => (a.measurement !== b.measurement ? (a.measurement < b.measurement ? -1 : 1) : a.field !== b.field ? (a.field < b.field ? -1 : 1) : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /**
   * A limited raw query would let InfluxDB choose among points of equal time at the cut, and its
   * LIMIT counts per series. So the query runs first with LIMIT limit+1 per series: a series with at
   * most `limit` points there is complete. When none reaches limit+1, that answer is used as it is.
   * Otherwise the time of the (limit+1)-th point of each series that reached it is a cut, and the
   * range up to the cut is fetched whole, every point of the cut's time included, so that the shared
   * shaping cuts ties in a fixed order and sees that more than `limit` points matched.
   * `perSeries` (series groups, each limited alone): the range reaches the furthest cut, and only
   * the cut series are taken from it, the others from the first answer. Else (rows, one limit over
   * all series) the nearest cut suffices, as that series alone has limit+1 points up to it.
   */
  async #limited(
    db: string,
    build: (from: bigint, to: bigint, limit: number | undefined) => string,
    query: { from: bigint; to: bigint; order: 'asc' | 'desc'; limit: number },
    perSeries: boolean,
  ): Promise<InfluxSeries[]> {
    const first = await this.#query(build(query.from, query.to, query.limit + 1), db);
    const isCut = (s: InfluxSeries): boolean => (s.values?.length ?? 0) > query.limit;
    const cuts = first.filter(isCut).map((s) => BigInt(s.values!.at(-1)![0] as number | bigint));
    if (cuts.length === 0) return first;
    const earliest = cuts.reduce((a, b) => (b < a ? b : a));
    const latest = cuts.reduce((a, b) => (b > a ? b : a));
    // asc: the range ends after the cut; desc: it starts at the cut.
    const range =
      query.order === 'desc'
        ? { from: perSeries ? earliest : latest, to: query.to }
        : { from: query.from, to: (perSeries ? latest : earliest) + 1n };
    const again = await this.#query(build(range.from, range.to, undefined), db);
    if (!perSeries) return again;
    const id = (s: InfluxSeries): string => JSON.stringify([s.name ?? '', s.tags ?? {}]);
    const cutIds = new Set(first.filter(isCut).map(id));
    return [...first.filter((s) => !isCut(s)), ...again.filter((s) => cutIds.has(id(s)))];
  }

  async seriesAnswer(db: string, query: SeriesQuery): Promise<SeriesAnswer> {
    await this.#requireDb(db);
    const select = query.aggregate
      ? query.fields.map((f) => `${query.aggregate}(${ident(f)}) AS ${ident(f)}`).join(', ')
      : query.fields.map(ident).join(', ');
    const groups: string[] = [];
    if (query.aggregate) groups.push(`time(${query.intervalSeconds}s)`);
    if (query.groupBy !== undefined) groups.push(ident(query.groupBy));
    const build = (from: bigint, to: bigint, limit: number | undefined): string => {
      let q = `SELECT ${select} FROM ${ident(query.measurement)}${whereClause(from, to, query.where)}`;
      if (groups.length > 0) q += ` GROUP BY ${groups.join(', ')}`;
      if (query.aggregate) q += ' fill(none)';
      if (query.order === 'desc') q += ' ORDER BY time DESC';
      if (limit !== undefined) q += ` LIMIT ${limit}`;
      return q;
    };
    let answer: InfluxSeries[];
    if (query.limit === undefined) answer = await this.#query(build(query.from, query.to, undefined), db);
    // One row per bucket: no ties; one more than the limit shows whether it cut.
    else if (query.aggregate) answer = await this.#query(build(query.from, query.to, query.limit + 1), db);
    else answer = await this.#limited(db, build, { ...query, limit: query.limit }, true);
    const collected = new Map<string | undefined, RawRow[]>();
    for (const s of answer) {
      const key = query.groupBy === undefined ? undefined : (s.tags?.[query.groupBy] ?? '');
      const idx = query.fields.map((f) => s.columns.indexOf(f));
      const rows = collected.get(key) ?? [];
      for (const v of s.values ?? []) {
        const cells: FieldJson[] = idx.map((i) => (i < 0 ? null : toFieldJson(v[i])));
        if (cells.every((c) => c === null)) continue;
        rows.push({ time: BigInt(v[0] as number | bigint), cells });
      }
      collected.set(key, rows);
    }
    return finishSeries(collected, query);
  }

  async rowsAnswer(db: string, query: RowsQuery): Promise<RowsAnswer> {
    await this.#requireDb(db);
    const select = query.fields === undefined ? '*' : query.fields.map(ident).join(', ');
    const build = (from: bigint, to: bigint, limit: number | undefined): string =>
      `SELECT ${select} FROM ${ident(query.measurement)}${whereClause(from, to, query.where)} GROUP BY *` +
      (query.order === 'desc' ? ' ORDER BY time DESC' : '') +
      (limit === undefined ? '' : ` LIMIT ${limit}`);
    const answer =
      query.limit === undefined ? await this.#query(build(query.from, query.to, undefined), db) : await this.#limited(db, build, { ...query, limit: query.limit }, false);
    const rows: RawTableRow[] = [];
    for (const s of answer) {
      const tags = Object.fromEntries(Object.entries(s.tags ?? {}).filter(([, v]) => v !== ''));
      for (const v of s.values ?? []) {
        const fields: Record<string, FieldJson> = {};
        s.columns.forEach((c, i) => {
          if (i === 0 || v[i] === null || v[i] === undefined) return;
          fields[c] = toFieldJson(v[i]);
        });
        if (Object.keys(fields).length === 0) continue;
        rows.push({ time: BigInt(v[0] as number | bigint), tags, fields });
      }
    }
    return finishRows(rows, query);
  }

  async pointRows(db: string, query: PointRowsQuery): Promise<PointRow[]> {
    const tags = [...new Set(query.tags)];
    // Without GROUP BY the points of all series come as one table: tags are columns, after the
    // fields. One query per measurement, in parallel: InfluxDB spends about twice the CPU on one
    // query over several measurements (it merges them).
    const select = ['*::field', ...tags.map((t) => `${ident(t)}::tag`)].join(', ');
    const where = whereClause(query.from, query.to, query.where);
    const answers = await Promise.all(
      [...new Set(query.measurements)].map(async (m) => {
        try {
          return await this.#query(`SELECT ${select} FROM ${ident(m)}${where}`, db, true);
        } catch (err) {
          if (err instanceof NotFoundError) return [];
          throw err;
        }
      }),
    );
    const rows: PointRow[] = [];
    for (const s of answers.flat()) {
      const measurement = s.name ?? '';
      const fieldEnd = s.columns.length - tags.length;
      for (const v of s.values ?? []) {
        const fields: Record<string, FieldJson> = {};
        for (let i = 1; i < fieldEnd; i++) if (v[i] !== null && v[i] !== undefined) fields[s.columns[i] as string] = toFieldJson(v[i]);
        if (Object.keys(fields).length === 0) continue;
        const rowTags: Record<string, string> = {};
        tags.forEach((t, k) => {
          const value = v[fieldEnd + k];
          if (value !== null && value !== undefined && value !== '') rowTags[t] = String(value);
        });
        rows.push({ measurement, time: (BigInt(v[0] as number) * 1000n).toString(), tags: rowTags, fields });
      }
    }
    return rows;
  }

  async close(): Promise<void> {}
}
