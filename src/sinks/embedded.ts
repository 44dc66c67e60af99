// The embedded store: points kept in SQLite with InfluxDB's semantics (series, typed fields, upsert by time).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dataFileError } from '../data-files.js';
import { parseLines } from '../ingest/line-protocol.js';
import type { FieldType, FieldValue } from '../ingest/points.js';
import type { Health, Sink, WriteResult } from './sink.js';

const SCHEMA = `
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
`;

const SHARD_NS = 7n * 86_400n * 1_000_000_000n;
// InfluxDB truncates times to the shard duration counted from Go's zero time (0001-01-01, a
// Monday), so its weekly shard groups start on Mondays 00:00 UTC.
const GO_ZERO_TO_EPOCH_NS = 62_135_596_800n * 1_000_000_000n;

/** InfluxDB's default shard group (7 days from a Monday) of a time. */
export function shardOf(timeNs: bigint): number {
  return Number((timeNs + GO_ZERO_TO_EPOCH_NS) / SHARD_NS);
}

/** JSON text of one field value; integers keep all their digits. */
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

export class EmbeddedSink implements Sink {
  readonly kind = 'embedded' as const;
  readonly file: string;
  #db: Database.Database;
  #types = new Map<string, FieldType>();
  #series = new Map<string, number>();
  #insertSeries: Database.Statement;
  #insertType: Database.Statement;
  #upsert: Database.Statement;
  #insertDb: Database.Statement;

  /** Opens (or creates) the store of a data dir; throws a StartupError naming the file when it cannot. */
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'store.sqlite');
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw dataFileError('dataDir', dataDir, err, 'create');
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(this.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      for (const r of db.prepare('SELECT db, measurement, field, shard, type FROM field_types').all() as {
        db: string;
        measurement: string;
        field: string;
        shard: number;
        type: FieldType;
      }[]) {
        this.#types.set(`${r.db}\u0000${r.measurement}\u0000${r.field}\u0000${r.shard}`, r.type);
      }
      this.#insertDb = db.prepare('INSERT OR IGNORE INTO databases (name) VALUES (?)');
      this.#insertSeries = db.prepare(
        'INSERT INTO series (db, measurement, tags) VALUES (?, ?, ?) ON CONFLICT (db, measurement, tags) DO UPDATE SET tags = excluded.tags RETURNING id',
      );
      this.#insertType = db.prepare('INSERT OR IGNORE INTO field_types (db, measurement, field, shard, type) VALUES (?, ?, ?, ?, ?)');
      this.#upsert = db.prepare(
        'INSERT INTO points (series_id, time, fields) VALUES (?, ?, ?) ON CONFLICT (series_id, time) DO UPDATE SET fields = json_patch(points.fields, excluded.fields)',
      );
    } catch (err) {
      db?.close();
      throw dataFileError('store', this.file, err);
    }
    this.#db = db;
  }

  /** The SQLite handle, for the read side. */
  get database(): Database.Database {
    return this.#db;
  }

  #seriesId(db: string, measurement: string, tags: [string, string][]): number {
    const tagJson = JSON.stringify(Object.fromEntries(tags));
    const key = `${db}\u0000${measurement}\u0000${tagJson}`;
    let id = this.#series.get(key);
    if (id === undefined) {
      id = (this.#insertSeries.get(db, measurement, tagJson) as { id: number }).id;
      this.#series.set(key, id);
    }
    return id;
  }

  async write(database: string, lines: string): Promise<WriteResult> {
    const points = parseLines(lines);
    const conflicts: string[] = [];
    const newTypes: [string, FieldType][] = [];
    try {
      this.#db.transaction(() => {
        this.#insertDb.run(database);
        for (const p of points) {
          const shard = shardOf(p.time);
          const typeKey = (field: string): string => `${database}\u0000${p.measurement}\u0000${field}\u0000${shard}`;
          const conflict = p.fields.find(([k, v]) => {
            const known = this.#types.get(typeKey(k));
            return known !== undefined && known !== v.kind;
          });
          if (conflict) {
            const [k, v] = conflict;
            conflicts.push(
              `field type conflict: input field "${k}" on measurement "${p.measurement}" is type ${v.kind}, already exists as type ${this.#types.get(typeKey(k))}`,
            );
            continue;
          }
          for (const [k, v] of p.fields) {
            if (!this.#types.has(typeKey(k))) {
              this.#types.set(typeKey(k), v.kind);
              newTypes.push([typeKey(k), v.kind]);
              this.#insertType.run(database, p.measurement, k, shard, v.kind);
            }
          }
          const fields = `{${p.fields.map(([k, v]) => `${JSON.stringify(k)}:${fieldJson(v)}`).join(',')}}`;
          this.#upsert.run(this.#seriesId(database, p.measurement, p.tags), p.time, fields);
        }
      })();
    } catch (err) {
      // The transaction rolled back: forget what it taught the caches.
      for (const [k] of newTypes) this.#types.delete(k);
      this.#series.clear();
      return { ok: false, retry: true, message: `embedded store: ${(err as Error).message}` };
    }
    if (conflicts.length > 0) {
      return { ok: false, retry: false, status: 400, message: `partial write: ${conflicts[0]} dropped=${conflicts.length}` };
    }
    return { ok: true };
  }

  async createDatabase(database: string): Promise<void> {
    this.#insertDb.run(database);
  }

  async ping(): Promise<Health> {
    try {
      this.#db.prepare('SELECT 1').get();
      return { ok: true, detail: `embedded store at ${this.file}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
