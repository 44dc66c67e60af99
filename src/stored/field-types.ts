// The known field types: (database, measurement, field, shard) → type, from the store, the journal and accepted payloads.
import type { ErrorDetail } from '../errors.js';
import type { FieldType, Point } from '../ingest/points.js';
import { GO_ZERO_TO_EPOCH_NS, SHARD_NS } from '../embedded/schema.js';
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
 * Shard entries the catalog keeps at most. An entry is a slot of a per-field Map with a number key
 * (about 30 bytes, measured), so this caps them near 15 MB however many fields × shards arrive; the
 * per-field summaries are as many as the fields the store lists itself.
 * Beyond it the oldest entries of the fields seen first go, their types folded into the summaries,
 * so a payload of another type in their shards makes the broker ask the store again (exact for
 * stored data; for the rare entry of a payload still waiting in the journal, a conflict then ends
 * `rejected` after the 2xx, as it did before this check existed).
 */
export const MAX_SHARD_ENTRIES = 500_000;

/** What is known of one field of one measurement. */
interface FieldEntry {
  /** Mask of the types the store holds for it in some shard (SHOW FIELD KEYS), or held once. */
  summary: number;
  /** Shard → the type bit fixed there (by the store, the journal or an accepted payload), or ABSENT. */
  shards: Map<number, number>;
}

interface DbState {
  shardNs: bigint;
  /** measurement → field → what is known. */
  fields: Map<string, Map<string, FieldEntry>>;
}

/** A shard the store must be asked about before the payload can be judged. */
export interface FieldLookup {
  /** Names the shard in {@link FieldTypeCatalog.inspect}'s `skip`. */
  key: string;
  measurement: string;
  field: string;
  shard: number;
  start: bigint;
  end: bigint;
  types: FieldType[];
}

/** A type an accepted payload fixes in a shard. */
export interface FieldAddition {
  measurement: string;
  field: string;
  shard: number;
  bit: number;
}

/** The verdict on one payload's fields. */
export interface FieldInspection {
  conflicts: ErrorDetail[];
  lookups: FieldLookup[];
  /** Entries the payload adds when accepted. */
  additions: FieldAddition[];
  /** Shards whose known type made a conflict: the store may have lost that data since (a DROP). */
  suspects: FieldLookup[];
}

/** Where in the payload a point's field or tag is, for the error's JSON Pointer. */
export type PathOf = (point: number, part: 'fields' | 'tags', name: string) => string;

const iso = (ns: bigint): string => {
  const ms = Number(ns / 1_000_000n);
  return ms >= -8.64e15 && ms <= 8.64e15 ? new Date(ms).toISOString() : `${ns} ns`;
};

/** The known field types of every database, per measurement, field and shard; bounded (MAX_SHARD_ENTRIES). */
export class FieldTypeCatalog {
  readonly #dbs = new Map<string, DbState>();
  readonly #maxEntries: number;
  #size = 0;

  constructor(maxEntries = MAX_SHARD_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** Shard entries held, for tests and the bound. */
  get size(): number {
    return this.#size;
  }

  has(db: string): boolean {
    return this.#dbs.has(db);
  }

  /**
   * Sets a database's shard length (kept, or 7 days for a new one, when undefined) and adds what the
   * store reports to its summaries. True when the shard length changed: the database's entries are gone.
   */
  seed(db: string, shardNs: bigint | undefined, summary: FieldTypeSummary | undefined): boolean {
    let state = this.#dbs.get(db);
    let changed = false;
    if (!state) this.#dbs.set(db, (state = { shardNs: shardNs ?? SHARD_NS, fields: new Map() }));
    else if (shardNs !== undefined && state.shardNs !== shardNs) {
      // Every shard number of the database depends on it.
      state.shardNs = shardNs;
      for (const fields of state.fields.values()) {
        for (const e of fields.values()) {
          this.#size -= e.shards.size;
          e.shards.clear();
        }
      }
      changed = true;
    }
    for (const [m, fields] of summary ?? []) {
      for (const [f, types] of fields) this.#entry(state, m, f).summary |= types.reduce((a, t) => a | BIT[t], 0);
    }
    return changed;
  }

  #entry(state: DbState, measurement: string, field: string): FieldEntry {
    let fields = state.fields.get(measurement);
    if (!fields) {
      fields = new Map();
      state.fields.set(measurement, fields);
    }
    let e = fields.get(field);
    if (!e) fields.set(field, (e = { summary: 0, shards: new Map() }));
    return e;
  }

