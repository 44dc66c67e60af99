// The verdict of a check, its counts, and the order of its rows.
import { type CheckRow, type Counts, OUTCOMES, type Outcome, type Verdict } from './result.js';
import { seriesPath } from './series.js';

/** Rows per outcome; every outcome is present. */
export function countRows(rows: readonly CheckRow[]): Counts {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Counts;
  for (const r of rows) counts[r.outcome]++;
  return counts;
}

/**
 * fail when a row fails; warn when a row warns or a failure was waived (it passes the job but is
 * still a regression a reviewer should see); no-baseline when nothing was found to compare with
 * (`baselineFound`, by default: some row is not new); else pass. improved, info, new, removed and
 * insufficient-history rows leave the verdict pass: none of them is a regression the gate can prove.
 */
export function verdictOf(rows: readonly CheckRow[], baselineFound = rows.some((r) => r.outcome !== 'new')): Verdict {
  const counts = countRows(rows);
  if (counts.fail > 0) return 'fail';
  if (counts.warn > 0 || counts.waived > 0) return 'warn';
  if (!baselineFound) return 'no-baseline';
  return 'pass';
}

const SEVERITY = new Map<Outcome, number>(OUTCOMES.map((o, i) => [o, i]));

/** Size of a change for sorting: percent first (comparable across metrics), then the absolute delta. */
function magnitude(r: CheckRow): [number, number] {
  return [r.delta_percent === null ? (r.delta === null ? -1 : Infinity) : Math.abs(r.delta_percent), r.delta === null ? -1 : Math.abs(r.delta)];
}

/** Sorts by outcome severity, then by the size of the change (largest first), then by metric and series for a stable order. */
export function sortRows(rows: CheckRow[]): CheckRow[] {
  return rows.sort((a, b) => {
    const s = (SEVERITY.get(a.outcome) ?? 0) - (SEVERITY.get(b.outcome) ?? 0);
    if (s !== 0) return s;
    const [pa, da] = magnitude(a);
    const [pb, db] = magnitude(b);
    if (pa !== pb) return pb - pa;
    if (da !== db) return db - da;
    if (a.metric !== b.metric) return a.metric < b.metric ? -1 : 1;
    const sa = seriesPath(a.series);
    const sb = seriesPath(b.series);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}
