// One page per metric family. Each page reads through the read API and returns its content;
// selector changes go through `set`, which updates the URL hash and renders the page again.
import * as api from './api.js';
import { CHECK_PAGES } from './checks.js';
import { chart, empty, fmt, fmtNs, h, panel, rangeSelectors, select, shortDate, shortRev, signed, table, timeRange } from './ui.js';

const WEEK = 7 * 86400000;
const short = shortRev;
const nums = (fields) => Object.values(fields).filter((v) => typeof v === 'number');
const sum = (values) => values.reduce((a, b) => a + b, 0);
const pick = (value, options, fallback) => (options.includes(value) ? value : fallback);
// One aggregation bucket over the read API's whole default range (1970 to 2100), for a summary of all points.
const ALL_TIME = '10000w';
const numericFields = async (db, measurement) => (await api.fieldKeys(db, measurement)).filter((f) => f.type === 'integer' || f.type === 'float').map((f) => f.field);
/** The largest number in series groups' rows (after the time column). */
const largest = (groups) => Math.max(...groups.flatMap((g) => g.values.flatMap((v) => v.slice(1))).filter((n) => typeof n === 'number'));

/** Points in time order, one per commit (the latest point of a commit wins). */
function byCommit(rows) {
  const m = new Map();
  for (const r of rows) {
    const id = r.tags.CommitID ?? '';
    m.delete(id);
    m.set(id, r);
  }
  return [...m.values()].sort((a, b) => a.ms - b.ms);
}

const commitHover = (r) => `${r.tags.CommitID ?? ''} ${r.tags.CommitTitle ?? ''}\n${new Date(r.ms).toISOString().slice(0, 16).replace('T', ' ')}`;
/** A commit on an axis: the short hash over the date (a full hash tells a reader nothing; the title is in the hover). */
const commitLabel = (r) => `${short(r.tags.CommitID)}\n${shortDate(r.ms)}`;
const commitOptions = (list) => list.map((r) => [r.tags.CommitID, `${short(r.tags.CommitID)} ${shortDate(r.ms)} ${String(r.tags.CommitTitle ?? '').slice(0, 60)}`]).reverse();

/**
 * "Compare with" from a recorded check (`check=N` in the URL): the baseline revision its rows of
 * these metrics used, and its head when the broker holds it; both only when among `ids`. `select`
 * picks one of the recent checks.
 */
async function fromCheck(p, set, metrics, ids, match = () => true) {
  const recent = await api.checks({ limit: 20 }).catch(() => []);
  const chosen = /^\d+$/.test(p.check ?? '') ? p.check : '';
  const options = [['', 'none'], ...recent.map((c) => [String(c.id), `#${c.id} ${c.verdict}: ${c.head.revisions.map(short).join(', ')} against ${c.baseline.revisions.map(short).join(', ') || 'nothing'}`])];
  if (chosen && !options.some(([v]) => v === chosen)) options.push([chosen, `#${chosen}`]);
  const selector = select('check', 'Baseline of a check', options, chosen, (v) => set({ check: v, commit: '', compare: '', tag: '' }));
  if (!chosen) return { select: selector };
  let c;
  try {
    c = await api.check(chosen);
  } catch (err) {
    if (err.status === 404) return { missing: chosen, select: selector };
    throw err;
  }
  const rows = c.rows.filter((r) => metrics.includes(r.metric) && match(r));
  return { check: c, compare: rows.map((r) => r.baseline_revision).find((r) => r && ids.includes(r)), commit: c.head.revisions.find((r) => ids.includes(r)), rows, select: selector };
}

/** What the page took from the check, in a line above the charts. */
function checkNote(ctx, compare) {
  if (ctx.missing) return h('p', { class: 'error', id: 'check-note' }, `Check #${ctx.missing} is not recorded on this broker.`);
  if (!ctx.check) return null;
  const c = ctx.check;
  const link = h('a', { href: `#/check?id=${c.id}` }, `check #${c.id}`);
  const base = ctx.compare
    ? compare === ctx.compare ? ['compared with its baseline ', h('code', {}, short(ctx.compare))] : ['its baseline was ', h('code', {}, short(ctx.compare))]
    : [ctx.rows.length === 0 ? 'it has no row of this view' : 'its baseline is not among these revisions (another time range?)'];
  const head = ctx.commit ? ['; its head ', h('code', {}, short(ctx.commit))] : c.head.revisions.length > 0 ? ['; its head ', h('code', {}, c.head.revisions.map(short).join(', ')), ' is not stored, the newest revision is shown'] : [];
  return h('p', { class: 'check-note', id: 'check-note' }, 'From ', link, ` (${c.verdict}): `, ...base, ...head, '.');
}

/** The from/to of the read API for a page's `range`/`from`/`to`, counting a preset back from the newest point matching `where`. */
async function rangeOf(p, db, measurement, where) {
  const preset = p.range && !p.from && !p.to;
  return timeRange(p, preset ? await api.newestMs(db, measurement, where) : undefined);
}

const projectSelect = (p, set) => select('project', 'Project', [['tfa', 'TF-A'], ['tfm', 'TF-M']], p.project === 'tfm' ? 'tfm' : 'tfa', (v) => set({ project: v }));

// ---------------------------------------------------------------- overview

