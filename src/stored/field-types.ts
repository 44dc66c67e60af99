// The known field types: (database, measurement, field, shard) → type, from the store, the journal and accepted payloads.
import type { ErrorDetail } from '../errors.js';
import type { FieldType, Point } from '../ingest/points.js';
import { GO_ZERO_TO_EPOCH_NS, SHARD_NS } from '../sinks/embedded.js';
import type { FieldTypeSummary } from './facts.js';

// InfluxDB 1.6 (influxd 1.6.7, checked by experiment) fixes a field's type per shard: a write whose
// point has another type for a field than the shard holds is a `400 partial write: field type
// conflict ... dropped=N`; the other points of the write are stored. Within one write the first
// point (in line order) fixes the type and later points of another type are dropped. In another
// shard (another week with the default 7-day shard groups) any type is taken, and SHOW FIELD KEYS
// then lists the field once per type. The catalog models exactly this.

/** Bit of each type in a mask; 0 in the exact map means "the shard has no such field". */
const BIT: Record<FieldType, number> = { integer: 1, float: 2, string: 4, boolean: 8 };
const TYPES: FieldType[] = ['integer', 'float', 'string', 'boolean'];
const ABSENT = 0;

/** Types of a mask. */
export function typesOf(mask: number): FieldType[] {
  return TYPES.filter((t) => (mask & BIT[t]) !== 0);
}

const typeOfBit = (bit: number): FieldType => TYPES.find((t) => BIT[t] === bit) ?? 'integer';

/**
 * Exact shard entries the catalog keeps at most. One entry is a Map slot with a short string key
 * (~100 bytes), so this caps the catalog near 50 MB however many fields × shards arrive; beyond it
 * the oldest entries go, their types folded into the summary so a payload of another type in their
 * shard makes the broker ask the store again (exact for stored data; for the rare entry of a
 * payload still waiting in the journal, a conflict then ends `rejected` after the 2xx as before).
 */
export const MAX_EXACT_ENTRIES = 500_000;

/** A shard the store must be asked about before the payload can be judged. */
export interface FieldLookup {
  key: string;
  measurement: string;
  field: string;
  start: bigint;
  end: bigint;
  types: FieldType[];
}

/** The verdict on one payload's fields. */
export interface FieldInspection {
  conflicts: ErrorDetail[];
  lookups: FieldLookup[];
  /** Exact entries the payload adds when accepted. */
  additions: [string, number][];
}

interface DbState {
  shardNs: bigint;
  /** `measurement\0field` → mask of the types the store holds for it in some shard. */
  summary: Map<string, number>;
}

/** Where in the payload a point's field or tag is, for the error's JSON Pointer. */
export type PathOf = (point: number, part: 'fields' | 'tags', name: string) => string;

const iso = (ns: bigint): string => {
  const ms = Number(ns / 1_000_000n);
  return ms >= -8.64e15 && ms <= 8.64e15 ? new Date(ms).toISOString() : `${ns} ns`;
};

export class FieldTypeCatalog {
  readonly #dbs = new Map<string, DbState>();
  readonly #exact = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(maxEntries = MAX_EXACT_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** Entries held, for tests and the bound. */
  get size(): number {
    return this.#exact.size;
  }

  has(db: string): boolean {
    return this.#dbs.has(db);
  }

