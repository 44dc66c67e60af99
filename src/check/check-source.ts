// Where a check reads stored points: one interface, implemented once over the read side (InfluxDB or embedded).
import { NotFoundError } from '../errors.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../ingest/time.js';
import type { MetricDefinition } from '../metrics/registry.js';
import type { ReadStore, RowsQuery } from '../read/read-store.js';
import { type CheckPoint, fromRow } from './series.js';

/** Stored points a check compares with. */
export interface CheckSource {
  /** The measurements holding this metric's points: the one its gate names, else every measurement of its database. */
  measurements(metric: MetricDefinition): Promise<string[]>;
  /**
   * Points of `metric` whose revision tag is one of `revisions`, in these measurements: one query
   * per measurement for all revisions together.
   */
  pointsAt(metric: MetricDefinition, revisions: readonly string[], measurements: readonly string[]): Promise<CheckPoint[]>;
  /**
   * For metrics without a revision tag: the newest snapshot strictly before `beforeNs` per
   * measurement: the points sharing the newest point's `snapshotTag` value, or without one, the
   * points of the second up to the newest point.
   */
  snapshotBefore(metric: MetricDefinition, beforeNs: bigint, measurements: readonly string[]): Promise<CheckPoint[]>;
}

/** Without a snapshot tag, points this close before the newest one belong to its snapshot (one payload's stamps are consecutive nanoseconds). */
export const SNAPSHOT_WINDOW_NS = 1_000_000_000n;

/** A missing database or measurement holds no points. */
async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
}

/** The read side as a CheckSource; the same code answers on InfluxDB and on the embedded store. */
export class ReadStoreCheckSource implements CheckSource {
  readonly #store: ReadStore;

  constructor(store: ReadStore) {
    this.#store = store;
  }

  async measurements(metric: MetricDefinition): Promise<string[]> {
    if (metric.gate.measurement !== undefined) return [metric.gate.measurement];
    return orEmpty(this.#store.measurements(metric.database));
  }

  async #rows(metric: MetricDefinition, query: RowsQuery): Promise<CheckPoint[]> {
    const answer = await orEmpty(this.#store.rowsAnswer(metric.database, query).then((a) => a.rows));
    return answer.map((r) => fromRow(query.measurement, r));
  }

  async pointsAt(metric: MetricDefinition, revisions: readonly string[], measurements: readonly string[]): Promise<CheckPoint[]> {
    const tag = metric.gate.revisionTag;
    if (tag === undefined || revisions.length === 0 || measurements.length === 0) return [];
    const where = { [tag]: [...new Set(revisions)].filter((r) => r !== '') };
    if ((where[tag] as string[]).length === 0) return [];
    const parts = await Promise.all(
      measurements.map((measurement) => this.#rows(metric, { measurement, from: MIN_TIME_NS, to: MAX_TIME_NS, where, order: 'asc' })),
    );
    return parts.flat();
  }

  async snapshotBefore(metric: MetricDefinition, beforeNs: bigint, measurements: readonly string[]): Promise<CheckPoint[]> {
    const parts = await Promise.all(
      measurements.map(async (measurement) => {
        const base = { measurement, from: MIN_TIME_NS, to: beforeNs, where: {}, order: 'desc' as const };
        const [latest] = await this.#rows(metric, { ...base, limit: 1 });
        if (!latest) return [];
        const tag = metric.gate.snapshotTag;
        const value = tag === undefined ? undefined : latest.tags[tag];
        if (tag !== undefined && value !== undefined) return this.#rows(metric, { ...base, where: { [tag]: [value] } });
        return this.#rows(metric, { ...base, from: latest.time - SNAPSHOT_WINDOW_NS + 1n, to: latest.time + 1n });
      }),
    );
    return parts.flat();
  }
}
