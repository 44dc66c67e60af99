// Unit tests: the check's text, Markdown summary (with its size cap), JUnit XML (parsed by a real XML parser) and Gerrit review.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderGerrit } from '../../src/check/render-gerrit.js';
import { renderJUnit } from '../../src/check/render-junit.js';
import { SUMMARY_MAX_BYTES, renderMarkdown } from '../../src/check/render-markdown.js';
import { renderText, verdictLine } from '../../src/check/render-text.js';
import type { CheckResult, CheckRow } from '../../src/check/result.js';
import { countRows, sortRows, verdictOf } from '../../src/check/verdict.js';

function r(outcome: CheckRow['outcome'], field: string, base: number | null, head: number | null, extra: Partial<CheckRow> = {}): CheckRow {
  const delta = base === null || head === null ? null : head - base;
  return {
    metric: extra.metric ?? 'tfa_image_size',
    series: extra.series ?? { measurement: 'fvp-default', BinMode: 'Debug', field },
    base,
    head,
    delta,
    delta_percent: delta === null || !base ? null : Math.round((delta / base) * 10000) / 100,
    outcome,
    rule: extra.rule ?? `rule of ${field}`,
    baseline_revision: base === null ? null : 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    ...(extra.waiver !== undefined ? { waiver: extra.waiver } : {}),
  };
}

function result(rows: CheckRow[], extra: Partial<CheckResult> = {}): CheckResult {
  sortRows(rows);
  return {
    id: 17,
    verdict: verdictOf(rows),
    counts: countRows(rows),
    head: { revisions: ['ffff000011112222333344445555666677778888'] },
    baseline: { revisions: ['a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'], candidates_skipped: 2 },
    rows,
    waivers: [],
    created_at: '2024-05-01T10:00:00.000Z',
    ...extra,
  };
}

const unchanged = (n: number): CheckRow[] => Array.from({ length: n }, (_, i) => r('pass', `BL${i}_T`, 100, 100, { rule: 'unchanged' }));

const sample = (): CheckResult =>
  result([
    r('fail', 'BL31_total', 155033, 157321, { rule: 'builtin: image total > 1 % and > 1024 B' }),
    r('warn', 'BL31_T', 1000, 1100),
    r('warn', 'BL2_T', 1000, 1010),
    r('improved', 'BL1_T', 1000, 900),
    r('waived', 'BL32_total', 100, 5000, { waiver: 'needs <more> & "bigger" | buffers' }),
    r('new', 'BL33_T', null, 5),
    r('insufficient-history', 'lat', 10, 12, { metric: 'tfa_rtinstr', series: { measurement: 'juno', TC_Name: 'a<b>&"c\'', field: 'Latency' } }),
    r('info', 'Lines_of_Change', 10, 20, { metric: 'tfa_code_churn', series: { measurement: 'TFA_CodeChurn_Tracking', field: 'Lines_of_Change' } }),
    ...unchanged(40),
  ]);

describe('verdict and order', () => {
  it('improved, info, new, removed and insufficient-history rows leave the verdict pass; a waived fail warns', () => {
    assert.equal(verdictOf([r('improved', 'a', 2, 1), r('info', 'b', 1, 2), r('new', 'c', null, 1), r('removed', 'd', 1, null), r('insufficient-history', 'e', 1, 2), r('pass', 'f', 1, 1)]), 'pass');
    assert.equal(verdictOf([r('waived', 'a', 1, 9), r('pass', 'f', 1, 1)]), 'warn');
    assert.equal(verdictOf([r('warn', 'a', 1, 2), r('fail', 'b', 1, 9)]), 'fail');
    assert.equal(verdictOf([r('new', 'a', null, 2)]), 'no-baseline');
    assert.equal(verdictOf([]), 'no-baseline');
  });

  it('sorts by severity, then by the size of the change', () => {
    const rows = sortRows([r('pass', 'a', 1, 1), r('warn', 'small', 1000, 1001), r('fail', 'f', 1, 2), r('warn', 'big', 1000, 1500), r('new', 'n', null, 1)]);
    assert.deepEqual(rows.map((x) => x.series['field']), ['f', 'big', 'small', 'n', 'a']);
  });
});

describe('text', () => {
  it('first line as gate.md shows it', () => {
    const res = result([r('fail', 'BL31_total', 155033, 157321), r('warn', 'a', 1, 2), r('warn', 'b', 1, 3), r('improved', 'c', 3, 2), ...unchanged(40)]);
    assert.equal(verdictLine(res), 'qmb check: FAIL: 1 regression, 2 warnings, 1 improvement, 40 unchanged; baseline a1b2c3d (2 commits behind)');
  });

  it('names other outcomes when present, and no-baseline plainly', () => {
    assert.equal(
      verdictLine(sample()),
      'qmb check: FAIL: 1 regression, 2 warnings, 1 waived, 1 improvement, 1 new, 1 without enough history, 1 info, 40 unchanged; baseline a1b2c3d (2 commits behind)',
    );
    const none = result([r('new', 'x', null, 1)], { baseline: { revisions: [], candidates_skipped: 0 } });
    assert.equal(verdictLine(none), 'qmb check: NO-BASELINE: 0 regressions, 0 warnings, 0 improvements, 1 new, 0 unchanged; no baseline: no candidate revision holds any series of the head');
  });

  it('then a table of the rows that are not pass, and the link', () => {
    const text = renderText(sample(), { link: 'https://qmb.example/dashboard/checks/17' });
    const lines = text.trimEnd().split('\n');
    assert.match(lines[2] ?? '', /^metric\s+series\s+base\s+head\s+Δ\s+Δ %\s+outcome\s+rule$/);
    assert.match(lines[3] ?? '', /^tfa_image_size\s+fvp-default\/Debug\/BL31_total\s+155033\s+157321\s+\+2288\s+\+1\.48 %\s+fail\s+builtin: image total > 1 % and > 1024 B$/);
    assert.equal(lines.length, 2 + 1 + 8 + 2);
    assert.ok(!text.includes('BL0_T'), 'pass rows are not listed');
    assert.match(text, /waived: needs <more>/);
    assert.equal(lines.at(-1), 'https://qmb.example/dashboard/checks/17');
  });
});

