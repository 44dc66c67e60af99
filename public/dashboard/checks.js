// The regression gate's pages: recent checks (#/checks) and one check with its rows and a row's history (#/check?id=N).
import * as api from './api.js';
import { chart, fmt, fmtNs, h, panel, select, shortRev, signed, table } from './ui.js';

const VERDICTS = ['fail', 'warn', 'pass', 'no-baseline'];
const OUTCOMES = ['fail', 'warn', 'waived', 'insufficient-history', 'new', 'removed', 'improved', 'info', 'pass'];
const OUTCOME_TEXT = { 'insufficient-history': 'without enough history', pass: 'unchanged' };

const when = (iso) => String(iso ?? '').replace('T', ' ').slice(0, 19);
const seriesPath = (series) => Object.values(series).join('/');
const badge = (kind, text = kind) => h('span', { class: `verdict verdict-${kind}`, 'data-verdict': kind }, text);

/** The outcomes that occur, most severe first: "3 fail · 2 warn · 90 unchanged". */
function counts(c) {
  return h('span', { class: 'counts' }, OUTCOMES.filter((o) => c[o] > 0).map((o) => h('span', { class: `count outcome-${o}`, 'data-outcome': o }, `${c[o]} ${OUTCOME_TEXT[o] ?? o}`)));
}

