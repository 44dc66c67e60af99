// Query-string parameters of the read routes, already checked against their schemas, turned into store queries.
import { READ_DEFAULTS, type RowsParams, type SeriesParams } from '../contract/read.js';
import { controlCharacterMessage } from '../contract/common.js';
import { durationSeconds } from '../duration.js';
import { InvalidRequestError } from '../errors.js';
import { MAX_TIME_NS, MIN_TIME_NS, parseTime } from '../ingest/time.js';
import type { RowsQuery, SeriesQuery, TagFilter } from './read-store.js';

/** Defaults and limits of the read API (one table, which the route schemas read too). */
export const DEFAULTS = READ_DEFAULTS;

/** Refuses a name with a control character, naming the parameter it came in (the schemas check values). */
export function plain(value: string, param: string): string {
  const message = controlCharacterMessage(param, value);
  if (message) throw new InvalidRequestError(message, param);
  return value;
}

function time(raw: string | undefined, name: 'from' | 'to', fallback: bigint): bigint {
  if (raw === undefined || raw === '') return fallback;
  // Integer nanoseconds are checked against InfluxDB's range like every other form (parseTime does).
  const outside = `${name}: outside the range InfluxDB can store (${MIN_TIME_NS}..${MAX_TIME_NS} ns, 1677-09-21 to 2262-04-11)`;
  if (/^-?\d{21,}$/.test(raw)) throw new InvalidRequestError(outside, name);
  const parsed = parseTime(raw);
  if (!parsed.ok && /^-?\d+$/.test(raw)) throw new InvalidRequestError(outside, name);
  if (!parsed.ok) throw new InvalidRequestError(`${name}: ${parsed.reason} (RFC 3339, a date, or integer nanoseconds)`, name);
  return parsed.ns;
}

/**
 * Tag filters from `tag.<key>=<value>` parameters (repeat one to allow several values). Their
 * values were checked by the schema (a list of plain text each); a key can only be checked here.
 */
export function tagFilter(q: object): TagFilter {
  const where: TagFilter = {};
  for (const [name, value] of Object.entries(q)) {
    if (!name.startsWith('tag.') || name.length === 4) continue;
    plain(name, name);
    where[name.slice(4)] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return where;
}

/** The measurement parameter; an empty one means none, which `required` refuses. */
export function measurement(m: string | undefined, required: true): string;
export function measurement(m: string | undefined, required: false): string | undefined;
export function measurement(m: string | undefined, required: boolean): string | undefined {
  if (required && (m === undefined || m === '')) throw new InvalidRequestError('measurement is required', 'measurement');
  return m === '' ? undefined : m;
}

/** `1w`, `7d`, `12h`, `30m`, `90s` or a number of seconds. */
export function intervalSeconds(raw: string): number {
  const seconds = durationSeconds(raw, { whole: true }) ?? NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new InvalidRequestError('interval must be a whole duration such as 1w, 1d, 6h, 30m or 60s', 'interval');
  return seconds;
}

function range(q: { from?: string | undefined; to?: string | undefined }): { from: bigint; to: bigint } {
  const from = time(q.from, 'from', DEFAULTS.fromNs);
  const to = time(q.to, 'to', DEFAULTS.toNs);
  if (to <= from) throw new InvalidRequestError('to must be later than from', 'to');
  return { from, to };
}

/** The fields asked for, empty ones left out, each once. */
function fieldList(field: string[] | undefined, required: boolean): string[] | undefined {
  const fields = (field ?? []).filter((f) => f !== '');
  if (fields.length === 0) {
    if (required) throw new InvalidRequestError('at least one field is required (field=NAME, repeatable)', 'field');
    return undefined;
  }
  return [...new Set(fields)];
}

export function seriesQuery(q: SeriesParams): SeriesQuery {
  const { from, to } = range(q);
  const aggregate = q.aggregate === undefined || q.aggregate === 'raw' ? undefined : q.aggregate;
  if (aggregate && q.interval === undefined) throw new InvalidRequestError('an aggregate needs an interval (e.g. interval=1w)', 'interval');
  if (!aggregate && q.interval !== undefined) throw new InvalidRequestError('interval needs an aggregate (last, max, mean, sum)', 'aggregate');
  const interval = q.interval === undefined ? undefined : intervalSeconds(q.interval);
  if (interval !== undefined && (to - from) / (BigInt(interval) * 1_000_000_000n) > BigInt(DEFAULTS.maxBuckets)) {
    throw new InvalidRequestError(`the range spans more than ${DEFAULTS.maxBuckets} intervals; narrow from/to or widen interval`, 'interval');
  }
  return {
    measurement: measurement(q.measurement, true),
    fields: fieldList(q.field, true) as string[],
    from,
    to,
    where: tagFilter(q),
    groupBy: q.group_by === '' ? undefined : q.group_by,
    aggregate,
    intervalSeconds: interval,
    order: q.order ?? 'asc',
    limit: q.limit ?? DEFAULTS.limit,
  };
}

export function rowsQuery(q: RowsParams): RowsQuery {
  const { from, to } = range(q);
  return {
    measurement: measurement(q.measurement, true),
    fields: fieldList(q.field, false),
    from,
    to,
    where: tagFilter(q),
    order: q.order ?? 'asc',
    limit: q.limit ?? DEFAULTS.limit,
  };
}
