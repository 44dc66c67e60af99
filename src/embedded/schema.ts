// The embedded store's file and tables, and how a point's tags and fields are written in them: one
// description for the store that writes, the read store, the acceptance checks and `qmb export`.
import path from 'node:path';
import { JsonNumber, parseLossless } from '../ingest/json.js';
import type { FieldValue } from '../ingest/points.js';

/** The store's file in the data dir. */
export function storeFileOf(dataDir: string): string {
  return path.join(dataDir, 'store.sqlite');
}

/** Every table and index; each statement creates only what is missing. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS databases (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  db TEXT NOT NULL,
  measurement TEXT NOT NULL,
  tags TEXT NOT NULL,            -- JSON object, keys sorted; values strings
  UNIQUE (db, measurement, tags)
);
-- InfluxDB fixes a field's type per shard (7-day shard groups), so the same field
-- may hold integers in one week and floats in another: one row per shard.
CREATE TABLE IF NOT EXISTS field_types (
  db TEXT NOT NULL,
  measurement TEXT NOT NULL,
  field TEXT NOT NULL,
  shard INTEGER NOT NULL,        -- weeks since 0001-01-01 (see shardOf)
  type TEXT NOT NULL CHECK (type IN ('integer', 'float', 'string', 'boolean')),
  PRIMARY KEY (db, measurement, field, shard)
);
CREATE TABLE IF NOT EXISTS points (
  series_id INTEGER NOT NULL REFERENCES series (id),
  time INTEGER NOT NULL,         -- nanoseconds since the epoch
  fields TEXT NOT NULL,          -- JSON object; types in field_types
  PRIMARY KEY (series_id, time)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_time ON points (time);
-- Distinct tag values per measurement, for InfluxDB's max-values-per-tag limit.
CREATE TABLE IF NOT EXISTS tag_values (
  db TEXT NOT NULL,
  measurement TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (db, measurement, key, value)
) WITHOUT ROWID;
`;

/** InfluxDB's default shard group length (7 days), in ns. */
export const SHARD_NS = 7n * 86_400n * 1_000_000_000n;
// InfluxDB truncates times to the shard duration counted from Go's zero time (0001-01-01, a
// Monday), so its weekly shard groups start on Mondays 00:00 UTC.
export const GO_ZERO_TO_EPOCH_NS = 62_135_596_800n * 1_000_000_000n;

/** InfluxDB's default shard group (7 days from a Monday) of a time. */
export function shardOf(timeNs: bigint): number {
  return Number((timeNs + GO_ZERO_TO_EPOCH_NS) / SHARD_NS);
}

/** The `series.tags` text of a series: a JSON object of the tags in the order given (line protocol sorts them). */
export function tagsJson(tags: readonly [string, string][]): string {
  return JSON.stringify(Object.fromEntries(tags));
}

/** The `series.tags` column read back, keys sorted. */
export function tagsOf(text: string): [string, string][] {
  return Object.entries(JSON.parse(text) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** JSON text of one field value; integers keep all their digits, whole floats get `.0`. */
function fieldJson(v: FieldValue): string {
  switch (v.kind) {
    case 'integer':
      return v.value.toString();
    case 'float':
      return Number.isInteger(v.value) && Math.abs(v.value) < 1e21 ? `${v.value}.0` : JSON.stringify(v.value);
    default:
      return JSON.stringify(v.value);
  }
}

/** The `points.fields` text of a point: a JSON object in which the number literal tells integer (`5`) from float (`5.0`). */
export function fieldsJson(fields: readonly [string, FieldValue][]): string {
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${fieldJson(v)}`).join(',')}}`;
}

/** The `points.fields` column read back with each value's type, integers with every digit. */
export function fieldsOf(text: string): [string, FieldValue][] {
  const out: [string, FieldValue][] = [];
  for (const [k, v] of Object.entries(parseLossless(text) as Record<string, unknown>)) {
    if (v instanceof JsonNumber) out.push([k, v.isIntegerLiteral ? { kind: 'integer', value: BigInt(v.literal) } : { kind: 'float', value: v.value }]);
    else if (typeof v === 'boolean') out.push([k, { kind: 'boolean', value: v }]);
    else if (typeof v === 'string') out.push([k, { kind: 'string', value: v }]);
  }
  return out;
}
