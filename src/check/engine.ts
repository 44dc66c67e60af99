// Runs a check: head against baseline candidates, metric by metric, then budgets, waivers, verdict and order.
import type { MetricDefinition } from '../metrics/registry.js';
import { type Budgets, NO_BUDGETS, decide } from './budgets.js';
import type { CheckSource } from './check-source.js';
import { compareCount, compareInfo } from './compare-counts.js';
import { HISTORY_LIMITS, compareHistory } from './compare-history.js';
import { compareSet } from './compare-set.js';
import { compareSize } from './compare-sizes.js';
import type { HeadMetric } from './head.js';
import { type Judgement, deltaOf, percentOf } from './judgement.js';
import type { CheckResult, CheckRow } from './result.js';
import { type CheckPoint, type Observation, newest, observe } from './series.js';
import { countRows, sortRows, verdictOf } from './verdict.js';
import { type Waiver, applyWaivers } from './waivers.js';

export interface CheckRequest {
  head: readonly HeadMetric[];
  /** Baseline candidate revisions, newest first. */
  candidates: readonly string[];
  budgets?: Budgets | undefined;
  waivers?: readonly Waiver[] | undefined;
  /** The answer's created_at (default: now). */
  now?: Date | undefined;
}

/** The stored side of one metric: observations per candidate, in candidate order. */
interface Baseline {
  revisions: (string | null)[];
  observations: Map<string, Observation>[];
  /** The point groups each candidate holds. */
  groups: Set<string>[];
}

function baseline(revisions: (string | null)[], observations: Map<string, Observation>[]): Baseline {
  return { revisions, observations, groups: observations.map((m) => new Set([...m.values()].map((o) => o.group))) };
}

/** Index of the first candidate holding the series, or -1. */
function firstHolding(b: Baseline, key: string): number {
  return b.observations.findIndex((o) => o.has(key));
}

function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

async function loadBaseline(metric: MetricDefinition, head: readonly CheckPoint[], candidates: readonly string[], source: CheckSource): Promise<Baseline> {
  const gate = metric.gate;
  const measurements = gate.measurement !== undefined ? [gate.measurement] : unique(head.map((p) => p.measurement));
  const tag = gate.revisionTag;
  if (tag === undefined) {
    const before = head.reduce((min, p) => (p.time < min ? p.time : min), head[0]?.time ?? 0n);
    // The head's own snapshot, stored already (pushed before this check), is not its baseline.
    const snapshot = gate.snapshotTag;
    const own = new Set(snapshot === undefined ? [] : head.map((p) => p.tags[snapshot]).filter((v): v is string => v !== undefined));
    const points = await source.snapshotBefore(metric, before, measurements, own);
    return baseline([null], [observe(gate, points)]);
  }
  // A head revision already stored is not its own baseline.
  const own = new Set(head.map((p) => p.tags[tag]));
  const revisions = candidates.filter((c) => !own.has(c));
  const points = await source.pointsAt(metric, revisions, measurements);
  const byRevision = new Map<string, CheckPoint[]>();
  for (const p of points) {
    const r = p.tags[tag];
    if (r === undefined) continue;
    let list = byRevision.get(r);
    if (!list) byRevision.set(r, (list = []));
    list.push(p);
  }
  const cache = new Map<string, Record<string, string>>();
  return baseline(revisions, revisions.map((r) => observe(gate, byRevision.get(r) ?? [], cache)));
}

/** One judged series as a row, outcome decided by budgets (or the builtin table). */
function toRow(metric: MetricDefinition, series: Record<string, string>, j: Judgement, revision: string | null, budgets: Budgets): CheckRow {
  const d = decide(budgets, metric.name, series, j);
  return {
    metric: metric.name,
    series,
    base: j.base,
    head: j.head,
    delta: deltaOf(j.base, j.head),
    delta_percent: percentOf(j.base, j.head),
    outcome: d.outcome,
    rule: d.rule,
    baseline_revision: j.base === null ? null : revision,
  };
}

/** Rows of kinds with one value per series: sizes, counts, info. */
function valueRows(metric: MetricDefinition, head: Map<string, Observation>, b: Baseline, budgets: Budgets): CheckRow[] {
  const gate = metric.gate;
  const judge = (o: Observation, base: number | null, h: number | null): Judgement => {
    const field = o.series['field'];
    if (gate.kind === 'sizes') return compareSize(base, h, o.total === true);
    if (gate.kind === 'counts') return compareCount(gate, field, base, h);
    return compareInfo(base, h);
  };
  const rows: CheckRow[] = [];
  // The point group's baseline: the first candidate holding any of its series (for removed ones).
  const groupAt = new Map<string, number>();
  for (const o of head.values()) {
    if (!groupAt.has(o.group)) groupAt.set(o.group, b.groups.findIndex((g) => g.has(o.group)));
  }
  for (const o of head.values()) {
    // Counted values compare whole snapshots: a value missing from the baseline counted 0 there.
    const at = gate.countBy !== undefined ? (groupAt.get(o.group) ?? -1) : firstHolding(b, o.key);
    const base = at < 0 ? null : (newest(b.observations[at]?.get(o.key)) ?? 0);
    rows.push(toRow(metric, o.series, judge(o, base, newest(o)), b.revisions[at] ?? null, budgets));
  }
  for (const [group, at] of groupAt) {
    if (at < 0) continue;
    for (const o of (b.observations[at] as Map<string, Observation>).values()) {
      if (o.group !== group || head.has(o.key)) continue;
      const h = gate.countBy !== undefined ? 0 : null;
      rows.push(toRow(metric, o.series, judge(o, newest(o), h), b.revisions[at] ?? null, budgets));
    }
  }
  return rows;
}