  /**
   * Sets a database's shard length (kept, or 7 days for a new one, when undefined) and adds what the
   * store reports to its summary. True when the shard length changed: the database's entries are gone.
   */
  seed(db: string, shardNs: bigint | undefined, summary: FieldTypeSummary | undefined): boolean {
    let state = this.#dbs.get(db);
    let changed = false;
    if (!state) this.#dbs.set(db, (state = { shardNs: shardNs ?? SHARD_NS, summary: new Map() }));
    else if (shardNs !== undefined && state.shardNs !== shardNs) {
      // Every key of the database depends on it.
      state.shardNs = shardNs;
      const prefix = `${db}\u0000`;
      for (const k of [...this.#exact.keys()]) if (k.startsWith(prefix)) this.#exact.delete(k);
      changed = true;
    }
    for (const [m, fields] of summary ?? []) {
      for (const [f, types] of fields) {
        const k = `${m}\u0000${f}`;
        state.summary.set(k, (state.summary.get(k) ?? 0) | types.reduce((a, t) => a | BIT[t], 0));
      }
    }
    return changed;
  }

  #shard(state: DbState, time: bigint): bigint {
    const t = time + GO_ZERO_TO_EPOCH_NS;
    // Floor division, for times before year 1 (never accepted) as well.
    return t >= 0n ? t / state.shardNs : -((-t + state.shardNs - 1n) / state.shardNs);
  }

  /** The points' fields against what is known; `skip` holds shards the store could not be asked about. */
  inspect(db: string, points: Point[], pathOf: PathOf, skip: ReadonlySet<string> = new Set()): FieldInspection {
    const state = this.#dbs.get(db);
    const out: FieldInspection = { conflicts: [], lookups: [], additions: [] };
    if (!state) return out;
    // Within the payload: `measurement\0field\0shard` → [type bit, first point].
    const own = new Map<string, [number, number]>();
    const asked = new Set<string>();
    let lastTime: bigint | undefined;
    let shard = 0n;
    const startOf = (): bigint => shard * state.shardNs - GO_ZERO_TO_EPOCH_NS;
    const when = (): string => `for times from ${iso(startOf())} to ${iso(startOf() + state.shardNs)} (one shard)`;
    points.forEach((p, i) => {
      if (p.time !== lastTime) {
        lastTime = p.time;
        shard = this.#shard(state, p.time);
      }
      for (const [f, v] of p.fields) {
        const bit = BIT[v.kind];
        const local = `${p.measurement}\u0000${f}\u0000${shard}`;
        const mine = own.get(local);
        if (mine) {
          if (mine[0] !== bit && out.conflicts.length < 100) {
            out.conflicts.push({
              path: pathOf(i, 'fields', f),
              message: `field "${f}" of measurement "${p.measurement}" is stored as ${typeOfBit(mine[0])} by ${pathOf(mine[1], 'fields', f)} of this payload ${when()}; this point sends ${v.kind}`,
            });
          }
          continue;
        }
        own.set(local, [bit, i]);
        const key = `${db}\u0000${local}`;
        const exact = this.#exact.get(key);
        if (exact !== undefined) {
          if (exact !== ABSENT && exact !== bit) {
            if (out.conflicts.length < 100) {
              out.conflicts.push({
                path: pathOf(i, 'fields', f),
                message: `field "${f}" of measurement "${p.measurement}" is stored as ${typeOfBit(exact)} in database "${db}" ${when()}; this payload sends ${v.kind}`,
              });
            }
            continue;
          }
          if (exact === bit) continue;
        } else {
          const mask = state.summary.get(`${p.measurement}\u0000${f}`) ?? 0;
          // The store has the field with another type somewhere: ask about this shard.
          if ((mask & ~bit) !== 0 && !skip.has(key)) {
            if (!asked.has(key)) {
              asked.add(key);
              const start = startOf();
              out.lookups.push({ key, measurement: p.measurement, field: f, start, end: start + state.shardNs, types: typesOf(mask) });
            }
            continue;
          }
        }
        out.additions.push([key, bit]);
      }
    });
    return out;
  }

  /** Records what the store said about one shard (undefined: no such field there). */
  learn(key: string, type: FieldType | undefined): void {
    this.#set(key, type === undefined ? ABSENT : BIT[type]);
  }

  /** Records an accepted payload's entries; returns those it created, for {@link forget}. */
  record(additions: [string, number][]): string[] {
    const created: string[] = [];
    for (const [key, bit] of additions) {
      const known = this.#exact.get(key);
      if (known === bit) continue;
      this.#set(key, bit);
      created.push(key);
    }
    return created;
  }

  /** Drops entries (an accepted payload that was not journaled after all). */
  forget(keys: string[]): void {
    for (const k of keys) this.#exact.delete(k);
  }

  /**
   * After the store refused points: the store holds `stored` for the field in some shard, and the
   * entries those points made may be wrong. Drop them and note the types, so the next payload of
   * another type in those shards makes the broker ask the store.
   */
  correct(db: string, points: Point[], stored?: { measurement: string; field: string; type: FieldType }): void {
    const state = this.#dbs.get(db);
    if (!state) return;
    if (stored) {
      const k = `${stored.measurement}\u0000${stored.field}`;
      state.summary.set(k, (state.summary.get(k) ?? 0) | BIT[stored.type]);
    }
    for (const p of points) {
      const shard = this.#shard(state, p.time);
      for (const [f, v] of p.fields) {
        const key = `${db}\u0000${p.measurement}\u0000${f}\u0000${shard}`;
        const known = this.#exact.get(key);
        if (known === undefined) continue;
        this.#exact.delete(key);
        this.#fold(key, known | BIT[v.kind]);
      }
    }
  }

  #set(key: string, bit: number): void {
    // Re-inserting keeps the newest entries at the end of the Map's order.
    this.#exact.delete(key);
    this.#exact.set(key, bit);
    while (this.#exact.size > this.#maxEntries) {
      const [oldKey, oldBit] = this.#exact.entries().next().value as [string, number];
      this.#exact.delete(oldKey);
      this.#fold(oldKey, oldBit);
    }
  }

  /** Adds an exact entry's types to its field's summary mask. */
  #fold(key: string, bits: number): void {
    if (bits === ABSENT) return;
    const first = key.indexOf('\u0000');
    const last = key.lastIndexOf('\u0000');
    const state = this.#dbs.get(key.slice(0, first));
    if (!state) return;
    const field = key.slice(first + 1, last);
    state.summary.set(field, (state.summary.get(field) ?? 0) | bits);
  }
}
