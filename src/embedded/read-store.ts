// The embedded store, read side: bound parameters only; JSON columns read with json_each/json_extract.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../errors.js';
import type { FieldJson, FieldKey, PointRow, PointRowsQuery, ReadStore, RowsAnswer, RowsQuery, SeriesAnswer, SeriesQuery, TagFilter } from '../read/read-store.js';
import { type RawRow, type RawTableRow, finishRows, finishSeries, pickCells, sortedUnique, toFieldJson } from '../read/shape.js';

type Param = string | number | bigint | null;

/** SQL conditions on the series table (alias s) for tag filters; an empty value matches a missing tag. */
function tagSql(where: TagFilter, params: Param[]): string {
  let sql = '';
  for (const [key, values] of Object.entries(where)) {
    if (values.length === 0) continue;
    const present = values.filter((v) => v !== '');
    const parts: string[] = [];
    if (present.length > 0) {
      parts.push(`EXISTS (SELECT 1 FROM json_each(s.tags) WHERE key = ? AND value IN (${present.map(() => '?').join(', ')}))`);
      params.push(key, ...present);
    }
    if (present.length < values.length) {
      parts.push('NOT EXISTS (SELECT 1 FROM json_each(s.tags) WHERE key = ?)');
      params.push(key);
    }
    sql += ` AND (${parts.join(' OR ')})`;
  }
  return sql;
}

/** SQL condition that the point (alias p) holds one of the fields, not null: the shaping drops the others, so limits count the same points. */
function anyFieldSql(fields: string[] | undefined, params: Param[]): string {
  if (fields === undefined) return '';
  params.push(...fields);
  return ` AND EXISTS (SELECT 1 FROM json_each(p.fields) WHERE key IN (${fields.map(() => '?').join(', ')}) AND type <> 'null')`;
}

/** A JSON path naming one key; such a path cannot express a key with a double quote. */
function keyPath(name: string): string {
  if (name.includes('"')) throw new NotFoundError(`field ${JSON.stringify(name)} (names with a double quote cannot be aggregated on the embedded store)`);
  return `$."${name}"`;
}

/** Tag names that can be written into an index expression as they are. */
const INDEXABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const SQL_AGGREGATE: Record<'max' | 'mean' | 'sum', string> = { max: 'MAX', mean: 'AVG', sum: 'SUM' };

export class EmbeddedReadStore implements ReadStore {
  readonly kind = 'embedded' as const;
  readonly #db: Database.Database;
  readonly #indexed = new Map<string, boolean>();

  /** Takes the EmbeddedStore's SQLite handle; the store owns it and closes it. */
  constructor(db: Database.Database) {
    this.#db = db;
  }