/** The latest and the previous point of a measurement (matching `where`), newest first. */
const lastTwo = (db, m, where = {}) => api.rows(db, m, { where, order: 'desc', limit: 2 });
const sizeTotal = (r) => sum(nums(r.fields));
const imageWhere = (r, keys) => Object.fromEntries(keys.filter((k) => r.tags[k] !== undefined).map((k) => [k, r.tags[k]]));
/** Rows of the newest revision and of the one before, by a tag's value; rows come newest first. */
function twoNewest(rs, key) {
  const values = [...new Set(rs.map((r) => r.tags[key] ?? r.fields[key]))];
  return values.slice(0, 2).map((v) => ({ rev: v, rows: rs.filter((r) => (r.tags[key] ?? r.fields[key]) === v) }));
}
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();

/**
 * Each card: the latest headline number, the change since the previous revision (release, commit
 * or week), and its page. `read(measurement)` answers { now: {value, what, rev}, before?: {value, rev}, href }.
 */
const HEADLINES = [
  ...[['tfa', 'TF-A code churn'], ['tfm', 'TF-M code churn']].map(([proj, title]) => ({
    family: `${proj}_code_churn`, title, db: proj === 'tfa' ? 'TFA_CodeChurn' : 'TFM_CodeChurn', m: proj === 'tfa' ? 'TFA_CodeChurn_Tracking' : 'TFM_CodeChurn_Tracking',
    read: async (db, m) => {
      const [a, b] = await lastTwo(db, m);
      return a && { now: { value: a.fields.Lines_of_Change, what: `lines of change in ${a.tags.Target_Tag}`, rev: a.tags.Target_Tag, ms: a.ms }, before: b && { value: b.fields.Lines_of_Change, rev: b.tags.Target_Tag }, href: `#/code-churn?project=${proj}` };
    },
  })),
  {
    family: 'tfa_complexity_tracking', title: 'TF-A complexity', db: 'TFA_Complexity', m: 'TFA_Complexity_Tracking',
    read: async (db, m) => {
      const [a, b] = await lastTwo(db, m);
      const v = (r) => r.fields.Functions_Exceeding_Threshold_Not_Whitelisted;
      return a && { now: { value: v(a), what: `functions over the threshold in ${a.tags.Target_Tag}`, rev: a.tags.Target_Tag, ms: a.ms }, before: b && { value: v(b), rev: b.tags.Target_Tag }, href: '#/complexity?project=tfa' };
    },
  },
  {
    family: 'tfm_complexity_stats', title: 'TF-M complexity', db: 'TFM_Complexity', m: 'TFM_Complexity_Statistics',
    read: async (db, m) => {
      const [a, b] = twoNewest(await api.rows(db, m, { order: 'desc', limit: 5000 }), 'Target_Tag');
      return a && { now: { value: a.rows.length, what: `functions over the threshold in ${a.rev}`, rev: a.rev, ms: a.rows[0].ms }, before: b && { value: b.rows.length, rev: b.rev }, href: '#/complexity?project=tfm' };
    },
  },
  {
    family: 'tfa_defects_tracking', title: 'TF-A defects', db: 'TFA_Defects', m: 'TFA_Defects_Tracking',
    read: async (db, m) => {
      const rs = await api.rows(db, m, { order: 'desc', limit: 20 });
      const open = rs.filter((r) => /open/i.test(r.fields.Issue_Status ?? ''));
      const [a, b] = open.length > 0 ? open : rs;
      return a && { now: { value: a.fields.Number_of_Defects, what: `${a.fields.Issue_Status} defects`, rev: a.tags.Measured_Date, ms: a.ms }, before: b && { value: b.fields.Number_of_Defects, rev: b.tags.Measured_Date }, href: `#/defects?${query({ project: 'tfa', status: a.fields.Issue_Status })}` };
    },
  },
  {
    family: 'tfm_defects_stats', title: 'TF-M defects', db: 'TFM_Defects', m: 'TFM_Defects_Statistics',
    read: async (db, m) => {
      const [a, b] = twoNewest(await api.rows(db, m, { order: 'desc', limit: 5000 }), 'Measured_Date');
      const n = (x) => new Set(x.rows.map((r) => r.tags.Defect_ID)).size;
      return a && { now: { value: n(a), what: 'defects tracked', rev: a.rev, ms: a.rows[0].ms }, before: b && { value: n(b), rev: b.rev }, href: '#/defects?project=tfm' };
    },
  },
  {
    family: 'tfa_image_size', title: 'TF-A image size', db: 'TFA_ImageSize',
    read: async (db, m) => {
      const [latest] = await api.rows(db, m, { order: 'desc', limit: 1 });
      if (!latest) return undefined;
      const [a, b] = await lastTwo(db, m, imageWhere(latest, ['BinMode']));
      return { now: { value: sizeTotal(a), what: `bytes, ${m} ${a.tags.BinMode ?? ''} at ${short(a.tags.CommitID)}`, rev: a.tags.CommitID, ms: a.ms }, before: b && { value: sizeTotal(b), rev: b.tags.CommitID }, href: `#/image-size?${query({ config: m, BinMode: a.tags.BinMode })}`, unit: 'B' };
    },
  },
  {
    family: 'tfm_image_size', title: 'TF-M image size', db: 'TFM_ImageSize', m: 'TFM_ImageSize_Statistics',
    read: async (db, m) => {
      const [latest] = await api.rows(db, m, { order: 'desc', limit: 1 });
      if (!latest) return undefined;
      const keys = ['Target', 'BuildType', 'CmakeConfig', 'Compiler'];
      const [a, b] = await lastTwo(db, m, imageWhere(latest, keys));
      return { now: { value: sizeTotal(a), what: `bytes, ${a.tags.Target ?? ''} ${a.tags.BuildType ?? ''} at ${short(a.tags.CommitID)}`, rev: a.tags.CommitID, ms: a.ms }, before: b && { value: sizeTotal(b), rev: b.tags.CommitID }, href: `#/tfm-image-size?${query(imageWhere(a, keys))}`, unit: 'B' };
    },
  },
  {
    family: 'tfa_misra_defects', title: 'MISRA defects', db: 'TFA_MisraDefects',
    read: async (db, m) => {
      const [latest] = await api.rows(db, m, { order: 'desc', limit: 1 });
      if (!latest) return undefined;
      const [a, b] = await lastTwo(db, m, imageWhere(latest, ['BinMode']));
      return { now: { value: a.fields.TotalDefects, what: `defects, ${m} ${a.tags.BinMode ?? ''} at ${short(a.tags.CommitID)}`, rev: a.tags.CommitID, ms: a.ms }, before: b && { value: b.fields.TotalDefects, rev: b.tags.CommitID }, href: `#/misra?${query({ config: m, BinMode: a.tags.BinMode })}` };
    },
  },
  {
    family: 'tfa_rtinstr', title: 'Runtime instrumentation', db: 'TFA_RTINSTR',
    // The broker takes the maximum of every latency of a commit (aggregate=max), for the latest commit and the one before.
    read: async (db, m) => {
      const recent = await api.rows(db, m, { order: 'desc', limit: 1000, fields: [] });
      const [a, b] = [...new Set(recent.map((r) => r.tags.CommitID))];
      if (a === undefined) return undefined;
      const fields = await numericFields(db, m);
      const max = async (id) => largest(await api.series(db, m, { fields, where: { CommitID: id }, aggregate: 'max', interval: ALL_TIME }));
      const [now, before] = await Promise.all([max(a), b === undefined ? undefined : max(b)]);
      return { now: { value: now, what: `max latency (ns), ${m} at ${short(a)}`, rev: a, ms: recent[0].ms }, before: b === undefined ? undefined : { value: before, rev: b }, href: `#/rtinstr?${query({ target: m })}`, unit: 'ns' };
    },
  },
];

