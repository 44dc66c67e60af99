// The check's text for a terminal: one verdict line, then a table of the rows that are not pass.
import type { CheckResult, CheckRow, Counts } from './result.js';
import { seriesPath } from './series.js';

/** A commit hash shortened as git does (7 characters); other revision names as they are. */
export function shortRevision(rev: string): string {
  return /^[0-9a-f]{8,64}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "1 regression, 2 warnings, 1 improvement, 40 unchanged"; other outcomes appear when present. */
export function countsText(c: Counts): string {
  const parts = [plural(c.fail, 'regression', 'regressions'), plural(c.warn, 'warning', 'warnings')];
  if (c.waived > 0) parts.push(`${c.waived} waived`);
  parts.push(plural(c.improved, 'improvement', 'improvements'));
  if (c.new > 0) parts.push(`${c.new} new`);
  if (c.removed > 0) parts.push(`${c.removed} removed`);
  if (c['insufficient-history'] > 0) parts.push(`${c['insufficient-history']} without enough history`);
  if (c.info > 0) parts.push(`${c.info} info`);
  parts.push(`${c.pass} unchanged`);
  return parts.join(', ');
}

/** "baseline a1b2c3d (2 commits behind)", and any further revisions used. */
export function baselineText(r: CheckResult): string {
  const [first, ...more] = r.baseline.revisions;
  if (first === undefined) return r.verdict === 'no-baseline' ? 'no baseline: no candidate revision holds any series of the head' : 'baseline: the newest stored snapshot';
  const n = r.baseline.candidates_skipped;
  const behind = n > 0 ? ` (${plural(n, 'commit', 'commits')} behind)` : '';
  const also = more.length > 0 ? `, also ${more.map(shortRevision).join(', ')}` : '';
  return `baseline ${shortRevision(first)}${behind}${also}`;
}

/** The first line: `qmb check: FAIL: 1 regression, ...; baseline a1b2c3d (2 commits behind)`. */
export function verdictLine(r: CheckResult): string {
  return `qmb check: ${r.verdict.toUpperCase()}: ${countsText(r.counts)}; ${baselineText(r)}`;
}

/** A number as the tables show it: integers plain, others with at most two decimals. */
export function formatNumber(v: number | null, signed = false): string {
  if (v === null) return '-';
  const text = Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
  return signed && v > 0 ? `+${text}` : text;
}

/** The cells of one row: metric, series, base, head, Δ, Δ %, outcome, rule. */
export function rowCells(r: CheckRow): string[] {
  const rule = r.waiver !== undefined ? `${r.rule}; waived: ${r.waiver}` : r.rule;
  return [
    r.metric,
    seriesPath(r.series),
    formatNumber(r.base),
    formatNumber(r.head),
    formatNumber(r.delta, true),
    r.delta_percent === null ? '-' : `${formatNumber(r.delta_percent, true)} %`,
    r.outcome,
    rule,
  ];
}

export const COLUMNS = ['metric', 'series', 'base', 'head', 'Δ', 'Δ %', 'outcome', 'rule'];
const NUMERIC = new Set([2, 3, 4, 5]);

/** Lines of an aligned plain-text table (numbers right-aligned). */
export function textTable(rows: readonly CheckRow[]): string[] {
  const cells = [COLUMNS, ...rows.map(rowCells)];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => [...(c[i] as string)].length)));
  return cells.map((c) =>
    c
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] as number) - [...cell].length);
        return NUMERIC.has(i) ? pad + cell : i === c.length - 1 ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** What `qmb check` prints: the verdict line, the table of rows that are not pass, and the link to the recorded check. */
export function renderText(r: CheckResult, options: { link?: string | undefined } = {}): string {
  const lines = [verdictLine(r)];
  const shown = r.rows.filter((row) => row.outcome !== 'pass');
  if (shown.length > 0) lines.push('', ...textTable(shown));
  const unused = r.waivers.filter((w) => !w.used);
  if (unused.length > 0) lines.push('', ...unused.map((w) => `unused waiver: ${w.text}`));
  if (options.link) lines.push('', options.link);
  return `${lines.join('\n')}\n`;
}