  #all<T>(sql: string, params: Param[], safeIntegers = false): T[] {
    return this.#db.prepare(sql).safeIntegers(safeIntegers).all(...params) as T[];
  }

  /**
   * An expression index on one tag's value in the series table (the SQL must spell the expression
   * the same way to use it). False when it cannot be made (a read-only handle): the filter then
   * scans, with the same answer.
   */
  #indexTag(key: string): boolean {
    const known = this.#indexed.get(key);
    if (known !== undefined) return known;
    let made = true;
    try {
      this.#db.exec(`CREATE INDEX IF NOT EXISTS series_tag_${key} ON series (db, measurement, json_extract(tags, '$.${key}'))`);
    } catch {
      made = false;
    }
    this.#indexed.set(key, made);
    return made;
  }

  #requireDb(db: string): void {
    if (this.#all('SELECT 1 FROM databases WHERE name = ?', [db]).length === 0) throw new NotFoundError(`database ${db}`);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async databases(): Promise<string[]> {
    return sortedUnique(this.#all<{ name: string }>('SELECT name FROM databases', []).map((r) => r.name));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async measurements(db: string): Promise<string[]> {
    this.#requireDb(db);
    return sortedUnique(this.#all<{ m: string }>('SELECT DISTINCT measurement AS m FROM series WHERE db = ?', [db]).map((r) => r.m));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async tagKeys(db: string, measurement?: string): Promise<string[]> {
    this.#requireDb(db);
    const params: Param[] = [db];
    let sql = 'SELECT DISTINCT j.key AS k FROM series s, json_each(s.tags) j WHERE s.db = ?';
    if (measurement !== undefined) {
      sql += ' AND s.measurement = ?';
      params.push(measurement);
    }
    return sortedUnique(this.#all<{ k: string }>(sql, params).map((r) => r.k));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async tagValues(db: string, key: string, options: { measurement?: string | undefined; where?: TagFilter } = {}): Promise<string[]> {
    this.#requireDb(db);
    const params: Param[] = [db, key];
    let sql = 'SELECT DISTINCT j.value AS v FROM series s, json_each(s.tags) j WHERE s.db = ? AND j.key = ?';
    if (options.measurement !== undefined) {
      sql += ' AND s.measurement = ?';
      params.push(options.measurement);
    }
    sql += tagSql(options.where ?? {}, params);
    return sortedUnique(this.#all<{ v: string }>(sql, params).map((r) => String(r.v)));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async fieldKeys(db: string, measurement?: string): Promise<FieldKey[]> {
    this.#requireDb(db);
    const params: Param[] = [db];
    // Types are kept per weekly shard, as InfluxDB does: a field typed differently in two shards is listed once per type.
    let sql = 'SELECT DISTINCT measurement, field, type FROM field_types WHERE db = ?';
    if (measurement !== undefined) {
      sql += ' AND measurement = ?';
      params.push(measurement);
    }
    const rows = this.#all<FieldKey>(sql, params);
    return rows.sort((a, b) => (a.measurement !== b.measurement ? (a.measurement < b.measurement ? -1 : 1) : a.field !== b.field ? (a.field < b.field ? -1 : 1) : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /** `FROM points p JOIN series s ... WHERE` for one measurement, time range and tag filters. */
  #pointsFrom(db: string, measurement: string, from: bigint, to: bigint, where: TagFilter, params: Param[]): string {
    params.push(db, measurement, from, to);
    return ` FROM points p JOIN series s ON s.id = p.series_id WHERE s.db = ? AND s.measurement = ? AND p.time >= ? AND p.time < ?${tagSql(where, params)}`;
  }

  /**
   * The range a limited query needs, found in SQL so that a small limit over a large range reads
   * about `limit` points, not the whole range: the time of the point just beyond the limit in the
   * query's order (OFFSET limit, over the same filters), and the range narrowed to end there, that
   * point and every point of the same time included. The shared shaping then breaks the ties at the
   * cut by content, as for InfluxDB, and sees that more than `limit` points matched. When at most
   * `limit` points match, the range stays as it is.
   */
  #rangeForLimit(db: string, query: RowsQuery, limit: number): { from: bigint; to: bigint } {
    const params: Param[] = [];
    const sql =
      `SELECT p.time AS time${this.#pointsFrom(db, query.measurement, query.from, query.to, query.where, params)}${anyFieldSql(query.fields, params)}` +
      ` ORDER BY p.time${query.order === 'desc' ? ' DESC' : ''} LIMIT 1 OFFSET ?`;
    params.push(limit);
    const beyond = this.#all<{ time: bigint }>(sql, params, true)[0];
    if (beyond === undefined) return { from: query.from, to: query.to };
    return query.order === 'desc' ? { from: beyond.time, to: query.to } : { from: query.from, to: beyond.time + 1n };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async seriesAnswer(db: string, query: SeriesQuery): Promise<SeriesAnswer> {
    this.#requireDb(db);
    return query.aggregate ? this.#aggregated(db, query) : this.#raw(db, query);
  }

  #raw(db: string, query: SeriesQuery): SeriesAnswer {
    const params: Param[] = [];
    const groupCol = query.groupBy === undefined ? 'NULL' : '(SELECT value FROM json_each(s.tags) WHERE key = ?)';
    if (query.groupBy !== undefined) params.push(query.groupBy);
    // Ungrouped, a limit narrows the range first; grouped, it is per group: a window keeps, per group,
    // the points up to the first one beyond the limit (RANK counts ties as one, so all of them stay).
    const range = query.limit !== undefined && query.groupBy === undefined ? this.#rangeForLimit(db, query, query.limit) : query;
    let sql =
      `SELECT ${groupCol} AS grp, p.time AS time, p.fields AS fields` +
      `${this.#pointsFrom(db, query.measurement, range.from, range.to, query.where, params)}${anyFieldSql(query.fields, params)}`;
    if (query.limit !== undefined && query.groupBy !== undefined) {
      sql = `SELECT grp, time, fields FROM (SELECT grp, time, fields, RANK() OVER (PARTITION BY grp ORDER BY time${query.order === 'desc' ? ' DESC' : ''}) AS rk FROM (${sql})) WHERE rk <= ?`;
      params.push(query.limit + 1);
    }
    const groups = new Map<string | undefined, RawRow[]>();
    for (const r of this.#all<{ grp: string | null; time: bigint; fields: string }>(sql, params, true)) {
      const cells = pickCells(JSON.parse(r.fields) as Record<string, unknown>, query.fields);
      if (!cells) continue;
      const key = query.groupBy === undefined ? undefined : (r.grp ?? '');
      let rows = groups.get(key);
      if (!rows) groups.set(key, (rows = []));
      rows.push({ time: r.time, cells });
    }
    return finishSeries(groups, query);
  }

  #aggregated(db: string, query: SeriesQuery): SeriesAnswer {
    const interval = BigInt(query.intervalSeconds ?? 1) * 1_000_000_000n;
    const types = new Map(
      this.#all<{ field: string; type: string }>('SELECT field, type FROM field_types WHERE db = ? AND measurement = ?', [db, query.measurement]).map((r) => [r.field, r.type]),
    );
    // bucket -> cells, per group value
    const buckets = new Map<string | undefined, Map<bigint, FieldJson[]>>();
    query.fields.forEach((field, index) => {
      const params: Param[] = [];
      const groupCol = query.groupBy === undefined ? 'NULL' : '(SELECT value FROM json_each(s.tags) WHERE key = ?)';
      if (query.groupBy !== undefined) params.push(query.groupBy);
      params.push(interval, keyPath(field));
      const inner =
        `SELECT ${groupCol} AS grp, p.time - (p.time % ?) AS bucket, p.time AS time, json_extract(p.fields, ?) AS v` +
        `${this.#pointsFrom(db, query.measurement, query.from, query.to, query.where, params)} AND json_type(p.fields, ?) IS NOT NULL`;
      params.push(keyPath(field));
      // Among points at the same time InfluxDB's last() keeps the greatest value: so does this.
      const sql =
        query.aggregate === 'last'
          ? `SELECT grp, bucket, v FROM (SELECT grp, bucket, v, ROW_NUMBER() OVER (PARTITION BY grp, bucket ORDER BY time DESC, v DESC) AS rn FROM (${inner})) WHERE rn = 1`
          : `SELECT grp, bucket, ${SQL_AGGREGATE[query.aggregate as 'max' | 'mean' | 'sum']}(v) AS v FROM (${inner} ORDER BY p.time) GROUP BY grp, bucket`;
      for (const r of this.#all<{ grp: string | null; bucket: bigint; v: unknown }>(sql, params, true)) {
        const key = query.groupBy === undefined ? undefined : (r.grp ?? '');
        let perGroup = buckets.get(key);
        if (!perGroup) {
          perGroup = new Map();
          buckets.set(key, perGroup);
        }
        let cells = perGroup.get(r.bucket);
        if (!cells) perGroup.set(r.bucket, (cells = query.fields.map(() => null)));
        let value = toFieldJson(r.v);
        if (types.get(field) === 'boolean' && typeof value === 'number') value = value !== 0;
        cells[index] = value;
      }
    });
    const groups = new Map<string | undefined, RawRow[]>();
    for (const [key, perGroup] of buckets) groups.set(key, [...perGroup].map(([time, cells]) => ({ time, cells })));
    return finishSeries(groups, query);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async rowsAnswer(db: string, query: RowsQuery): Promise<RowsAnswer> {
    this.#requireDb(db);
    const range = query.limit === undefined ? query : this.#rangeForLimit(db, query, query.limit);
    const params: Param[] = [];
    const sql =
      `SELECT s.tags AS tags, p.time AS time, p.fields AS fields` +
      `${this.#pointsFrom(db, query.measurement, range.from, range.to, query.where, params)}${anyFieldSql(query.fields, params)}`;
    const rows: RawTableRow[] = [];
    for (const r of this.#all<{ tags: string; time: bigint; fields: string }>(sql, params, true)) {
      const all = JSON.parse(r.fields) as Record<string, unknown>;
      const fields: Record<string, FieldJson> = {};
      for (const [k, v] of Object.entries(all)) if (query.fields === undefined || query.fields.includes(k)) fields[k] = toFieldJson(v);
      if (Object.keys(fields).length === 0) continue;
      rows.push({ time: r.time, tags: JSON.parse(r.tags) as Record<string, string>, fields });
    }
    return finishRows(rows, query);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async pointRows(db: string, query: PointRowsQuery): Promise<PointRow[]> {
    const measurements = [...new Set(query.measurements)];
    if (measurements.length === 0) return [];
    const params: Param[] = [db, ...measurements, query.from, query.to];
    let conditions = '';
    let indexed: string | undefined;
    const rest: TagFilter = {};
    for (const [key, values] of Object.entries(query.where)) {
      // The first filter on a plain tag name uses an index on that tag's value (made on first use):
      // a check's filter on the revision tag then reads only the series of those revisions.
      if (indexed === undefined && values.length > 0 && INDEXABLE.test(key) && !values.includes('')) {
        if (this.#indexTag(key)) indexed = key;
        conditions += ` AND json_extract(s.tags, '$.${key}') IN (${values.map(() => '?').join(', ')})`;
        params.push(...values);
      } else rest[key] = values;
    }
    conditions += tagSql(rest, params);
    // Without statistics the planner prefers the unique index; the tag's index is far narrower.
    const from = indexed === undefined ? 'series s' : `series s INDEXED BY series_tag_${indexed}`;
    const sql =
      `SELECT s.measurement AS measurement, s.tags AS tags, p.time AS time, p.fields AS fields FROM points p JOIN ${from} ON s.id = p.series_id` +
      ` WHERE s.db = ? AND s.measurement IN (${measurements.map(() => '?').join(', ')}) AND p.time >= ? AND p.time < ?${conditions}`;
    const wanted = [...new Set(query.tags)];
    const rows: PointRow[] = [];
    for (const r of this.#all<{ measurement: string; tags: string; time: bigint; fields: string }>(sql, params, true)) {
      const all = JSON.parse(r.fields) as Record<string, unknown>;
      const fields: Record<string, FieldJson> = {};
      for (const [k, v] of Object.entries(all)) if (v !== null) fields[k] = toFieldJson(v);
      if (Object.keys(fields).length === 0) continue;
      const tagsIn = JSON.parse(r.tags) as Record<string, string>;
      const tags: Record<string, string> = {};
      for (const t of wanted) if (tagsIn[t] !== undefined) tags[t] = tagsIn[t];
      rows.push({ measurement: r.measurement, time: r.time.toString(), tags, fields });
    }
    return rows;
  }

  async close(): Promise<void> {}
}