/** Rows of the set kind: every function of head and of the one baseline revision. */
function setRows(metric: MetricDefinition, head: Map<string, Observation>, b: Baseline, budgets: Budgets): CheckRow[] {
  const at = b.observations.findIndex((m) => m.size > 0);
  const base = at < 0 ? new Map<string, Observation>() : (b.observations[at] as Map<string, Observation>);
  const revision = b.revisions[at] ?? null;
  const rows: CheckRow[] = [];
  for (const o of head.values()) {
    const j = compareSet(base.get(o.key), o, at >= 0);
    rows.push({ ...toRow(metric, o.series, j, revision, budgets), baseline_revision: at >= 0 ? revision : null });
  }
  for (const o of base.values()) if (!head.has(o.key)) rows.push(toRow(metric, o.series, compareSet(o, undefined, true), revision, budgets));
  return rows;
}

/** Rows of the history kind: head's samples against those of the newest revisions holding each series. */
function historyRows(metric: MetricDefinition, head: Map<string, Observation>, b: Baseline, budgets: Budgets): CheckRow[] {
  const history = (key: string): { samples: number[]; revision: string | null } => {
    const samples: number[] = [];
    let revision: string | null = null;
    let used = 0;
    for (let i = 0; i < b.observations.length && used < HISTORY_LIMITS.maxRevisions; i++) {
      const o = b.observations[i]?.get(key);
      if (!o) continue;
      if (used === 0) revision = b.revisions[i] ?? null;
      used++;
      for (const s of o.samples) samples.push(s.value);
    }
    return { samples, revision };
  };
  const rows: CheckRow[] = [];
  const groups = new Set<string>();
  for (const o of head.values()) {
    groups.add(o.group);
    const { samples, revision } = history(o.key);
    rows.push(toRow(metric, o.series, compareHistory(samples, o.samples.map((s) => s.value)), revision, budgets));
  }
  const at = b.groups.findIndex((g) => [...groups].some((x) => g.has(x)));
  for (const o of at < 0 ? [] : (b.observations[at] as Map<string, Observation>).values()) {
    if (!groups.has(o.group) || head.has(o.key)) continue;
    const { samples, revision } = history(o.key);
    rows.push(toRow(metric, o.series, compareHistory(samples, []), revision, budgets));
  }
  return rows;
}

async function checkMetric(h: HeadMetric, candidates: readonly string[], source: CheckSource, budgets: Budgets): Promise<CheckRow[]> {
  const gate = h.metric.gate;
  if (gate.kind === 'none' || h.points.length === 0) return [];
  const head = observe(gate, h.points);
  const stored = await loadBaseline(h.metric, h.points, candidates, source);
  if (gate.kind === 'set') return setRows(h.metric, head, stored, budgets);
  if (gate.kind === 'history') return historyRows(h.metric, head, stored, budgets);
  return valueRows(h.metric, head, stored, budgets);
}

/**
 * Compares the head with its baseline: per series the first candidate that holds it (history: the
 * newest revisions that hold it), each row judged by the builtin table and the budgets, fail rows
 * that a waiver covers turned into waived. The answer has the shape of POST /api/v1/checks, with
 * `id` null (the caller records it).
 */
export async function runCheck(request: CheckRequest, source: CheckSource): Promise<CheckResult> {
  const budgets = request.budgets ?? NO_BUDGETS;
  const perMetric = await Promise.all(request.head.map((h) => checkMetric(h, request.candidates, source, budgets)));
  const rows = perMetric.flat();
  const waivers = applyWaivers(rows, request.waivers ?? []);
  sortRows(rows);
  const headRevisions = unique(
    request.head.flatMap((h) => {
      const tag = h.metric.gate.revisionTag;
      return tag === undefined ? [] : h.points.map((p) => p.tags[tag]).filter((r): r is string => r !== undefined);
    }),
  );
  const used = new Set(rows.map((r) => r.baseline_revision).filter((r): r is string => r !== null));
  const ordered = unique(request.candidates).filter((c) => used.has(c));
  const notHead = request.candidates.filter((c) => !headRevisions.includes(c));
  const first = ordered[0];
  // no-baseline means no candidate holds any series of the head: snapshot baselines (defects) do
  // not count when the head has metrics with a revision tag.
  const revisioned = request.head.some((h) => h.metric.gate.revisionTag !== undefined && h.metric.gate.kind !== 'none' && h.points.length > 0);
  const found = revisioned ? rows.some((r) => r.baseline_revision !== null) : rows.some((r) => r.outcome !== 'new');
  return {
    id: null,
    verdict: verdictOf(rows, found),
    counts: countRows(rows),
    head: { revisions: headRevisions },
    baseline: { revisions: ordered, candidates_skipped: first === undefined ? 0 : Math.max(0, notHead.indexOf(first)) },
    rows,
    waivers,
    created_at: (request.now ?? new Date()).toISOString(),
  };
}
