// StoreFacts of InfluxDB 1.x: InfluxQL over /query (SHOW FIELD KEYS, per-shard COUNTs, SHOW TAG VALUES).
import { SHARD_NS } from '../embedded/schema.js';
import type { FieldType } from '../ingest/points.js';
import { ident, literal } from '../influx/influxql.js';
import { type InfluxOptions, influxAuthHeaders } from '../influx/connection.js';
import { type InfluxTransport, httpTransport, queryCall } from '../influx/http.js';
import { InfluxTargets } from '../influx/routes.js';
import type { FieldTypeSummary, StoreFacts } from './facts.js';

interface Result {
  error?: string;
  series?: { name?: string; columns: string[]; values?: unknown[][] }[];
}

const GO_UNITS: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, 'µs': 1e3, ns: 1 };
/** Tag values asked for in one statement. */
const VALUES_PER_QUERY = 100;
const FIELD_TYPES = new Set(['integer', 'float', 'string', 'boolean']);

/** Go's Duration.String() (`168h0m0s`, `1h0m0s`, `30m0s`) in ns; undefined when unreadable or zero. */
export function parseGoDuration(text: string): bigint | undefined {
  let ns = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/.exec(rest);
    if (!m) return undefined;
    ns += Number(m[1]) * (GO_UNITS[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return ns > 0 ? BigInt(Math.round(ns)) : undefined;
}

/** Asks InfluxDB 1.x (or a server of its /query API) with the sink's URLs and credentials. */
export class InfluxFacts implements StoreFacts {
  readonly #targets: InfluxTargets;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #transport: InfluxTransport;

  constructor(options: InfluxOptions) {
    this.#transport = options.transport ?? httpTransport;
    this.#targets = new InfluxTargets(options.url, options.routes);
    this.#headers = influxAuthHeaders(options);
    // Asked while a client waits for its answer: a slow store must not hold ingest up for long.
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * Runs statements (joined by `;`) about `db` at its InfluxDB and returns one result each; a missing
   * database is an empty result. `withDb: false` leaves `db=` out (statements that name it with ON).
   */
  async #query(db: string, statements: string[], withDb = true): Promise<Result[]> {
    const params = new URLSearchParams({ q: statements.join('; ') });
    if (withDb) params.set('db', db);
    const res = await this.#transport(this.#targets.urlFor(db), { ...queryCall(params, this.#headers), timeoutMs: this.#timeoutMs });
    const text = res.text;
    let body: { error?: string; results?: Result[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`InfluxDB ${res.status}: ${text.slice(0, 200)}`);
    }
    if (body.error) {
      if (/database not found/i.test(body.error)) return statements.map(() => ({}));
      throw new Error(`InfluxDB: ${body.error}`);
    }
    return statements.map((_, i) => {
      const r = body.results?.[i] ?? {};
      return r.error && /database not found/i.test(r.error) ? {} : r;
    });
  }

  static #fail(r: Result): Result {
    if (r.error) throw new Error(`InfluxDB: ${r.error}`);
    return r;
  }

  /**
   * The default retention policy's shard group duration. Shard groups made before an ALTER of it
   * keep their old bounds; the broker assumes the current one for all.
   */
  async shardDuration(db: string): Promise<bigint> {
    const [r] = await this.#query(db, [`SHOW RETENTION POLICIES ON ${ident(db)}`], false);
    const s = InfluxFacts.#fail(r ?? {}).series?.[0];
    if (!s) return SHARD_NS;
    const col = (name: string): number => s.columns.indexOf(name);
    const row = (s.values ?? []).find((v) => v[col('default')] === true);
    return (row && parseGoDuration(String(row[col('shardGroupDuration')]))) ?? SHARD_NS;
  }

  async fieldTypes(db: string): Promise<FieldTypeSummary> {
    const [r] = await this.#query(db, [`SHOW FIELD KEYS ON ${ident(db)}`]);
    const out: FieldTypeSummary = new Map();
    for (const s of InfluxFacts.#fail(r ?? {}).series ?? []) {
      const fields = new Map<string, FieldType[]>();
      for (const [key, type] of s.values ?? []) {
        if (typeof key !== 'string' || !FIELD_TYPES.has(String(type))) continue;
        fields.set(key, [...(fields.get(key) ?? []), type as FieldType]);
      }
      out.set(String(s.name), fields);
    }
    return out;
  }

  /**
   * One request of two statements over the shard's time range only, so the query sees that one
   * shard's type. Found by experiment against influxd 1.6.7: over several shards a numeric field
   * is cast to one type (`::integer` and `::float` count both), while `::string` and `::boolean`
   * count only the shards of that type; `f & 0` works on an integer field and fails with
   * "incompatible types: float and integer" on a float one.
   */
  async fieldTypeIn(db: string, measurement: string, field: string, start: bigint, end: bigint): Promise<FieldType | undefined> {
    const f = ident(field);
    const range = `FROM ${ident(measurement)} WHERE time >= ${start} AND time < ${end}`;
    const [counts, bitwise] = await this.#query(db, [
      `SELECT COUNT(${f}::string) AS s, COUNT(${f}::boolean) AS b, COUNT(${f}) AS n ${range}`,
      `SELECT ${f} & 0 ${range} LIMIT 1`,
    ]);
    const s = InfluxFacts.#fail(counts ?? {}).series?.[0];
    const row = s?.values?.[0];
    if (!s || !row) return undefined;
    const count = (name: string): number => Number(row[s.columns.indexOf(name)] ?? 0);
    if (count('s') > 0) return 'string';
    if (count('b') > 0) return 'boolean';
    if (!(count('n') > 0)) return undefined;
    if (bitwise?.error) {
      if (/incompatible types: float/.test(bitwise.error)) return 'float';
      throw new Error(`InfluxDB: ${bitwise.error}`);
    }
    return 'integer';
  }

  async tagValueCount(db: string, measurement: string, key: string): Promise<number> {
    const [r] = await this.#query(db, [`SHOW TAG VALUES EXACT CARDINALITY FROM ${ident(measurement)} WITH KEY = ${ident(key)}`]);
    const v = InfluxFacts.#fail(r ?? {}).series?.[0]?.values?.[0]?.[0];
    return typeof v === 'number' ? v : 0;
  }

  async tagValues(db: string, measurement: string, key: string, values?: string[]): Promise<Set<string>> {
    const base = `SHOW TAG VALUES FROM ${ident(measurement)} WITH KEY = ${ident(key)}`;
    const statements: string[] = [];
    if (values === undefined) statements.push(base);
    else {
      for (let i = 0; i < values.length; i += VALUES_PER_QUERY) {
        statements.push(`${base} WHERE ${values.slice(i, i + VALUES_PER_QUERY).map((v) => `${ident(key)} = ${literal(v)}`).join(' OR ')}`);
      }
    }
    const out = new Set<string>();
    // A few statements per request keeps each request's text and answer small.
    for (let i = 0; i < statements.length; i += 10) {
      for (const r of await this.#query(db, statements.slice(i, i + 10))) {
        for (const s of InfluxFacts.#fail(r).series ?? []) for (const v of s.values ?? []) out.add(String(v[1]));
      }
    }
    return out;
  }
}