/** "+1,234 since v2.10", "unchanged since f1e7c0d", or that there is nothing to compare with. */
function change(now, before, unit) {
  if (!before || typeof before.value !== 'number' || typeof now.value !== 'number') return h('div', { class: 'change muted', 'data-change': '' }, 'no earlier revision to compare with');
  const d = now.value - before.value;
  return h('div', { class: 'change', 'data-change': String(d) },
    d === 0 ? 'unchanged' : [signed(d), unit ? ` ${unit}` : ''], ` since ${short(before.rev)}`);
}

async function overview() {
  let submissions = [];
  let rejected = [];
  try {
    submissions = (await api.get('/api/v1/submissions', { limit: 1000 })).submissions;
    rejected = (await api.get('/api/v1/submissions', { status: 'rejected', limit: 10 })).submissions;
  } catch {
    // submissions need a token; a page opened with public read only shows the numbers
  }
  const cards = await Promise.all(HEADLINES.map(async (hl) => {
    const measurement = hl.m ?? (await api.measurements(hl.db))[0];
    const got = measurement ? await hl.read(hl.db, measurement) : undefined;
    if (!got) {
      return h('div', { class: 'card', 'data-family': hl.family }, h('div', { class: 'muted' }, hl.title), h('div', { class: 'value' }, '–'), h('div', { class: 'when' }, `no data: push ${hl.family}`));
    }
    const arrival = submissions.find((s) => s.metric === hl.family && s.status === 'delivered')?.received_at;
    return h('a', { class: 'card', href: got.href, 'data-family': hl.family, title: `open the ${hl.title} page` },
      h('div', { class: 'muted' }, hl.title),
      h('div', { class: 'value' }, fmt(got.now.value)),
      h('div', {}, got.now.what),
      change(got.now, got.before, got.unit),
      h('div', { class: 'when' }, arrival ? `last arrived ${arrival.replace('T', ' ').slice(0, 19)} UTC` : `latest point ${new Date(got.now.ms).toISOString().slice(0, 10)}`));
  }));
  return [
    h('div', { class: 'cards', id: 'headlines' }, cards),
    panel('Recent rejected submissions', rejected.length === 0
      ? h('p', { class: 'muted', id: 'no-rejected' }, 'None: every payload the database was sent, it took.')
      : table('rejected-table', [
        { key: 'id', label: 'id', num: true },
        { key: 'metric', label: 'metric' },
        { key: 'database', label: 'database' },
        { key: 'received_at', label: 'received' },
        { key: 'last_error', label: 'error' },
      ], rejected)),
  ];
}

// ---------------------------------------------------------------- code churn

