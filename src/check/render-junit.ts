// The check as JUnit XML: one testsuite per metric, one testcase per row, failures and skips as CI systems read them.
import type { CheckResult, CheckRow } from './result.js';
import { formatNumber } from './render-text.js';
import { seriesPath } from './series.js';

// Characters XML 1.0 cannot carry at all, even escaped.
const INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content: markup characters escaped, characters XML cannot hold replaced by U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(INVALID, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; tabs and line breaks kept as character references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

/** "155033 -> 157321 (+2288, +1.48 %)" */
function change(r: CheckRow): string {
  const pct = r.delta_percent === null ? '' : `, ${formatNumber(r.delta_percent, true)} %`;
  const delta = r.delta === null ? '' : ` (${formatNumber(r.delta, true)}${pct})`;
  const base = r.baseline_revision === null ? '' : ` against ${r.baseline_revision}`;
  return `${formatNumber(r.base)} -> ${formatNumber(r.head)}${delta}${base}`;
}

function testcase(r: CheckRow): string {
  const open = `    <testcase classname="${xmlAttr(r.metric)}" name="${xmlAttr(seriesPath(r.series))}" time="0"`;
  const detail = `${r.outcome}: ${r.rule}: ${change(r)}`;
  switch (r.outcome) {
    case 'fail':
      return `${open}>\n      <failure message="${xmlAttr(`${r.rule}: ${change(r)}`)}" type="regression">${xmlText(detail)}</failure>\n    </testcase>\n`;
    case 'new':
    case 'insufficient-history':
      return `${open}>\n      <skipped message="${xmlAttr(`${r.outcome}: ${r.rule}`)}"/>\n    </testcase>\n`;
    case 'warn':
    case 'waived':
    case 'improved':
    case 'info':
    case 'removed': {
      const text = r.waiver !== undefined ? `${detail}; waived: ${r.waiver}` : detail;
      return `${open}>\n      <system-out>${xmlText(text)}</system-out>\n    </testcase>\n`;
    }
    default:
      return `${open}/>\n`;
  }
}

/** JUnit XML of a check (`classname` = metric, `name` = the series joined with '/'). */
export function renderJUnit(r: CheckResult): string {
  const byMetric = new Map<string, CheckRow[]>();
  for (const row of r.rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  const count = (rows: CheckRow[], ...o: CheckRow['outcome'][]): number => rows.filter((x) => o.includes(x.outcome)).length;
  let suites = '';
  for (const metric of [...byMetric.keys()].sort()) {
    const rows = byMetric.get(metric) as CheckRow[];
    suites +=
      `  <testsuite name="${xmlAttr(metric)}" tests="${rows.length}" failures="${count(rows, 'fail')}" errors="0" skipped="${count(rows, 'new', 'insufficient-history')}" time="0">\n` +
      rows.map(testcase).join('') +
      '  </testsuite>\n';
  }
  const all = r.rows;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="qmb check" tests="${all.length}" failures="${count(all, 'fail')}" errors="0" skipped="${count(all, 'new', 'insufficient-history')}" time="0">\n` +
    suites +
    '</testsuites>\n'
  );
}