function revisions(list, skipped = 0) {
  if (list.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('span', {},
    list.flatMap((r, i) => [i > 0 ? ', ' : '', h('code', { title: r }, shortRev(r))]),
    skipped > 0 ? h('span', { class: 'muted' }, ` (${skipped} ${skipped === 1 ? 'commit' : 'commits'} behind)`) : '');
}

const checkLink = (id, text = `#${id}`) => h('a', { href: `#/check?id=${id}`, class: 'check-link' }, text);

// ---------------------------------------------------------------- the list

async function checksPage(p, set) {
  const verdict = VERDICTS.includes(p.verdict) ? p.verdict : '';
  const list = await api.checks({ verdict, revision: p.revision, limit: 200 });
  const selectors = h('div', { class: 'selectors' },
    select('verdict', 'Verdict', [['', 'all'], ...VERDICTS], verdict, (v) => set({ verdict: v })),
    h('label', {}, 'Revision', h('input', { id: 'revision', name: 'revision', value: p.revision ?? '', placeholder: 'commit or tag', onchange: (e) => set({ revision: e.target.value.trim() }) })));
  if (list.length === 0) {
    return [selectors, h('div', { class: 'empty', id: 'no-checks' }, verdict || p.revision ? 'No recorded check matches.' : 'No checks recorded yet. CI records one with ',
      h('code', {}, 'qmb check ... --baseline-git origin/main'), ' (or run ', h('code', {}, 'npx qmb demo-data'), ').')];
  }
  return [
    selectors,
    panel(`${list.length} recent ${list.length === 1 ? 'check' : 'checks'}${verdict ? ` with verdict ${verdict}` : ''}, newest first`, table('checks-table', [
      { key: 'id', label: 'Check', render: (c) => checkLink(c.id) },
      { key: 'created', label: 'Recorded (UTC)', render: (c) => when(c.created_at) },
      { key: 'verdict', label: 'Verdict', render: (c) => badge(c.verdict) },
      { key: 'counts', label: 'Rows', render: (c) => counts(c.counts) },
      { key: 'head', label: 'Head', render: (c) => revisions(c.head.revisions) },
      { key: 'baseline', label: 'Baseline', render: (c) => revisions(c.baseline.revisions, c.baseline.candidates_skipped) },
    ], list, (c) => `verdict-row-${c.verdict}`)),
  ];
}

// ---------------------------------------------------------------- one check

/** The dashboard page of a row's metric, with the row's selectors and the check (its baseline becomes "compare with"). */
export function pageOf(row, id) {
  const s = row.series;
  const q = (page, params) => `#/${page}?${new URLSearchParams(Object.entries({ ...params, check: String(id) }).filter(([, v]) => v !== undefined && v !== ''))}`;
  switch (row.metric) {
    case 'tfa_image_size': return q('image-size', { config: s.measurement, BinMode: s.BinMode });
    case 'tfm_image_size': return q('tfm-image-size', { Target: s.Target, BuildType: s.BuildType, CmakeConfig: s.CmakeConfig, Compiler: s.Compiler });
    case 'tfa_misra_defects': return q('misra', { config: s.measurement, BinMode: s.BinMode });
    case 'tfa_complexity_stats': return q('complexity', { project: 'tfa' });
    case 'tfm_complexity_stats': return q('complexity', { project: 'tfm' });
    case 'tfa_rtinstr': return q('rtinstr', { target: s.measurement, tc: s.TC_Name, kind: s.field });
    default: return undefined;
  }
}

const valueFormat = (metric) => (metric === 'tfa_rtinstr' ? fmtNs : fmt);
const UNITS = { tfa_image_size: 'bytes', tfm_image_size: 'bytes', tfa_rtinstr: 'ns' };

/** The chart of a row's series: the stored revisions, the base and the head marked (the head appended when it was not pushed). */
async function historyPanel(c, index) {
  const row = c.rows[index];
  const hist = await api.checkHistory(c.id, index);
  const pts = [...hist.points];
  const f = valueFormat(row.metric);
  let headAt = hist.head?.stored ? pts.findIndex((x) => x.revision === hist.head.revision) : -1;
  if (hist.head && !hist.head.stored) {
    pts.push({ revision: hist.head.revision ?? 'head', time: null, value: hist.head.value, min: hist.head.value, max: hist.head.value, samples: 0, title: 'the head of the check (not stored)' });
    headAt = pts.length - 1;
  }
  const baseAt = hist.base ? pts.findIndex((x) => x.revision === hist.base.revision) : -1;
  const date = (x) => (x.time ? new Date(Number(BigInt(x.time) / 1000000n)).toISOString().slice(0, 10) : 'not stored');
  const spread = row.metric === 'tfa_rtinstr';
  const only = (i) => pts.map((x, k) => (k === i ? x.value : null));
  const series = [
    { label: seriesPath(row.series), values: pts.map((x) => x.value) },
    ...(spread ? [{ label: 'max', values: pts.map((x) => x.max), thin: true, color: '#1f77b4' }, { label: 'min', values: pts.map((x) => x.min), thin: true, color: '#1f77b4' }] : []),
    { label: 'base', values: only(baseAt), marker: true, color: '#2e8540' },
    { label: 'head', values: only(headAt), marker: true, color: '#b00020' },
  ];
  const describe = (what, at, v) => (at < 0 ? `${what}: not among the stored revisions` : `${what}: ${shortRev(pts[at].revision)} (${f(v)})`);
  return panel(`History of ${seriesPath(row.series)} (${row.metric})${spread ? ': median per commit, with the smallest and largest sample' : ''}`,
    pts.length === 0 ? h('p', { class: 'muted' }, 'The broker holds no point of this series.') : chart('history-chart', {
      x: pts.map((_, i) => i),
      labels: pts.map((x) => `${shortRev(x.revision)}\n${date(x)}`),
      series,
      bands: spread ? [[1, 2]] : [],
      unit: UNITS[row.metric],
      yLabel: row.metric === 'tfa_rtinstr' ? 'latency' : UNITS[row.metric],
      yFormat: f,
      hover: (i) => `${pts[i].revision} ${pts[i].title ?? ''}\n${date(pts[i])}: ${f(pts[i].value)}${i === baseAt ? ' (base)' : ''}${i === headAt ? ' (head)' : ''}`,
    }),
    h('p', { class: 'muted', id: 'history-marks' },
      hist.base ? describe('base', baseAt, hist.base.value) : 'no base', ' · ',
      !hist.head ? 'no head (removed)' : hist.head.stored ? describe('head', headAt, hist.head.value)
        : `head: ${hist.head.revision ? `${shortRev(hist.head.revision)} ` : ''}(${f(hist.head.value)}), not pushed to the broker`,
      hist.truncated ? ' · older revisions left out' : ''));
}

async function checkPage(p, set) {
  if (!/^\d+$/.test(p.id ?? '')) return h('p', { class: 'muted' }, 'Which check? Open one from ', h('a', { href: '#/checks' }, 'the list'), '.');
  const c = await api.check(p.id);
  const show = p.show === 'all' || OUTCOMES.includes(p.show) ? p.show : '';
  const metrics = [...new Set(c.rows.map((r) => r.metric))].sort();
  const metric = metrics.includes(p.metric) ? p.metric : '';
  const indexed = c.rows.map((r, i) => ({ ...r, index: i }));
  const shown = indexed.filter((r) => (!metric || r.metric === metric) && (show === 'all' ? true : show ? r.outcome === show : r.outcome !== 'pass'));
  const rowIndex = /^\d+$/.test(p.row ?? '') && Number(p.row) < c.rows.length ? Number(p.row) : undefined;
  const f = (r) => valueFormat(r.metric);
  const header = panel(undefined,
    h('div', { class: 'check-head' }, badge(c.verdict, c.verdict.toUpperCase()), h('span', { id: 'check-counts' }, counts(c.counts))),
    h('table', { class: 'facts' }, h('tbody', {},
      h('tr', {}, h('th', {}, 'Recorded'), h('td', {}, `${when(c.created_at)} UTC`)),
      h('tr', {}, h('th', {}, 'Head'), h('td', { id: 'check-head' }, revisions(c.head.revisions))),
      h('tr', {}, h('th', {}, 'Baseline'), h('td', { id: 'check-baseline' }, revisions(c.baseline.revisions, c.baseline.candidates_skipped))),
      c.waivers.length === 0 ? null : h('tr', {}, h('th', {}, 'Waivers'), h('td', { id: 'check-waivers' }, c.waivers.map((w) => h('div', {}, h('code', {}, w.text), w.used ? '' : h('span', { class: 'muted' }, ' (matched nothing)'))))))));
  const rowsTable = shown.length === 0 ? h('p', { class: 'muted', id: 'no-rows' }, 'No row with this outcome.') : table('check-rows', [
    { key: 'metric', label: 'Metric' },
    { key: 'series', label: 'Series', render: (r) => h('a', { href: `#/check?${new URLSearchParams({ id: String(c.id), ...(show ? { show } : {}), ...(metric ? { metric } : {}), row: String(r.index) })}`, title: 'show its history' }, seriesPath(r.series)) },
    { key: 'base', label: 'Base', num: true, render: (r) => f(r)(r.base) },
    { key: 'head', label: 'Head', num: true, render: (r) => f(r)(r.head) },
    { key: 'delta', label: 'Δ', num: true, render: (r) => signed(r.delta) },
    { key: 'delta_percent', label: 'Δ %', num: true, render: (r) => (r.delta_percent === null ? '' : `${r.delta_percent > 0 ? '+' : ''}${fmt(r.delta_percent)} %`) },
    { key: 'outcome', label: 'Outcome', render: (r) => badge(r.outcome) },
    { key: 'rule', label: 'Rule', render: (r) => (r.waiver ? `${r.rule}; waived: ${r.waiver}` : r.rule) },
    { key: 'baseline_revision', label: 'Baseline', render: (r) => (r.baseline_revision ? h('code', { title: r.baseline_revision }, shortRev(r.baseline_revision)) : '') },
    { key: 'page', label: '', render: (r) => { const href = pageOf(r, c.id); return href ? h('a', { href, title: 'the metric\'s page, compared with this baseline' }, 'page') : ''; } },
  ], shown, (r) => `outcome-row-${r.outcome}${r.index === rowIndex ? ' selected' : ''}`);
  return [
    header,
    h('div', { class: 'selectors' },
      select('show', 'Rows', [['', 'all but unchanged'], ['all', 'all'], ...OUTCOMES.map((o) => [o, OUTCOME_TEXT[o] ?? o])], show, (v) => set({ show: v, row: '' })),
      select('metric', 'Metric', [['', 'all'], ...metrics], metric, (v) => set({ metric: v, row: '' }))),
    rowIndex === undefined ? h('p', { class: 'muted' }, 'Click a series to see its history, with the base and head marked.') : await historyPanel(c, rowIndex),
    panel(`${shown.length} of ${c.rows.length} rows`, rowsTable),
  ];
}

/** The pages of this module, by their name in the URL (`check` highlights the Checks tab). */
export const CHECK_PAGES = {
  checks: { title: 'Checks', render: checksPage },
  check: { title: 'Check', render: checkPage, nav: 'checks' },
};