  #shard(state: DbState, time: bigint): number {
    const t = time + GO_ZERO_TO_EPOCH_NS;
    // Floor division; accepted times (1677..2262) are all after Go's zero time.
    return Number(t >= 0n ? t / state.shardNs : -((-t + state.shardNs - 1n) / state.shardNs));
  }

  /** The points' fields against what is known; `skip` holds shards the store could not be asked about. */
  inspect(db: string, points: Point[], pathOf: PathOf, skip: ReadonlySet<string> = new Set()): FieldInspection {
    const state = this.#dbs.get(db);
    const out: FieldInspection = { conflicts: [], lookups: [], additions: [], suspects: [] };
    if (!state) return out;
    const startOf = (shard: number): bigint => BigInt(shard) * state.shardNs - GO_ZERO_TO_EPOCH_NS;
    const when = (shard: number): string => `in the shard from ${iso(startOf(shard))} to ${iso(startOf(shard) + state.shardNs)}`;
    const conflict = (detail: ErrorDetail): void => {
      if (out.conflicts.length < 100) out.conflicts.push(detail);
    };
    // First the payload on its own, per measurement and shard (most payloads have one of each):
    // field → [type bit, first point]; the first point fixes the type, as in one InfluxDB write.
    type Group = { measurement: string; shard: number; fields: Map<string, [number, number]> };
    const groups = new Map<string, Group>();
    let lastTime: bigint | undefined;
    let shard = 0;
    let lastMeasurement: string | undefined;
    let group: Group | undefined;
    points.forEach((p, i) => {
      if (p.time !== lastTime) {
        const s = this.#shard(state, p.time);
        if (s !== shard) group = undefined;
        lastTime = p.time;
        shard = s;
      }
      if (p.measurement !== lastMeasurement || group === undefined) {
        lastMeasurement = p.measurement;
        const g = `${p.measurement}\u0000${shard}`;
        group = groups.get(g);
        if (!group) groups.set(g, (group = { measurement: p.measurement, shard, fields: new Map() }));
      }
      for (const [f, v] of p.fields) {
        const bit = BIT[v.kind];
        const mine = group.fields.get(f);
        if (!mine) group.fields.set(f, [bit, i]);
        else if (mine[0] !== bit) {
          conflict({
            path: pathOf(i, 'fields', f),
            message: `field "${f}" of measurement "${p.measurement}" is stored as ${typeOfBit(mine[0])} by ${pathOf(mine[1], 'fields', f)} of this payload ${when(shard)}; this point sends ${v.kind}`,
          });
        }
      }
    });
    // Then each field of each shard once against the store, the journal and accepted payloads.
    for (const g of groups.values()) {
      const known = state.fields.get(g.measurement);
      for (const [f, [bit, i]] of g.fields) {
        const e = known?.get(f);
        const exact = e?.shards.get(g.shard);
        if (exact === bit) continue;
        if (exact !== undefined && exact !== ABSENT) {
          conflict({
            path: pathOf(i, 'fields', f),
            message: `field "${f}" of measurement "${g.measurement}" is stored as ${typeOfBit(exact)} in database "${db}" ${when(g.shard)}; this payload sends ${typeOfBit(bit)}`,
          });
          const start = startOf(g.shard);
          const key = `${g.measurement}\u0000${f}\u0000${g.shard}`;
          out.suspects.push({ key, measurement: g.measurement, field: f, shard: g.shard, start, end: start + state.shardNs, types: [typeOfBit(exact)] });
          continue;
        }
        // The store has the field with another type somewhere: ask about this shard.
        if (exact === undefined && e !== undefined && (e.summary & ~bit) !== 0) {
          const key = `${g.measurement}\u0000${f}\u0000${g.shard}`;
          if (!skip.has(key)) {
            const start = startOf(g.shard);
            out.lookups.push({ key, measurement: g.measurement, field: f, shard: g.shard, start, end: start + state.shardNs, types: typesOf(e.summary) });
            continue;
          }
        }
        out.additions.push({ measurement: g.measurement, field: f, shard: g.shard, bit });
      }
    }
    return out;
  }

  /** The shard number of a time in a database (for the journal's points). */
  shardOf(db: string, time: bigint): number | undefined {
    const state = this.#dbs.get(db);
    return state ? this.#shard(state, time) : undefined;
  }

  /** Records what the store said about one shard (undefined: no such field there). */
  learn(db: string, lookup: FieldLookup, type: FieldType | undefined): void {
    const state = this.#dbs.get(db);
    if (state) this.#set(this.#entry(state, lookup.measurement, lookup.field), lookup.shard, type === undefined ? ABSENT : BIT[type]);
  }

  /** Records an accepted payload's entries; returns those it created, for {@link forget}. */
  record(db: string, additions: FieldAddition[]): FieldAddition[] {
    const state = this.#dbs.get(db);
    if (!state) return [];
    const created: FieldAddition[] = [];
    for (const a of additions) {
      const e = this.#entry(state, a.measurement, a.field);
      if (e.shards.get(a.shard) === a.bit) continue;
      this.#set(e, a.shard, a.bit);
      created.push(a);
    }
    this.#bound();
    return created;
  }

  /** Drops entries (an accepted payload that was not journaled after all). */
  forget(db: string, created: FieldAddition[]): void {
    const fields = this.#dbs.get(db)?.fields;
    for (const a of created) {
      const shards = fields?.get(a.measurement)?.get(a.field)?.shards;
      if (shards?.get(a.shard) === a.bit && shards.delete(a.shard)) this.#size--;
    }
  }

  /**
   * After the store refused points: the store holds `stored` for the field in some shard, and the
   * entries those points made may be wrong. Drop them and note the types, so the next payload of
   * another type in those shards makes the broker ask the store.
   */
  correct(db: string, points: Point[], stored?: { measurement: string; field: string; type: FieldType }): void {
    const state = this.#dbs.get(db);
    if (!state) return;
    if (stored) this.#entry(state, stored.measurement, stored.field).summary |= BIT[stored.type];
    for (const p of points) {
      const shard = this.#shard(state, p.time);
      for (const [f, v] of p.fields) {
        const e = state.fields.get(p.measurement)?.get(f);
        const known = e?.shards.get(shard);
        if (e === undefined || known === undefined) continue;
        e.shards.delete(shard);
        this.#size--;
        e.summary |= known | BIT[v.kind];
      }
    }
  }

  #set(e: FieldEntry, shard: number, bit: number): void {
    if (!e.shards.has(shard)) this.#size++;
    e.shards.set(shard, bit);
  }

  /** Keeps the entries under the cap: the oldest of the fields seen first go, folded into their summaries. */
  #bound(): void {
    if (this.#size <= this.#maxEntries) return;
    const target = Math.floor(this.#maxEntries * 0.9);
    for (const state of this.#dbs.values()) {
      for (const fields of state.fields.values()) {
        for (const e of fields.values()) {
          // Oldest entries first: a Map iterates in insertion order.
          for (const [shard, bit] of e.shards) {
            e.summary |= bit;
            e.shards.delete(shard);
            if (--this.#size <= target) return;
          }
        }
      }
    }
  }
}