async function codeChurn(p, set) {
  const proj = p.project === 'tfm' ? 'tfm' : 'tfa';
  const db = proj === 'tfa' ? 'TFA_CodeChurn' : 'TFM_CodeChurn';
  const m = `${db}_Tracking`;
  const bases = await api.tagValues(db, 'Base_Tag', m);
  const base = pick(p.base, bases, '');
  const rows = await api.rows(db, m, { where: { Base_Tag: base } });
  const selectors = h('div', { class: 'selectors' }, projectSelect(p, set), select('base', 'Base tag', [['', 'all'], ...bases], base, (v) => set({ base: v })));
  if (rows.length === 0) return [selectors, empty('code churn', `${proj}_code_churn`)];
  const byTag = new Map();
  for (const r of rows) byTag.set(r.tags.Target_Tag, r);
  const list = [...byTag.values()].sort((a, b) => a.ms - b.ms);
  const tagDate = (r) => r.tags.Git_Tag_Date ?? shortDate(r.ms);
  return [
    selectors,
    panel('Lines of change per release', chart('churn-chart', {
      x: list.map((_, i) => i),
      labels: list.map((r) => r.tags.Target_Tag),
      series: [{ label: 'Lines of change', values: list.map((r) => r.fields.Lines_of_Change ?? null) }],
      bars: true,
      hover: (i) => `${list[i].tags.Target_Tag} (since ${list[i].tags.Base_Tag}), ${tagDate(list[i])}\n${fmt(list[i].fields.Lines_of_Change)} lines`,
    })),
    panel('Releases', table('churn-table', [
      { key: 'target', label: 'Target tag', render: (r) => r.tags.Target_Tag },
      { key: 'base', label: 'Base tag', render: (r) => r.tags.Base_Tag },
      { key: 'date', label: 'Tag date', render: tagDate },
      { key: 'lines', label: 'Lines of change', num: true, render: (r) => r.fields.Lines_of_Change },
    ], [...list].reverse())),
  ];
}

// ---------------------------------------------------------------- complexity

const COMPLEXITY = {
  tfa: { db: 'TFA_Complexity', stats: 'TFA_Complexity_Statistics', tracking: 'TFA_Complexity_Tracking', fn: (r) => r.fields.Function_ID, loc: (r) => r.tags.Location },
  tfm: { db: 'TFM_Complexity', stats: 'TFM_Complexity_Statistics', fn: (r) => r.fields.Function, loc: (r) => r.fields.Location ?? r.tags.Location_Tag },
};
const whitelisted = (v) => /^(yes|true|y|1)$/i.test(String(v ?? ''));

const arrow = (r) => (r.compareScore === undefined && r.score === undefined ? '' : `${r.compareScore ?? '–'} → ${r.score ?? '–'}`);
/** Sort by change: the largest rise first; then new functions (highest score first), then resolved ones. */
const byChange = (x, y) => {
  const rank = (r) => (r.delta !== null ? 0 : r.status === 'new' ? 1 : 2);
  return rank(x) - rank(y) || (y.delta ?? 0) - (x.delta ?? 0) || (y.score ?? -1) - (x.score ?? -1) || String(x.location).localeCompare(String(y.location));
};
const byScore = (x, y) => (y.score ?? -1) - (x.score ?? -1) || String(x.location).localeCompare(String(y.location));

async function complexity(p, set) {
  const proj = p.project === 'tfm' ? 'tfm' : 'tfa';
  const c = COMPLEXITY[proj];
  const stats = await api.rows(c.db, c.stats);
  const tracking = c.tracking ? await api.rows(c.db, c.tracking) : [];
  if (stats.length === 0 && tracking.length === 0) return [h('div', { class: 'selectors' }, projectSelect(p, set)), empty('complexity data', proj === 'tfa' ? 'tfa_complexity_tracking and tfa_complexity_stats' : 'tfm_complexity_stats')];
  // Release order: the time of each tag's points.
  const tagTime = new Map();
  for (const r of [...tracking, ...stats]) if (!tagTime.has(r.tags.Target_Tag) || tagTime.get(r.tags.Target_Tag) > r.ms) tagTime.set(r.tags.Target_Tag, r.ms);
  const tags = [...tagTime.keys()].sort((a, b) => tagTime.get(a) - tagTime.get(b));
  const trend = tags.map((t) => {
    const tr = tracking.filter((r) => r.tags.Target_Tag === t).at(-1);
    if (tr) return tr.fields.Functions_Exceeding_Threshold_Not_Whitelisted ?? null;
    return stats.filter((r) => r.tags.Target_Tag === t && r.fields.Score > r.fields.Threshold && !whitelisted(r.fields.Whitelisted)).length;
  });
  const statTags = tags.filter((t) => stats.some((r) => r.tags.Target_Tag === t));
  const ctx = await fromCheck(p, set, [`${proj}_complexity_stats`], statTags);
  const tag = pick(p.tag, statTags, ctx.commit ?? statTags.at(-1));
  const compare = pick(p.compare, statTags, ctx.compare ?? statTags.at(-2) ?? statTags.at(-1));
  const sort = p.sort === 'score' ? 'score' : 'change';
  const key = (r) => `${c.loc(r)}\u0000${c.fn(r)}`;
  const inTag = new Map(stats.filter((r) => r.tags.Target_Tag === tag).map((r) => [key(r), r]));
  const inCompare = new Map(stats.filter((r) => r.tags.Target_Tag === compare).map((r) => [key(r), r]));
  const rowsOut = [...new Set([...inTag.keys(), ...inCompare.keys()])].map((k) => {
    const a = inTag.get(k);
    const b = inCompare.get(k);
    const any = a ?? b;
    const score = a?.fields.Score;
    const compareScore = b?.fields.Score;
    return {
      location: c.loc(any), fn: c.fn(any), score, compareScore,
      delta: typeof score === 'number' && typeof compareScore === 'number' ? score - compareScore : null,
      threshold: any.fields.Threshold, whitelisted: any.fields.Whitelisted,
      status: a && !b ? 'new' : !a && b ? 'resolved' : '',
    };
  }).sort(sort === 'change' ? byChange : byScore);
  return [
    h('div', { class: 'selectors' },
      projectSelect(p, set),
      select('tag', 'Release tag', [...statTags].reverse(), tag, (v) => set({ tag: v })),
      select('compare', 'Compare with', [...statTags].reverse(), compare, (v) => set({ compare: v })),
      select('sort', 'Sort by', [['change', 'change (largest rise first)'], ['score', 'score']], sort, (v) => set({ sort: v })),
      ctx.select),
    checkNote(ctx, compare),
    panel('Functions over the threshold (not whitelisted) per release', chart('complexity-chart', {
      x: tags.map((_, i) => i), labels: tags, series: [{ label: 'Functions over threshold', values: trend }], zero: true,
      hover: (i) => `${tags[i]}: ${fmt(trend[i])} functions over the threshold`,
    })),
    panel(`Functions over the threshold in ${tag ?? '–'} compared with ${compare ?? '–'}`, table('complexity-table', [
      { key: 'location', label: 'Location' },
      { key: 'fn', label: 'Function' },
      { key: 'compareScore', label: `Score (${compare})`, num: true },
      { key: 'score', label: `Score (${tag})`, num: true },
      { key: 'change', label: `Change ${compare} → ${tag}`, num: true, render: (r) => h('span', {}, arrow(r), r.delta ? [' (', signed(r.delta), ')'] : '') },
      { key: 'threshold', label: 'Threshold', num: true },
      { key: 'whitelisted', label: 'Whitelisted' },
      { key: 'status', label: '', render: (r) => (r.status ? h('span', { class: 'badge' }, r.status) : '') },
    ], rowsOut, (r) => r.status || undefined)),
  ];
}

