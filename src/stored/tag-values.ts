// Distinct values per (database, measurement, tag key), kept as bounded counts for the max-values-per-tag check.
import type { ErrorDetail } from '../errors.js';
import type { Point } from '../ingest/points.js';
import type { PathOf } from './field-types.js';

// influxd 1.6.7 (inmem index, its default), checked by experiment: max-values-per-tag counts the
// distinct values of a tag key per measurement across the whole database (all shards). A point
// whose value is new is dropped when the count *before the write* is at the limit, so one write
// may take a tag past the limit, and from then on every new value of that tag is dropped:
// `partial write: max-values-per-tag limit exceeded (N/L): measurement="m" tag="k" value="v" dropped=D`.
// The broker refuses, before the 2xx, any payload after which a tag would have more than L values.
//
// Memory: a count per tag key, plus a set of values known to be stored or pending, at most
// MAX_SEEN_PER_KEY per key and MAX_SEEN_TOTAL in all. A value outside the set counts as new, so
// the count is an upper bound; only when it would pass the limit are the store and the journal
// asked for the exact number (see StoreGuard), which happens rarely for tags far from the limit.

/** Values remembered per tag key; keys with fewer values stored are known exactly. */
export const MAX_SEEN_PER_KEY = 10_000;
/** Values remembered over all tag keys. */
export const MAX_SEEN_TOTAL = 200_000;
/**
 * How long a count stays good enough to refuse a payload on (ms); older, the store is asked again
 * first, since series may have been dropped from it meanwhile.
 */
export const RECOUNT_AFTER_MS = 10_000;

/** What is known of one tag key's values. */
export interface TagState {
  /** Values stored or pending: an upper bound; with `lowerOnly`, only those known to the broker. */
  count: number;
  /** Values known to be stored or pending (all of them when `complete`). */
  seen: Set<string>;
  complete: boolean;
  /** The store could not be asked: `count` is what the journal and accepted payloads alone hold. */
  lowerOnly: boolean;
  /** With `lowerOnly`, when to ask the store again (ms). */
  retryAt: number;
  /** The store refused a value of this tag: recount before judging again. */
  stale: boolean;
  /** When the store was last asked (ms). */
  countedAt: number;
}

/** A tag key whose values must be counted in the store and the journal before judging. */
export interface TagRecount {
  /** Names the key in `confirmed`. */
  key: string;
  measurement: string;
  tag: string;
  values: string[];
}

export interface TagAddition {
  state: TagState;
  values: string[];
}

export interface TagInspection {
  refusals: ErrorDetail[];
  recounts: TagRecount[];
  additions: TagAddition[];
}

/** What a recorded payload changed, to undo it. */
export interface TagUndo {
  state: TagState;
  added: number;
  remembered: string[];
}

/** What is known of every tag key's values, per database and measurement; bounded (MAX_SEEN_TOTAL). */
export class TagValueCounts {
  /** database → measurement → tag key → state. */
  readonly #states = new Map<string, Map<string, Map<string, TagState>>>();
  #seenTotal = 0;

  /** Names a tag key of a measurement (in `confirmed`). */
  static key(measurement: string, tag: string): string {
    return `${measurement}\u0000${tag}`;
  }

  /** Values remembered in all, for tests and the bound. */
  get remembered(): number {
    return this.#seenTotal;
  }

