// Where a check reads stored points: one interface, implemented once over the read side (InfluxDB or embedded).
import { NotFoundError } from '../errors.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../ingest/time.js';
import type { MetricDefinition } from '../metrics/registry.js';
import type { ReadStore, RowsQuery, TagFilter } from '../read/read-store.js';
import { type CheckPoint, fromRow } from './series.js';

/** Stored points a check compares with. */
export interface CheckSource {
  /** The measurements holding this metric's points: the one its gate names, else every measurement of its database. */
  measurements(metric: MetricDefinition): Promise<string[]>;
  /**
   * Points of `metric` whose revision tag is one of `revisions`, in these measurements: one query
   * for all revisions and measurements together (one per measurement for a metric without
   * `seriesTags`, whose every tag is read).
   */
  pointsAt(metric: MetricDefinition, revisions: readonly string[], measurements: readonly string[]): Promise<CheckPoint[]>;
  /**
   * For metrics without a revision tag: the newest snapshot strictly before `beforeNs` per
   * measurement: the points sharing the newest point's `snapshotTag` value, or without one, the
   * points of the second up to the newest point. A snapshot whose tag value is in `exclude` (the
   * head's own, stored already) is passed over for the one before it.
   */
  snapshotBefore(metric: MetricDefinition, beforeNs: bigint, measurements: readonly string[], exclude?: ReadonlySet<string>): Promise<CheckPoint[]>;
  /**
   * Every stored point of `metric` in these measurements that matches `where`, at any revision (a
   * series' history); `extraTags` are read besides the ones a check needs (a commit's title).
   */
  pointsWhere(metric: MetricDefinition, measurements: readonly string[], where: Readonly<Record<string, string[]>>, extraTags?: readonly string[]): Promise<CheckPoint[]>;
  /**
   * The revision of the newest point of `measurement` strictly before `beforeNs` that matches
   * `where` and whose revision is not in `exclude`; undefined when there is none (or the metric has
   * no revision tag).
   */
  revisionBefore(metric: MetricDefinition, measurement: string, beforeNs: bigint, where: TagFilter, exclude: ReadonlySet<string>): Promise<{ revision: string; time: bigint } | undefined>;
}

/** Without a snapshot tag, points this close before the newest one belong to its snapshot (one payload's stamps are consecutive nanoseconds). */
export const SNAPSHOT_WINDOW_NS = 1_000_000_000n;

/** How many excluded snapshots or revisions (the head's own, pushed again) are stepped over before giving up. */
const MAX_STEPS_BACK = 5;

/** The tags a check needs of a metric's points: series identity, revision, snapshot, key fields that are tags. */
function tagsRead(metric: MetricDefinition, extra: readonly string[] = []): string[] {
  const g = metric.gate;
  const tags = [...(g.seriesTags ?? []), ...g.keyFields, g.revisionTag, g.snapshotTag, g.countBy, ...extra].filter((t): t is string => t !== undefined && t !== 'measurement');
  return [...new Set(tags)];
}

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

  /** Points of some measurements: with the series tags known, only they are read, in one query. */
  async #read(metric: MetricDefinition, measurements: readonly string[], query: Omit<RowsQuery, 'measurement' | 'order' | 'limit'>, extraTags?: readonly string[]): Promise<CheckPoint[]> {
    if (measurements.length === 0) return [];
    if (metric.gate.seriesTags !== undefined) {
      const rows = await orEmpty(this.#store.pointRows(metric.database, { ...query, measurements: [...measurements], tags: tagsRead(metric, extraTags) }));
      return rows.map((r) => fromRow(r.measurement, r));
    }
    const parts = await Promise.all(measurements.map((m) => this.#rows(metric, { ...query, measurement: m, order: 'asc' })));
    return parts.flat();
  }

  async #rows(metric: MetricDefinition, query: RowsQuery): Promise<CheckPoint[]> {
    const rows = await orEmpty(this.#store.rowsAnswer(metric.database, query).then((a) => a.rows));
    return rows.map((r) => fromRow(query.measurement, r));
  }

  async pointsAt(metric: MetricDefinition, revisions: readonly string[], measurements: readonly string[]): Promise<CheckPoint[]> {
    const tag = metric.gate.revisionTag;
    const wanted = [...new Set(revisions)].filter((r) => r !== '');
    if (tag === undefined || wanted.length === 0) return [];
    return this.#read(metric, measurements, { from: MIN_TIME_NS, to: MAX_TIME_NS, where: { [tag]: wanted } });
  }

  async pointsWhere(metric: MetricDefinition, measurements: readonly string[], where: Readonly<Record<string, string[]>>, extraTags: readonly string[] = []): Promise<CheckPoint[]> {
    return this.#read(metric, measurements, { from: MIN_TIME_NS, to: MAX_TIME_NS, where: { ...where } }, extraTags);
  }

  async snapshotBefore(metric: MetricDefinition, beforeNs: bigint, measurements: readonly string[], exclude: ReadonlySet<string> = new Set()): Promise<CheckPoint[]> {
    const tag = metric.gate.snapshotTag;
    const parts = await Promise.all(
      measurements.map(async (measurement) => {
        let to = beforeNs;
        for (let step = 0; step <= MAX_STEPS_BACK; step++) {
          const [latest] = await this.#rows(metric, { measurement, from: MIN_TIME_NS, to, where: {}, order: 'desc', limit: 1 });
          if (!latest) return [];
          const value = tag === undefined ? undefined : latest.tags[tag];
          if (tag === undefined || value === undefined) {
            return this.#read(metric, [measurement], { from: latest.time - SNAPSHOT_WINDOW_NS + 1n, to: latest.time + 1n, where: {} });
          }
          if (!exclude.has(value)) return this.#read(metric, [measurement], { from: MIN_TIME_NS, to: beforeNs, where: { [tag]: [value] } });
          // The head's own snapshot: continue before its first point.
          const [first] = await this.#rows(metric, { measurement, from: MIN_TIME_NS, to, where: { [tag]: [value] }, order: 'asc', limit: 1 });
          to = first?.time ?? latest.time;
        }
        return [];
      }),
    );
    return parts.flat();
  }

  async revisionBefore(
    metric: MetricDefinition,
    measurement: string,
    beforeNs: bigint,
    where: TagFilter,
    exclude: ReadonlySet<string>,
  ): Promise<{ revision: string; time: bigint } | undefined> {
    const tag = metric.gate.revisionTag;
    if (tag === undefined) return undefined;
    let to = beforeNs;
    for (let step = 0; step <= MAX_STEPS_BACK; step++) {
      const [latest] = await this.#rows(metric, { measurement, from: MIN_TIME_NS, to, where, order: 'desc', limit: 1 });
      if (!latest) return undefined;
      const revision = latest.tags[tag];
      if (revision !== undefined && revision !== '' && !exclude.has(revision)) return { revision, time: latest.time };
      // The head's own revision stored already: look before it (`to` is exclusive).
      to = latest.time;
    }
    return undefined;
  }
}
