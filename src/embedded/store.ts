// The embedded store, write side: points kept in SQLite with InfluxDB's semantics (series, typed fields, upsert by time); the broker's Sink when no InfluxDB is configured.
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dataFileError } from '../data-files.js';
import { parseLines } from '../ingest/line-protocol.js';
import type { FieldType } from '../ingest/points.js';
import type { Health, Sink, WriteResult } from '../sinks/sink.js';
import { SCHEMA, fieldsJson, shardOf, storeFileOf, tagsJson } from './schema.js';


/** InfluxDB's default `max-values-per-tag`. */
export const DEFAULT_MAX_VALUES_PER_TAG = 100_000;

export interface EmbeddedStoreOptions {
  /** Distinct values a tag key may have per measurement and database; 0 turns the limit off. */
  maxValuesPerTag?: number;
}

/** Go's %q for the texts the broker stores (control characters never get this far). */
const goQuote = (s: string): string => JSON.stringify(s);

export class EmbeddedStore implements Sink {
  readonly kind = 'embedded' as const;
  readonly file: string;
  #db: Database.Database;
  #types = new Map<string, FieldType>();
  #series = new Map<string, number>();
  /** Distinct values per `db\0measurement\0key`, loaded when first needed. */
  #tagCounts = new Map<string, number>();
  readonly #maxValuesPerTag: number;
  #insertSeries: Database.Statement;
  #hasTagValue: Database.Statement;
  #insertTagValue: Database.Statement;
  #countTagValues: Database.Statement;
  #insertType: Database.Statement;
  #upsert: Database.Statement;
  #insertDb: Database.Statement;

  /** Opens (or creates) the store of a data dir; throws a StartupError naming the file when it cannot. */
  constructor(dataDir: string, options: EmbeddedStoreOptions = {}) {
    this.file = storeFileOf(dataDir);
    this.#maxValuesPerTag = options.maxValuesPerTag ?? DEFAULT_MAX_VALUES_PER_TAG;
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
      const hadTagValues = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tag_values'`).get() !== undefined;
      db.exec(SCHEMA);
      // A store made before tag_values existed: fill it from the series once.
      if (!hadTagValues) {
        db.exec('INSERT OR IGNORE INTO tag_values (db, measurement, key, value) SELECT s.db, s.measurement, j.key, j.value FROM series s, json_each(s.tags) j');
      }
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
      this.#hasTagValue = db.prepare('SELECT 1 FROM tag_values WHERE db = ? AND measurement = ? AND key = ? AND value = ?');
      this.#insertTagValue = db.prepare('INSERT OR IGNORE INTO tag_values (db, measurement, key, value) VALUES (?, ?, ?, ?)');
      this.#countTagValues = db.prepare('SELECT COUNT(*) AS n FROM tag_values WHERE db = ? AND measurement = ? AND key = ?');
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

  #seriesKey(db: string, measurement: string, tags: [string, string][]): string {
    return `${db}\u0000${measurement}\u0000${tagsJson(tags)}`;
  }

  #seriesId(db: string, measurement: string, tags: [string, string][], key = this.#seriesKey(db, measurement, tags)): number {
    let id = this.#series.get(key);
    if (id === undefined) {
      id = (this.#insertSeries.get(db, measurement, tagsJson(tags)) as { id: number }).id;
      this.#series.set(key, id);
      for (const [k, v] of tags) {
        if (this.#insertTagValue.run(db, measurement, k, v).changes > 0) {
          const countKey = `${db}\u0000${measurement}\u0000${k}`;
          const n = this.#tagCounts.get(countKey);
          if (n !== undefined) this.#tagCounts.set(countKey, n + 1);
        }
      }
    }
    return id;
  }

  #tagCount(db: string, measurement: string, key: string): number {
    const countKey = `${db}\u0000${measurement}\u0000${key}`;
    let n = this.#tagCounts.get(countKey);
    if (n === undefined) {
      n = (this.#countTagValues.get(db, measurement, key) as { n: number }).n;
      this.#tagCounts.set(countKey, n);
    }
    return n;
  }

  /**
   * Why InfluxDB would drop a point of a new series for max-values-per-tag, or undefined. As influxd
   * 1.6 (inmem index) does: a value the measurement already has for that tag key always passes; a new
   * one is dropped when the count before this write (`atStart`, filled here) is at the limit, so one
   * write may pass the limit, and from then on every new value is dropped.
   */
  #overTagLimit(db: string, p: { measurement: string; tags: [string, string][] }, atStart: Map<string, number>): string | undefined {
    for (const [k, v] of p.tags) {
      if (this.#hasTagValue.get(db, p.measurement, k, v) !== undefined) continue;
      let n = atStart.get(k);
      if (n === undefined) {
        n = this.#tagCount(db, p.measurement, k);
        atStart.set(k, n);
      }
      if (n >= this.#maxValuesPerTag) {
        return `max-values-per-tag limit exceeded (${n}/${this.#maxValuesPerTag}): measurement=${goQuote(p.measurement)} tag=${goQuote(k)} value=${goQuote(v)}`;
      }
    }
    return undefined;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async write(database: string, chunks: readonly string[]): Promise<WriteResult> {
    const points = chunks.flatMap((c) => parseLines(c));
    const conflicts: string[] = [];
    const overLimit: string[] = [];
    const newTypes: [string, FieldType][] = [];
    // Tag counts before this write, per measurement and tag key (see #overTagLimit).
    const atStart = new Map<string, Map<string, number>>();
    try {
      this.#db.transaction(() => {
        this.#insertDb.run(database);
        for (const p of points) {
          const seriesKey = this.#seriesKey(database, p.measurement, p.tags);
          if (this.#maxValuesPerTag > 0 && !this.#series.has(seriesKey)) {
            let counts = atStart.get(p.measurement);
            if (!counts) {
              counts = new Map();
              atStart.set(p.measurement, counts);
            }
            const reason = this.#overTagLimit(database, p, counts);
            if (reason) {
              overLimit.push(reason);
              continue;
            }
          }
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
          this.#upsert.run(this.#seriesId(database, p.measurement, p.tags, seriesKey), p.time, fieldsJson(p.fields));
        }
      })();
    } catch (err) {
      // The transaction rolled back: forget what it taught the caches.
      for (const [k] of newTypes) this.#types.delete(k);
      this.#series.clear();
      this.#tagCounts.clear();
      return { ok: false, retry: true, message: `embedded store: ${(err as Error).message}` };
    }
    // As InfluxDB: the points kept are stored, the answer names the first dropped one, a tag limit
    // before a type conflict (it creates the series before it checks the fields).
    const dropped = overLimit.length + conflicts.length;
    if (dropped > 0) {
      return { ok: false, retry: false, status: 400, message: `partial write: ${overLimit[0] ?? conflicts[0]} dropped=${dropped}` };
    }
    return { ok: true };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async createDatabase(database: string): Promise<void> {
    this.#insertDb.run(database);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async ping(): Promise<Health> {
    try {
      this.#db.prepare('SELECT 1').get();
      return { ok: true, detail: `embedded store at ${this.file}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async close(): Promise<void> {
    this.#db.close();
  }
}