// ---------------------------------------------------------------- defects

const CLOSED = /closed|resolved|fixed|done/i;

async function defects(p, set) {
  const proj = p.project === 'tfm' ? 'tfm' : 'tfa';
  if (proj === 'tfa') {
    // Issue_Status is a field of the tracking points (one series per date): weekly last value per status here.
    const range = await rangeOf(p, 'TFA_Defects', 'TFA_Defects_Tracking', {});
    const track = await api.rows('TFA_Defects', 'TFA_Defects_Tracking', range);
    const stats = await api.rows('TFA_Defects', 'TFA_Defects_Statistics');
    const statuses = [...new Set([...track, ...stats].map((r) => r.fields.Issue_Status).filter((v) => typeof v === 'string'))].sort();
    const status = pick(p.status, statuses, statuses.find((s) => /open/i.test(s)) ?? statuses[0]);
    const lastOfWeek = new Map();
    for (const r of track) if (r.fields.Issue_Status === status) lastOfWeek.set(r.ms - (r.ms % WEEK), r);
    const values = [...lastOfWeek].sort((a, b) => a[0] - b[0]).map(([w, r]) => [w, r.fields.Number_of_Defects ?? null]);
    const selectors = h('div', { class: 'selectors' }, projectSelect(p, set), select('status', 'Status', statuses, status, (v) => set({ status: v })), ...rangeSelectors(p, set));
    if (track.length === 0 && stats.length === 0) return [selectors, empty('defects', 'tfa_defects_tracking and tfa_defects_stats')];
    const latest = new Map();
    for (const r of stats) latest.set(r.tags.Defect_ID, r);
    // The table shows the defects of the chosen status, as the chart does.
    const shown = [...latest.values()].filter((r) => r.fields.Issue_Status === status);
    return [
      selectors,
      panel(`${status ?? ''} defects per week (last value of the week)`, values.length === 0 ? empty('defect counts', 'tfa_defects_tracking') : chart('defects-chart', {
        x: values.map((v) => v[0] / 1000), time: true, zero: true,
        series: [{ label: `${status} defects`, values: values.map((v) => v[1]) }],
        hover: (i) => `week of ${new Date(values[i][0]).toISOString().slice(0, 10)}: ${fmt(values[i][1])} ${status} defects`,
      })),
      panel(`Defects with status ${status} (${shown.length} of ${latest.size})`, stats.length === 0 ? empty('defect details', 'tfa_defects_stats') : table('defects-table', [
        { key: 'id', label: 'Defect', render: (r) => r.tags.Defect_ID },
        { key: 'title', label: 'Title', render: (r) => r.fields.Title },
        { key: 'status', label: 'Status', render: (r) => r.fields.Issue_Status },
        { key: 'measured', label: 'Measured', render: (r) => r.tags.Measured_Date },
        { key: 'url', label: 'Link', render: (r) => h('a', { href: r.fields.URL, target: '_blank', rel: 'noopener' }, r.fields.URL) },
      ], shown)),
    ];
  }
  const range = await rangeOf(p, 'TFM_Defects', 'TFM_Defects_Statistics', {});
  const stats = await api.rows('TFM_Defects', 'TFM_Defects_Statistics', range);
  const statuses = [...new Set(stats.map((r) => r.fields.Status).filter((v) => typeof v === 'string'))].sort();
  const status = pick(p.status, statuses, statuses.find((s) => !CLOSED.test(s)) ?? statuses[0]);
  const selectors = h('div', { class: 'selectors' }, projectSelect(p, set), select('status', 'Status', statuses, status, (v) => set({ status: v })), ...rangeSelectors(p, set));
  if (stats.length === 0) return [selectors, empty('defects', 'tfm_defects_stats')];
  // TF-M sends snapshots: count the defects of each week that have the chosen status.
  const weeks = new Map();
  const week = (ms) => ms - (ms % WEEK);
  for (const r of stats) {
    if (r.fields.Status !== status) continue;
    const w = week(r.ms);
    if (!weeks.has(w)) weeks.set(w, new Set());
    weeks.get(w).add(r.tags.Defect_ID);
  }
  const ws = [...weeks.keys()].sort((a, b) => a - b);
  const latest = new Map();
  for (const r of stats) latest.set(r.tags.Defect_ID, r);
  const shown = [...latest.values()].filter((r) => r.fields.Status === status);
  return [
    selectors,
    panel(`${status} defects per week`, ws.length === 0 ? h('p', { class: 'muted' }, `No ${status} defects.`) : chart('defects-chart', {
      x: ws.map((w) => w / 1000), time: true, zero: true, series: [{ label: `${status} defects`, values: ws.map((w) => weeks.get(w).size) }],
      hover: (i) => `week of ${new Date(ws[i]).toISOString().slice(0, 10)}: ${weeks.get(ws[i]).size} ${status} defects`,
    })),
    panel(`Defects with status ${status} (${shown.length} of ${latest.size})`, table('defects-table', [
      { key: 'id', label: 'Defect', render: (r) => r.tags.Defect_ID },
      { key: 'summary', label: 'Summary', render: (r) => r.fields.Summary },
      { key: 'status', label: 'Status', render: (r) => r.fields.Status },
      { key: 'priority', label: 'Priority', render: (r) => r.fields.Priority },
      { key: 'url', label: 'Link', render: (r) => h('a', { href: r.fields.URL, target: '_blank', rel: 'noopener' }, r.fields.URL) },
    ], shown)),
  ];
}

