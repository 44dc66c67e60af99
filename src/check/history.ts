// A series' stored history revision by revision, found by the same identity rule a check compares with.
import type { MetricDefinition } from '../metrics/registry.js';
import type { CheckSource } from './check-source.js';
import { median } from './compare-history.js';
import { type CheckPoint, type Observation, type SeriesCache, newest, observe } from './series.js';

/** The value of a series at one revision (or snapshot, for metrics without a revision tag). */
export interface HistoryPoint {
  /** The revision tag's value; the snapshot tag's value or the time (RFC 3339) without one. */
  revision: string;
  /** The revision's first point, nanoseconds since the epoch as a decimal string. */
  time: string;
  /** The commit title, when the points carry one. */
  title?: string;
  /** The value a check compares: the newest sample; for the history kind the median of the samples. */
  value: number;
  min: number;
  max: number;
  samples: number;
}

export interface SeriesHistory {
  points: HistoryPoint[];
  /** Older revisions were left out to keep `limit`. */
  truncated: boolean;
}

/** Tags read besides the series' own, for the chart's hover text. */
const TITLE_TAGS = ['CommitTitle'];

const sameSeries = (a: Record<string, string>, b: Record<string, string>): boolean => JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));

/** The tag filter that narrows the read to one series: its tags, except those the identity rewrites (Location's line). */
function filterOf(metric: MetricDefinition, series: Record<string, string>): Record<string, string[]> {
  const g = metric.gate;
  const notTags = new Set(['measurement', 'field', ...g.keyFields, ...(g.countBy === undefined ? [] : [g.countBy])]);
  const tags = g.seriesTags ?? Object.keys(series).filter((k) => !notTags.has(k));
  const where: Record<string, string[]> = {};
  for (const t of tags) {
    const v = series[t];
    if (t === 'measurement' || g.strip[t] !== undefined || v === undefined) continue;
    where[t] = [v];
  }
  return where;
}

/** Which group a point belongs to: its revision, else its snapshot, else its time. */
function revisionOf(metric: MetricDefinition, p: CheckPoint): string | undefined {
  const g = metric.gate;
  if (g.revisionTag !== undefined) return p.tags[g.revisionTag];
  if (g.snapshotTag !== undefined && p.tags[g.snapshotTag] !== undefined) return p.tags[g.snapshotTag];
  return new Date(Number(p.time / 1_000_000n)).toISOString();
}

/** The series' observation among one revision's; a counted value missing from a snapshot that holds its group counts 0. */
function find(metric: MetricDefinition, observed: Map<string, Observation>, series: Record<string, string>): { value: number; samples: number[] } | undefined {
  for (const o of observed.values()) {
    if (!sameSeries(o.series, series)) continue;
    const values = o.samples.map((s) => s.value);
    return { value: metric.gate.kind === 'history' ? median(values) : (newest(o) as number), samples: values };
  }
  const by = metric.gate.countBy;
  if (by === undefined) return undefined;
  const { [by]: _value, ...group } = series;
  for (const o of observed.values()) {
    const { [by]: _other, ...g } = o.series;
    if (sameSeries(g, group)) return { value: 0, samples: [0] };
  }
  return undefined;
}

/**
 * The values of one series (a row of a check) at every stored revision, oldest first, at most
 * `limit` of the newest. Points are grouped by revision and turned into series by the metric's gate
 * settings, exactly as a check reads its baseline: image totals derived, complexity locations
 * without their line, runtime samples summarised by their median.
 */
export async function seriesHistory(metric: MetricDefinition, series: Record<string, string>, source: CheckSource, limit: number): Promise<SeriesHistory> {
  const g = metric.gate;
  const measurements =
    g.measurement !== undefined
      ? [g.measurement]
      : series['measurement'] !== undefined && (g.seriesTags === undefined || g.seriesTags.includes('measurement'))
        ? [series['measurement']]
        : await source.measurements(metric);
  const points = await source.pointsWhere(metric, measurements, filterOf(metric, series), TITLE_TAGS);
  const groups = new Map<string, { time: bigint; title: string | undefined; points: CheckPoint[] }>();
  for (const p of points) {
    const revision = revisionOf(metric, p);
    if (revision === undefined) continue;
    const group = groups.get(revision);
    if (!group) groups.set(revision, { time: p.time, title: p.tags['CommitTitle'], points: [p] });
    else {
      group.points.push(p);
      if (p.time < group.time) group.time = p.time;
      group.title ??= p.tags['CommitTitle'];
    }
  }
  const cache: SeriesCache = new Map();
  const out: HistoryPoint[] = [];
  for (const [revision, group] of groups) {
    const found = find(metric, observe(g, group.points, cache), series);
    if (!found) continue;
    const point: HistoryPoint = { revision, time: String(group.time), value: found.value, min: Math.min(...found.samples), max: Math.max(...found.samples), samples: found.samples.length };
    if (group.title !== undefined) point.title = group.title;
    out.push(point);
  }
  // Time order; revisions of the same time by name, so both stores answer alike.
  out.sort((a, b) => (BigInt(a.time) < BigInt(b.time) ? -1 : BigInt(a.time) > BigInt(b.time) ? 1 : a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
  return { points: out.slice(Math.max(0, out.length - limit)), truncated: out.length > limit };
}
