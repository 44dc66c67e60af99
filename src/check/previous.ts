// The baseline `{"previous": true}`: for each measurement of the head, the newest revision the store holds from before it.
import type { TagFilter } from '../read/read-store.js';
import type { CheckSource } from './check-source.js';
import type { HeadMetric } from './head.js';
import type { CheckPoint } from './series.js';

/** A series tag with more distinct values in the head than this (function locations) does not narrow the search. */
const MAX_FILTER_VALUES = 20;

/** The head's values of its series tags, as a filter: a build mode pushed alone finds its own previous revision. */
function seriesFilter(seriesTags: readonly string[] | undefined, points: readonly CheckPoint[]): TagFilter {
  const where: TagFilter = {};
  for (const key of seriesTags ?? []) {
    if (key === 'measurement') continue;
    const values = [...new Set(points.map((p) => p.tags[key] ?? ''))].sort();
    if (values.length <= MAX_FILTER_VALUES) where[key] = values;
  }
  return where;
}

/**
 * The candidates that compare the head with what came just before it: per metric with a revision
 * tag and per measurement, the revision of the newest stored point older than the head's first
 * point there (the head's own revisions, pushed already, passed over), newest first. Metrics
 * without a revision tag need none: their baseline is the snapshot before the head.
 */
export async function previousRevisions(head: readonly HeadMetric[], source: CheckSource): Promise<string[]> {
  const lookups: Promise<{ revision: string; time: bigint } | undefined>[] = [];
  for (const { metric, points } of head) {
    const tag = metric.gate.revisionTag;
    if (tag === undefined || metric.gate.kind === 'none') continue;
    const own = new Set(points.map((p) => p.tags[tag]).filter((r): r is string => r !== undefined));
    const byMeasurement = new Map<string, CheckPoint[]>();
    for (const p of points) {
      const list = byMeasurement.get(p.measurement);
      if (list) list.push(p);
      else byMeasurement.set(p.measurement, [p]);
    }
    for (const [measurement, list] of byMeasurement) {
      const before = list.reduce((min, p) => (p.time < min ? p.time : min), (list[0] as CheckPoint).time);
      lookups.push(source.revisionBefore(metric, measurement, before, seriesFilter(metric.gate.seriesTags, list), own));
    }
  }
  const found = (await Promise.all(lookups)).filter((f): f is { revision: string; time: bigint } => f !== undefined);
  found.sort((a, b) => (a.time === b.time ? 0 : a.time > b.time ? -1 : 1));
  return [...new Set(found.map((f) => f.revision))];
}