// ---------------------------------------------------------------- image size (TF-A and TF-M)

const IMAGE_ORDER = ['BL1', 'BL1U', 'BL2', 'BL2U', 'BL31', 'BL32'];

/** `BL31_T` -> ['BL31', 'T']; `tfm_s_t` -> ['tfm_s', 'T']. */
function splitField(name) {
  const i = name.lastIndexOf('_');
  return i <= 0 ? [name, '?'] : [name.slice(0, i), name.slice(i + 1).toUpperCase()];
}

function imageTables(fields) {
  const images = new Map();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v !== 'number') continue;
    const [img, sec] = splitField(k);
    if (!images.has(img)) images.set(img, {});
    images.get(img)[sec] = v;
  }
  return images;
}
const orderImages = (names) => [...names].sort((a, b) => ((IMAGE_ORDER.indexOf(a) + 1 || 99) - (IMAGE_ORDER.indexOf(b) + 1 || 99)) || a.localeCompare(b));

async function imageSize(p, set, kind) {
  const tfa = kind === 'tfa';
  const db = tfa ? 'TFA_ImageSize' : 'TFM_ImageSize';
  const configs = tfa ? await api.measurements(db) : ['TFM_ImageSize_Statistics'];
  const config = pick(p.config, configs, configs[0]);
  const filterKeys = tfa ? ['BinMode'] : ['Target', 'BuildType', 'CmakeConfig', 'Compiler'];
  const where = {};
  const selectors = h('div', { class: 'selectors' });
  if (tfa) selectors.append(select('config', 'Build configuration', configs, config, (v) => set({ config: v, commit: '', compare: '' })));
  for (const k of filterKeys) {
    const values = config ? await api.tagValues(db, k, config, where) : [];
    where[k] = pick(p[k], values, values[0]);
    selectors.append(select(k, k === 'BinMode' ? 'Bin mode' : k, values, where[k], (v) => set({ [k]: v, commit: '', compare: '' })));
  }
  const range = config ? await rangeOf(p, db, config, where) : {};
  const rows = config ? await api.rows(db, config, { where, ...range }) : [];
  selectors.append(...rangeSelectors(p, set));
  if (rows.length === 0) return [selectors, empty('image sizes', tfa ? 'tfa_image_size' : 'tfm_image_size')];
  const list = byCommit(rows);
  const ids = list.map((r) => r.tags.CommitID);
  const metric = tfa ? 'tfa_image_size' : 'tfm_image_size';
  const ctx = await fromCheck(p, set, [metric], ids, (r) => filterKeys.every((k) => r.series[k] === where[k]) && (!tfa || r.series.measurement === config));
  const commit = pick(p.commit, ids, ctx.commit ?? ids.at(-1));
  const compare = pick(p.compare, ids, ctx.compare ?? ids.at(-2) ?? ids.at(-1));
  selectors.append(
    select('commit', 'Commit', commitOptions(list), commit, (v) => set({ commit: v })),
    select('compare', 'Compare with', commitOptions(list), compare, (v) => set({ compare: v })),
    ctx.select);
  const perCommit = list.map((r) => imageTables(r.fields));
  const images = orderImages(new Set(perCommit.flatMap((m) => [...m.keys()])));
  const sections = [...new Set(perCommit.flatMap((m) => [...m.values()].flatMap((s) => Object.keys(s))))].sort();
  const a = perCommit[ids.indexOf(commit)];
  const b = perCommit[ids.indexOf(compare)];
  const total = (m, img) => (m.get(img) ? sum(Object.values(m.get(img))) : null);
  const sectionRows = (fn) => orderImages(new Set([...a.keys(), ...b.keys()])).map((img) => {
    const row = { image: img };
    for (const s of sections) row[s] = fn(img, s);
    row.total = fn(img, null);
    return row;
  });
  const value = (m, img, s) => (s === null ? total(m, img) : m.get(img)?.[s] ?? null);
  const delta = (img, s) => {
    const x = value(a, img, s);
    const y = value(b, img, s);
    return x === null && y === null ? null : (x ?? 0) - (y ?? 0);
  };
  const sectionCols = (render) => [{ key: 'image', label: 'Image' }, ...sections.map((s) => ({ key: s, label: s, num: true, render: render(s) })), { key: 'total', label: 'Total', num: true, render: render('total') }];
  return [
    selectors,
    checkNote(ctx, compare),
    panel('Total size of each image (bytes) across commits', chart('image-chart', {
      x: list.map((_, i) => i), labels: list.map(commitLabel), unit: 'bytes',
      series: images.map((img) => ({ label: img, values: perCommit.map((m) => total(m, img)) })),
      hover: (i) => commitHover(list[i]),
    })),
    panel(`Sections of each image at ${short(commit)} (bytes)`, table('sections-table', sectionCols(() => undefined), sectionRows((img, s) => value(a, img, s)).filter((r) => a.has(r.image)))),
    panel(`Change from ${short(compare)} to ${short(commit)} (bytes)`, table('delta-table', sectionCols((s) => (r) => signed(r[s])), sectionRows(delta))),
  ];
}

