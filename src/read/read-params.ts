// Query-string parameters of the read routes, checked once and turned into store queries.
import { InvalidRequestError } from '../errors.js';
import { MAX_TIME_NS, MIN_TIME_NS, parseTime } from '../ingest/time.js';
import { AGGREGATES, type Aggregate, type RowsQuery, type SeriesQuery, type TagFilter } from './read-store.js';

export type QueryString = Record<string, string | string[] | undefined>;

/** Defaults of the read API. */
export const DEFAULTS = {
  /** Inclusive lower bound when `from` is missing: the epoch. */
  fromNs: 0n,
  /** Exclusive upper bound when `to` is missing: 2100-01-01T00:00:00Z. */
  toNs: 4_102_444_800_000_000_000n,
  /**
   * Rows per answer (`rows`) or per series (`series`) when no `limit` is given; a longer result is
   * cut and the answer says `"truncated": true`. Above the dashboard's largest page (a year of
   * ten-minute MISRA points, about 53,000 rows).
   */
  limit: 100_000,
  maxLimit: 1_000_000,
  maxFields: 64,
  /** Buckets a query may span at most (range / interval). */
  maxBuckets: 1_000_000,
} as const;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function all(q: QueryString, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function one(q: QueryString, name: string): string | undefined {
  const v = all(q, name);
  if (v.length > 1) throw new InvalidRequestError(`${name} may be given once`, name);
  return v[0];
}

/** Control characters: no stored name or value has one (ingest refuses them), and InfluxQL cannot quote CR. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Refuses a name or value with a control character, naming the parameter it came in. */
export function plain(value: string, param: string): string {
  const control = CONTROL.exec(value);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new InvalidRequestError(`${param} contains the control character ${code}; no stored name or value has one`, param);
  }
  return value;
}

function time(q: QueryString, name: 'from' | 'to', fallback: bigint): bigint {
  const raw = one(q, name);
  if (raw === undefined || raw === '') return fallback;
  // Integer nanoseconds are checked against InfluxDB's range like every other form (parseTime does).
  const outside = `${name}: outside the range InfluxDB can store (${MIN_TIME_NS}..${MAX_TIME_NS} ns, 1677-09-21 to 2262-04-11)`;
  if (/^-?\d{21,}$/.test(raw)) throw new InvalidRequestError(outside, name);
  const parsed = parseTime(raw);
  if (!parsed.ok && /^-?\d+$/.test(raw)) throw new InvalidRequestError(outside, name);
  if (!parsed.ok) throw new InvalidRequestError(`${name}: ${parsed.reason} (RFC 3339, a date, or integer nanoseconds)`, name);
  return parsed.ns;
}

/** Tag filters from `tag.<key>=<value>` parameters (repeat one to allow several values). */
export function tagFilter(q: QueryString): TagFilter {
  const where: TagFilter = {};
  for (const name of Object.keys(q)) {
    if (!name.startsWith('tag.') || name.length === 4) continue;
    plain(name, name);
    where[name.slice(4)] = all(q, name).map((v) => plain(v, name));
  }
  return where;
}

/** The measurement parameter; `required` makes it mandatory. */
export function measurement(q: QueryString, required: true): string;
export function measurement(q: QueryString, required: false): string | undefined;
export function measurement(q: QueryString, required: boolean): string | undefined {
  const m = one(q, 'measurement');
  if (m !== undefined) plain(m, 'measurement');
  if (required && (m === undefined || m === '')) throw new InvalidRequestError('measurement is required', 'measurement');
  return m === '' ? undefined : m;
}

function limit(q: QueryString): number {
  const raw = one(q, 'limit');
  if (raw === undefined) return DEFAULTS.limit;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > DEFAULTS.maxLimit) throw new InvalidRequestError(`limit must be 1..${DEFAULTS.maxLimit}`, 'limit');
  return n;
}

function order(q: QueryString): 'asc' | 'desc' {
  const raw = one(q, 'order') ?? 'asc';
  if (raw !== 'asc' && raw !== 'desc') throw new InvalidRequestError('order must be asc or desc', 'order');
  return raw;
}

/** `1w`, `7d`, `12h`, `30m`, `90s` or a number of seconds. */
export function intervalSeconds(raw: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new InvalidRequestError('interval must be a whole duration such as 1w, 1d, 6h, 30m or 60s', 'interval');
  return seconds;
}

function range(q: QueryString): { from: bigint; to: bigint } {
  const from = time(q, 'from', DEFAULTS.fromNs);
  const to = time(q, 'to', DEFAULTS.toNs);
  if (to <= from) throw new InvalidRequestError('to must be later than from', 'to');
  return { from, to };
}

function fieldList(q: QueryString, required: boolean): string[] | undefined {
  const fields = all(q, 'field').filter((f) => f !== '').map((f) => plain(f, 'field'));
  if (fields.length === 0) {
    if (required) throw new InvalidRequestError('at least one field is required (field=NAME, repeatable)', 'field');
    return undefined;
  }
  if (fields.length > DEFAULTS.maxFields) throw new InvalidRequestError(`at most ${DEFAULTS.maxFields} fields`, 'field');
  return [...new Set(fields)];
}

export function seriesQuery(q: QueryString): SeriesQuery {
  const { from, to } = range(q);
  const agg = one(q, 'aggregate');
  if (agg !== undefined && agg !== 'raw' && !AGGREGATES.includes(agg as Aggregate)) {
    throw new InvalidRequestError(`aggregate must be raw or one of ${AGGREGATES.join(', ')}`, 'aggregate');
  }
  const aggregate = agg === undefined || agg === 'raw' ? undefined : (agg as Aggregate);
  const rawInterval = one(q, 'interval');
  if (aggregate && rawInterval === undefined) throw new InvalidRequestError('an aggregate needs an interval (e.g. interval=1w)', 'interval');
  if (!aggregate && rawInterval !== undefined) throw new InvalidRequestError('interval needs an aggregate (last, max, mean, sum)', 'aggregate');
  const interval = rawInterval === undefined ? undefined : intervalSeconds(rawInterval);
  if (interval !== undefined && (to - from) / (BigInt(interval) * 1_000_000_000n) > BigInt(DEFAULTS.maxBuckets)) {
    throw new InvalidRequestError(`the range spans more than ${DEFAULTS.maxBuckets} intervals; narrow from/to or widen interval`, 'interval');
  }
  const groupBy = one(q, 'group_by');
  if (groupBy !== undefined) plain(groupBy, 'group_by');
  return {
    measurement: measurement(q, true),
    fields: fieldList(q, true) as string[],
    from,
    to,
    where: tagFilter(q),
    groupBy: groupBy === '' ? undefined : groupBy,
    aggregate,
    intervalSeconds: interval,
    order: order(q),
    limit: limit(q),
  };
}

export function rowsQuery(q: QueryString): RowsQuery {
  const { from, to } = range(q);
  return { measurement: measurement(q, true), fields: fieldList(q, false), from, to, where: tagFilter(q), order: order(q), limit: limit(q) };
}