describe('Markdown summary', () => {
  it('has the verdict line, the failing rows in a table, and the unchanged rows in <details>', () => {
    const md = renderMarkdown(sample());
    assert.match(md, /^### ❌ qmb check: FAIL: 1 regression/);
    assert.match(md, /\n\| tfa_image_size \| fvp-default\/Debug\/BL31_total \| 155033 \| 157321 \| \+2288 \| \+1\.48 % \| fail \| builtin: image total &gt; 1 % and &gt; 1024 B \|\n/);
    assert.match(md, /<details><summary>40 unchanged rows<\/summary>\n\n\| metric \|/);
    assert.match(md, /needs &lt;more&gt; &amp; "bigger" \\\| buffers/);
    const before = md.split('<details>')[0] ?? '';
    assert.ok(!before.includes('BL0_T'));
    assert.ok((md.split('<details>')[1] ?? '').includes('BL0_T'));
  });

  it('stays under 1 MiB, cutting unchanged rows first and saying so', () => {
    const big = result([r('fail', 'BL31_total', 155033, 157321), ...unchanged(30000)]);
    const md = renderMarkdown(big);
    assert.ok(Buffer.byteLength(md) < SUMMARY_MAX_BYTES, String(Buffer.byteLength(md)));
    assert.match(md, /BL31_total/);
    const m = /_(\d+) unchanged rows are not shown: the summary is limited to 1048576 bytes\._/.exec(md);
    assert.ok(m, 'says how many were left out');
    const shown = (md.match(/\/BL\d+_T \|/g) ?? []).length;
    assert.ok(shown > 1000, String(shown));
    assert.equal(Number(m[1]) + shown, 30000);
  });

  it('cuts the other rows too when they alone exceed the cap', () => {
    const many = result(Array.from({ length: 20000 }, (_, i) => r('warn', `BL${i}_T`, 100, 200)));
    const md = renderMarkdown(many, { maxBytes: 100_000 });
    assert.ok(Buffer.byteLength(md) < 100_000);
    assert.match(md, /_\d+ more rows that are not pass are not shown: the summary is limited to 100000 bytes\._/);
  });
});

describe('JUnit XML', () => {
  const xml = renderJUnit(sample());
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) });

  it('is well-formed XML, escaping what the series and reasons hold', () => {
    assert.equal(XMLValidator.validate(xml), true);
  });

  it('has one testsuite per metric and one testcase per row', () => {
    const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; testsuite: { name: string; tests: string; testcase: Record<string, unknown>[] }[] } };
    assert.deepEqual(doc.testsuites.testsuite.map((s) => s.name), ['tfa_code_churn', 'tfa_image_size', 'tfa_rtinstr']);
    assert.equal(doc.testsuites.tests, '48');
    assert.equal(doc.testsuites.failures, '1');
    const size = doc.testsuites.testsuite.find((s) => s.name === 'tfa_image_size');
    assert.equal(size?.testcase.length, 46);
    const fail = size?.testcase.find((t) => t['name'] === 'fvp-default/Debug/BL31_total') as { classname: string; failure: { message: string } };
    assert.equal(fail.classname, 'tfa_image_size');
    assert.equal(fail.failure.message, 'builtin: image total > 1 % and > 1024 B: 155033 -> 157321 (+2288, +1.48 %) against a1b2c3d4e5f60718293a4b5c6d7e8f9012345678');
    const fresh = size?.testcase.find((t) => t['name'] === 'fvp-default/Debug/BL33_T') as Record<string, unknown>;
    assert.ok('skipped' in fresh);
    const warn = size?.testcase.find((t) => t['name'] === 'fvp-default/Debug/BL31_T') as Record<string, unknown>;
    assert.match(String(warn['system-out']), /^warn: rule of BL31_T: 1000 -> 1100/);
    const waived = size?.testcase.find((t) => t['name'] === 'fvp-default/Debug/BL32_total') as Record<string, unknown>;
    assert.match(String(waived['system-out']), /waived: needs <more> & "bigger" \| buffers$/);
    const rt = doc.testsuites.testsuite.find((s) => s.name === 'tfa_rtinstr')?.testcase[0] as Record<string, unknown>;
    assert.equal(rt['name'], `juno/a<b>&"c'/Latency`);
    assert.ok('skipped' in rt);
  });

  it('replaces characters XML cannot carry', () => {
    const odd = renderJUnit(result([r('fail', 'x', 1, 2, { rule: 'bell \u0007 and \ud800 lone' })]));
    assert.equal(XMLValidator.validate(odd), true);
  });
});

describe('Gerrit review', () => {
  it('votes only with a label name: -1 on fail, +1 otherwise', () => {
    const failing = renderGerrit(sample(), { label: 'Verified' });
    assert.deepEqual(failing.labels, { Verified: -1 });
    assert.match(failing.message, /^qmb check: FAIL: /);
    assert.equal(renderGerrit(sample()).labels, undefined);
    const passing = result([r('improved', 'a', 2, 1)]);
    assert.deepEqual(renderGerrit(passing, { label: 'Code-Review' }).labels, { 'Code-Review': 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(renderGerrit(passing))), { message: renderText(passing), tag: 'autogenerated:qmb-check' });
  });
});