// ---------------------------------------------------------------- MISRA

const MISRA_FIELDS = ['TotalDefects', 'MandatoryDefects', 'RequiredDefects', 'AdvisoryDefects'];

async function misra(p, set) {
  const db = 'TFA_MisraDefects';
  const configs = await api.measurements(db);
  const config = pick(p.config, configs, configs[0]);
  const modes = config ? await api.tagValues(db, 'BinMode', config) : [];
  const mode = pick(p.BinMode, modes, modes[0]);
  const selectors = h('div', { class: 'selectors' },
    select('config', 'Build configuration', configs, config, (v) => set({ config: v, commit: '', compare: '' })),
    select('BinMode', 'Bin mode', modes, mode, (v) => set({ BinMode: v, commit: '', compare: '' })));
  const range = config ? await rangeOf(p, db, config, { BinMode: mode }) : {};
  const rows = config ? await api.rows(db, config, { where: { BinMode: mode }, ...range }) : [];
  selectors.append(...rangeSelectors(p, set));
  if (rows.length === 0) return [selectors, empty('MISRA defects', 'tfa_misra_defects')];
  const list = byCommit(rows);
  const ids = list.map((r) => r.tags.CommitID);
  const ctx = await fromCheck(p, set, ['tfa_misra_defects'], ids, (r) => r.series.measurement === config && r.series.BinMode === mode);
  const commit = pick(p.commit, ids, ctx.commit ?? ids.at(-1));
  const compare = pick(p.compare, ids, ctx.compare ?? ids.at(-2) ?? ids.at(-1));
  const big = list.length > 2000;
  selectors.append(
    big ? h('label', {}, 'Commit', h('input', { id: 'commit', value: commit, onchange: (e) => set({ commit: e.target.value }) })) : select('commit', 'Commit', commitOptions(list), commit, (v) => set({ commit: v })),
    big ? h('label', {}, 'Compare with', h('input', { id: 'compare', value: compare, onchange: (e) => set({ compare: e.target.value }) })) : select('compare', 'Compare with', commitOptions(list), compare, (v) => set({ compare: v })),
    ctx.select);
  const a = list[ids.indexOf(commit)];
  const b = list[ids.indexOf(compare)];
  return [
    selectors,
    checkNote(ctx, compare),
    panel('MISRA defects across commits', chart('misra-chart', {
      x: list.map((_, i) => i), labels: list.map(commitLabel), zero: true,
      series: MISRA_FIELDS.map((f) => ({ label: f.replace('Defects', ''), values: list.map((r) => r.fields[f] ?? null) })),
      hover: (i) => `${commitHover(list[i])}\ntotal ${fmt(list[i].fields.TotalDefects)}`,
    })),
    panel(`Difference between ${short(compare)} and ${short(commit)}`, table('misra-diff', [
      { key: 'field', label: 'Defects' },
      { key: 'b', label: short(compare), num: true },
      { key: 'a', label: short(commit), num: true },
      { key: 'delta', label: 'Change', num: true, render: (r) => signed(r.delta) },
    ], MISRA_FIELDS.map((f) => ({ field: f.replace('Defects', ''), a: a.fields[f], b: b.fields[f], delta: (a.fields[f] ?? 0) - (b.fields[f] ?? 0) })))),
  ];
}

// ---------------------------------------------------------------- runtime instrumentation

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

