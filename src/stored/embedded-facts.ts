// StoreFacts of the embedded store: SQL on its field_types and tag_values tables.
import type Database from 'better-sqlite3';
import type { FieldType } from '../ingest/points.js';
import { SHARD_NS, shardOf } from '../embedded/schema.js';
import type { FieldTypeSummary, StoreFacts } from './facts.js';

/** Reads the embedded store through its own SQLite handle (writes are committed before they return). */
export class EmbeddedFacts implements StoreFacts {
  readonly #types: Database.Statement;
  readonly #typeIn: Database.Statement;
  readonly #count: Database.Statement;
  readonly #has: Database.Statement;
  readonly #all: Database.Statement;

  constructor(db: Database.Database) {
    this.#types = db.prepare('SELECT DISTINCT measurement, field, type FROM field_types WHERE db = ?');
    this.#typeIn = db.prepare('SELECT type FROM field_types WHERE db = ? AND measurement = ? AND field = ? AND shard = ?');
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM tag_values WHERE db = ? AND measurement = ? AND key = ?');
    this.#has = db.prepare('SELECT 1 FROM tag_values WHERE db = ? AND measurement = ? AND key = ? AND value = ?');
    this.#all = db.prepare('SELECT value FROM tag_values WHERE db = ? AND measurement = ? AND key = ?');
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async shardDuration(): Promise<bigint> {
    return SHARD_NS;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async fieldTypes(db: string): Promise<FieldTypeSummary> {
    const out: FieldTypeSummary = new Map();
    for (const r of this.#types.all(db) as { measurement: string; field: string; type: FieldType }[]) {
      let fields = out.get(r.measurement);
      if (!fields) {
        fields = new Map();
        out.set(r.measurement, fields);
      }
      fields.set(r.field, [...(fields.get(r.field) ?? []), r.type]);
    }
    return out;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async fieldTypeIn(db: string, measurement: string, field: string, start: bigint): Promise<FieldType | undefined> {
    return (this.#typeIn.get(db, measurement, field, shardOf(start)) as { type: FieldType } | undefined)?.type;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async tagValueCount(db: string, measurement: string, key: string): Promise<number> {
    return (this.#count.get(db, measurement, key) as { n: number }).n;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- synchronous SQLite behind an async interface: async makes a throw a rejection
  async tagValues(db: string, measurement: string, key: string, values?: string[]): Promise<Set<string>> {
    if (values === undefined) return new Set((this.#all.all(db, measurement, key) as { value: string }[]).map((r) => r.value));
    return new Set(values.filter((v) => this.#has.get(db, measurement, key, v) !== undefined));
  }
}