  /**
   * The points' tag values against the limit. `confirmed` holds, per key, payload values just found
   * in the store or the journal; with `final`, what is known is judged without asking again.
   */
  inspect(
    db: string,
    points: Point[],
    pathOf: PathOf,
    limit: number,
    now: () => number,
    confirmed: ReadonlyMap<string, ReadonlySet<string>>,
    final: boolean,
  ): TagInspection {
    const out: TagInspection = { refusals: [], recounts: [], additions: [] };
    const byMeasurement = this.#states.get(db);
    // Values already known add nothing, whatever else is known: most payloads stop here.
    // Others: `measurement\0tag` → value → first point carrying it.
    let open: Map<string, { measurement: string; tag: string; values: Map<string, number> }> | undefined;
    let lastMeasurement: string | undefined;
    let known: Map<string, TagState> | undefined;
    points.forEach((p, i) => {
      if (p.measurement !== lastMeasurement) {
        lastMeasurement = p.measurement;
        known = byMeasurement?.get(p.measurement);
      }
      for (const [k, v] of p.tags) {
        if (known?.get(k)?.seen.has(v)) continue;
        const g = TagValueCounts.key(p.measurement, k);
        open ??= new Map();
        let group = open.get(g);
        if (!group) open.set(g, (group = { measurement: p.measurement, tag: k, values: new Map() }));
        if (!group.values.has(v)) group.values.set(v, i);
      }
    });
    for (const [key, { measurement, tag, values }] of open ?? []) {
      const state = byMeasurement?.get(measurement)?.get(tag);
      const conf = confirmed.get(key);
      if (!final && (!state || state.stale || (state.lowerOnly && now() >= state.retryAt))) {
        out.recounts.push({ key, measurement, tag, values: [...values.keys()] });
        continue;
      }
      if (!state) continue;
      const unknown: string[] = [];
      let first = Number.MAX_SAFE_INTEGER;
      for (const [v, i] of values) {
        if (conf?.has(v)) continue;
        unknown.push(v);
        if (i < first) first = i;
      }
      const n = state.count + unknown.length;
      if (n <= limit) {
        if (unknown.length > 0) out.additions.push({ state, values: unknown });
        continue;
      }
      // Over by the upper bound: exact when every value is known (and lately counted) or was just counted.
      const exact = state.lowerOnly || conf !== undefined || (state.complete && now() - state.countedAt < RECOUNT_AFTER_MS);
      if (!final && !exact) {
        out.recounts.push({ key, measurement, tag, values: [...values.keys()] });
        continue;
      }
      out.refusals.push({
        path: pathOf(first, 'tags', tag),
        message:
          `tag "${tag}" of measurement "${measurement}" would have ${state.lowerOnly ? 'at least ' : ''}${n} distinct values in database "${db}" ` +
          `(${unknown.length} new in this payload), over the limit of ${limit} (QMB_MAX_VALUES_PER_TAG, as InfluxDB's max-values-per-tag, ` +
          `which would refuse every new value of it from then on)`,
      });
    }
    return out;
  }

  /** Counts an accepted payload's new values; returns what to undo should it not be journaled. */
  record(additions: TagAddition[]): TagUndo[] {
    return additions.map(({ state, values }) => {
      state.count += values.length;
      const remembered: string[] = [];
      for (const v of values) {
        if (state.seen.has(v)) continue;
        if (!this.#remember(state, v)) break;
        remembered.push(v);
      }
      return { state, added: values.length, remembered };
    });
  }

  undo(undos: TagUndo[]): void {
    for (const { state, added, remembered } of undos) {
      state.count -= added;
      for (const v of remembered) if (state.seen.delete(v)) this.#seenTotal--;
    }
  }

  #remember(state: TagState, value: string): boolean {
    if (state.seen.size >= MAX_SEEN_PER_KEY || this.#seenTotal >= MAX_SEEN_TOTAL) {
      state.complete = false;
      return false;
    }
    state.seen.add(value);
    this.#seenTotal++;
    return true;
  }

  get(db: string, measurement: string, tag: string): TagState | undefined {
    return this.#states.get(db)?.get(measurement)?.get(tag);
  }

  /**
   * Sets what a recount found: `count` values stored or pending, `known` of them by name
   * (`complete` when that is all of them), or with `lowerOnly` only those the broker holds.
   */
  set(
    db: string,
    measurement: string,
    tag: string,
    count: number,
    known: Iterable<string>,
    options: { complete: boolean; lowerOnly: boolean; retryAt?: number; countedAt?: number },
  ): TagState {
    let byMeasurement = this.#states.get(db);
    if (!byMeasurement) {
      byMeasurement = new Map();
      this.#states.set(db, byMeasurement);
    }
    let byTag = byMeasurement.get(measurement);
    if (!byTag) {
      byTag = new Map();
      byMeasurement.set(measurement, byTag);
    }
    const old = byTag.get(tag);
    if (old) {
      this.#seenTotal -= old.seen.size;
      // A payload recorded against the old state and then cancelled must not touch the new one.
      old.seen = new Set();
    }
    const state: TagState = {
      count,
      seen: new Set(),
      complete: options.complete,
      lowerOnly: options.lowerOnly,
      retryAt: options.retryAt ?? 0,
      stale: false,
      countedAt: options.countedAt ?? 0,
    };
    for (const v of known) if (!this.#remember(state, v)) break;
    if (state.seen.size !== count) state.complete = false;
    byTag.set(tag, state);
    return state;
  }

  /** The store refused a value of this tag: count again before the next payload. */
  markStale(db: string, measurement: string, tag: string): void {
    const state = this.get(db, measurement, tag);
    if (state) state.stale = true;
  }
}