async function rtinstr(p, set) {
  const db = 'TFA_RTINSTR';
  const targets = await api.measurements(db);
  const target = pick(p.target, targets, targets[0]);
  const tcs = target ? await api.tagValues(db, 'TC_Name', target) : [];
  const tc = pick(p.tc, tcs, tcs[0]);
  const kinds = target ? await numericFields(db, target) : [];
  const range = target ? await rangeOf(p, db, target, { TC_Name: tc }) : {};
  const rows = target ? await api.rows(db, target, { where: { TC_Name: tc }, ...range }) : [];
  const present = kinds.filter((k) => rows.some((r) => typeof r.fields[k] === 'number'));
  const kind = pick(p.kind, present, present.find((k) => k.startsWith('Latency')) ?? present[0]);
  const allClusters = [...new Set(rows.map((r) => String(r.tags.Cluster_ID)))].sort((x, y) => Number(x) - Number(y));
  const cluster = pick(p.cluster, allClusters, '');
  const selectors = h('div', { class: 'selectors' },
    select('target', 'Instrumentation target', targets, target, (v) => set({ target: v, tc: '', kind: '', commit: '', compare: '' })),
    select('tc', 'Test case', tcs, tc, (v) => set({ tc: v, kind: '' })),
    select('kind', 'Latency (ns)', present, kind, (v) => set({ kind: v })),
    select('cluster', 'Cores', [['', 'all clusters'], ...allClusters.map((c) => [c, `cluster ${c}`])], cluster, (v) => set({ cluster: v })),
    ...rangeSelectors(p, set));
  const withKind = rows.filter((r) => typeof r.fields[kind] === 'number' && (cluster === '' || String(r.tags.Cluster_ID) === cluster));
  if (withKind.length === 0) return [selectors, empty('runtime instrumentation', 'tfa_rtinstr')];
  const commits = byCommit(withKind);
  const ids = commits.map((r) => r.tags.CommitID);
  // Each commit's samples (one per cluster and core, and per re-run): drawn as their median with the smallest and largest.
  const samples = new Map(ids.map((id) => [id, []]));
  for (const r of withKind) samples.get(r.tags.CommitID).push(r.fields[kind]);
  const stat = ids.map((id) => { const v = samples.get(id); return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length }; });
  const ctx = await fromCheck(p, set, ['tfa_rtinstr'], ids, (r) => r.series.measurement === target && r.series.TC_Name === tc && r.series.field === kind);
  const commit = pick(p.commit, ids, ctx.commit ?? ids.at(-1));
  const compare = pick(p.compare, ids, ctx.compare ?? ids.at(-2) ?? ids.at(-1));
  selectors.append(
    select('commit', 'Commit', commitOptions(commits), commit, (v) => set({ commit: v })),
    select('compare', 'Compare with', commitOptions(commits), compare, (v) => set({ compare: v })),
    ctx.select);
  const clusters = [...new Set(withKind.map((r) => r.tags.Cluster_ID))].sort((x, y) => Number(x) - Number(y));
  // The broker takes each cluster's maximum of the two commits (aggregate=max, grouped by cluster).
  const maxima = async (id) => {
    const groups = await api.series(db, target, { fields: [kind], where: { TC_Name: tc, CommitID: id }, groupBy: 'Cluster_ID', aggregate: 'max', interval: ALL_TIME });
    return new Map(groups.map((g) => [g.tags.Cluster_ID, largest([g])]));
  };
  const [atCommit, atCompare] = await Promise.all([maxima(commit), maxima(compare)]);
  const who = cluster === '' ? 'all cores' : `the cores of cluster ${cluster}`;
  return [
    selectors,
    checkNote(ctx, compare),
    panel(`${kind} across commits: the median of ${who}, with the smallest and largest`, chart('rtinstr-chart', {
      x: commits.map((_, i) => i), labels: commits.map(commitLabel), unit: 'ns', yLabel: 'latency', yFormat: fmtNs,
      series: [
        { label: 'median', values: stat.map((s) => s.median) },
        { label: 'max', values: stat.map((s) => s.max), thin: true, color: '#1f77b4' },
        { label: 'min', values: stat.map((s) => s.min), thin: true, color: '#1f77b4' },
      ],
      bands: [[1, 2]],
      hover: (i) => `${commitHover(commits[i])}\nmedian ${fmtNs(stat[i].median)}, ${fmtNs(stat[i].min)} to ${fmtNs(stat[i].max)} (${stat[i].n} samples)`,
    })),
    panel(`Maximum ${kind} per cluster (ns)`, table('rtinstr-compare', [
      { key: 'cluster', label: 'Cluster' },
      { key: 'b', label: `${short(compare)} (ns)`, num: true },
      { key: 'a', label: `${short(commit)} (ns)`, num: true },
      { key: 'delta', label: 'Change (ns)', num: true, render: (r) => signed(r.delta) },
    ], clusters.map((cl) => {
      const x = atCommit.get(String(cl)) ?? null;
      const y = atCompare.get(String(cl)) ?? null;
      return { cluster: cl, a: x, b: y, delta: x === null || y === null ? null : x - y };
    }))),
  ];
}

export const PAGES = {
  overview: { title: 'Overview', render: overview },
  ...CHECK_PAGES,
  'code-churn': { title: 'Code churn', render: codeChurn },
  complexity: { title: 'Complexity', render: complexity },
  defects: { title: 'Defects', render: defects },
  'image-size': { title: 'TF-A image size', render: (p, set) => imageSize(p, set, 'tfa') },
  'tfm-image-size': { title: 'TF-M image size', render: (p, set) => imageSize(p, set, 'tfm') },
  misra: { title: 'MISRA defects', render: misra },
  rtinstr: { title: 'Runtime instrumentation', render: rtinstr },
};
