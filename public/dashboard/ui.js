// Small DOM helpers: elements, selectors, tables, empty states and uPlot charts with hover text.

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** A labelled <select id=...>; options are strings or [value, label]; calls onChange(value). */
export function select(id, label, options, value, onChange) {
  const s = h('select', { id, name: id }, options.map((o) => {
    const [v, l] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, l);
  }));
  s.addEventListener('change', () => onChange(s.value));
  return h('label', {}, label, s);
}

/** A table; columns: [{ key, label, num?, render?(row) }]; rows get optional class from rowClass(row). */
export function table(id, columns, data, rowClass = () => undefined) {
  return h('table', { id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : undefined }, c.label)))),
    h('tbody', {}, data.map((r) => h('tr', { class: rowClass(r) }, columns.map((c) => {
      const v = c.render ? c.render(r) : r[c.key];
      return h('td', { class: c.num ? 'num' : undefined, 'data-col': c.key }, v instanceof Node ? v : fmt(v));
    })))));
}

export function fmt(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return String(v);
}

export function signed(v) {
  if (v === undefined || v === null) return '';
  return h('span', { class: v > 0 ? 'pos' : v < 0 ? 'neg' : undefined }, `${v > 0 ? '+' : ''}${fmt(v)}`);
}

/** An empty state naming what to push. */
export function empty(what, metric) {
  return h('div', { class: 'empty', 'data-empty': metric },
    `No ${what} yet. Push `, h('code', {}, metric), ' payloads to POST /api/v1/metrics (or run ', h('code', {}, 'npx qmb demo-data'), ') to see them here.');
}

export function panel(title, ...children) {
  return h('div', { class: 'panel' }, title ? h('h3', {}, title) : null, ...children);
}

export const shortDate = (ms) => new Date(ms).toISOString().slice(0, 10);

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A commit hash as git shortens it (7 characters); release tags and other names as they are. */
export const shortRev = (rev) => (/^[0-9a-f]{8,64}$/i.test(String(rev ?? '')) ? String(rev).slice(0, 7) : String(rev ?? ''));

/** Nanoseconds in the unit that reads best: 980 ns, 128.7 µs, 1.25 ms. */
export function fmtNs(v) {
  if (v === undefined || v === null) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${fmt(Math.round(v / 1e4) / 100)} ms`;
  if (a >= 1e3) return `${fmt(Math.round(v / 1e2) / 10)} µs`;
  return `${fmt(v)} ns`;
}

/**
 * Draws a uPlot chart into a new element with id `id`.
 * x: numbers (indices for categories, or seconds for time); labels: x tick text per index (categories;
 * a "\n" breaks a label into two lines); series: [{ label, values, color?, marker?, thin? }] (a marker
 * is drawn as points only, e.g. a check's base and head); bands: [[upper, lower]] indexes into series,
 * filled between (a spread); zero: the y axis starts at 0 (bars do); unit: what the values are in;
 * yLabel (default: unit) and yFormat: the y axis' label and tick text. hover(i): text shown at
 * point i. What is drawn is exposed on the element (data-chart JSON, data-points, data-render-ms,
 * data-y-min, data-y-ticks, data-y-unit) so that tests can read it.
 */
export function chart(id, { x, labels, series, bars = false, time = false, hover, height = 280, zero = bars, unit, yLabel = unit, yFormat = fmt, bands = [] }) {
  const el = h('div', { id, class: 'chart' });
  const tip = h('div', { class: 'tooltip', hidden: true });
  el.append(tip);
  const points = x.length * series.length;
  el.dataset.points = String(points);
  if (unit) el.dataset.yUnit = unit;
  el.dataset.chart = JSON.stringify(points <= 5000
    ? { labels: labels ?? x, series: series.map((s) => ({ label: s.label, values: s.values })) }
    : { summary: true, points, series: series.map((s) => ({ label: s.label, first: s.values[0], last: s.values.at(-1) })) });
  const draw = () => {
    const t0 = performance.now();
    const color = (s, i) => s.color ?? PALETTE[i % PALETTE.length];
    const opts = {
      width: Math.max(320, el.clientWidth || 900),
      height,
      scales: { x: { time }, y: {} },
      legend: { show: true },
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      axes: [
        labels ? { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), space: 70, size: labels.some((l) => String(l).includes('\n')) ? 56 : 40 } : {},
        {
          size: 80,
          label: yLabel,
          values: (_u, splits) => {
            const text = splits.map((v) => yFormat(v));
            el.dataset.yTicks = JSON.stringify(text);
            return text;
          },
        },
      ],
      series: [
        { label: labels ? 'commit / tag' : 'time', value: (_u, v) => (v === null || v === undefined ? '' : labels ? String(labels[v] ?? '').replace('\n', ' ') : new Date(v * 1000).toISOString().slice(0, 16)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: color(s, i),
          fill: bars ? `${color(s, i)}99` : undefined,
          width: bars ? 1 : s.thin ? 1 : 1.5,
          dash: s.thin ? [4, 4] : undefined,
          points: s.marker ? { show: true, size: 12, width: 2, fill: '#fff' } : { show: !bars && !s.thin && x.length < 300 },
          paths: s.marker ? () => null : bars ? uPlot.paths.bars({ size: [0.6 / Math.max(1, series.length), 80], align: 0 }) : undefined,
          value: (_u, v) => yFormat(v),
        })),
      ],
      bands: bands.map(([upper, lower]) => ({ series: [upper + 1, lower + 1], fill: `${color(series[upper], upper)}22` })),
      hooks: {
        // uPlot paints after construction: the first draw hook closes the measurement.
        draw: [(u) => {
          el.dataset.yMin = String(u.scales.y.min);
          el.dataset.yMax = String(u.scales.y.max);
          if (el.dataset.rendered) return;
          el.dataset.renderMs = (performance.now() - t0).toFixed(1);
          el.dataset.rendered = 'true';
        }],
        setCursor: [(u) => {
          const i = u.cursor.idx;
          if (i === null || i === undefined || u.cursor.left < 0) {
            tip.hidden = true;
            return;
          }
          const text = hover ? hover(i) : labels ? labels[i] : '';
          tip.textContent = text;
          el.dataset.hover = text;
          tip.hidden = false;
          tip.style.left = `${Math.min(u.cursor.left + 60, (u.width || 600) - 260)}px`;
          tip.style.top = `${Math.max(0, u.cursor.top - 10)}px`;
        }],
      },
    };
    if (bars) opts.scales.x.range = (_u, min, max) => [min - 0.5, max + 0.5];
    // Bars and counts are read by their height: their axis starts at 0, not at the smallest value.
    if (zero) opts.scales.y.range = (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1];
    return new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  };
  // Drawn once the element is in the page, so it knows its width.
  queueMicrotask(() => (el.isConnected ? draw() : requestAnimationFrame(draw)));
  return el;
}

// ---------------------------------------------------------------- time range

/** The time-range presets: how far back from the newest point of the page's data. */
export const RANGES = [['', 'All'], ['1m', 'Last month'], ['3m', 'Last 3 months'], ['6m', 'Last 6 months'], ['1y', 'Last year']];
const MONTHS = { '1m': 1, '3m': 3, '6m': 6, '1y': 12 };
const DAY_MS = 86400000;
const isDate = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v ?? '');

/**
 * The range a page reads, from its `range`, `from` and `to` selectors: a preset counts back from the
 * newest point (newestMs, which the page asks the broker for), so a history that stopped last year
 * still shows its last months; `from`/`to` dates (inclusive) override it. Answers the read API's
 * `from` and `to` parameters (undefined: unbounded).
 */
export function timeRange(p, newestMs) {
  const range = { from: undefined, to: undefined };
  if (isDate(p.from) || isDate(p.to)) {
    if (isDate(p.from)) range.from = `${p.from}T00:00:00Z`;
    if (isDate(p.to)) range.to = new Date(Date.parse(`${p.to}T00:00:00Z`) + DAY_MS).toISOString();
    return range;
  }
  const months = MONTHS[p.range];
  if (!months || newestMs === undefined) return range;
  const d = new Date(newestMs);
  d.setUTCMonth(d.getUTCMonth() - months);
  range.from = d.toISOString();
  return range;
}

/** The selectors of a time range: a preset, or from/to dates; a change renders the page again. */
export function rangeSelectors(p, set) {
  const date = (id, label) => h('label', {}, label, h('input', { id, name: id, type: 'date', value: isDate(p[id]) ? p[id] : '', onchange: (e) => set({ [id]: e.target.value, range: '' }) }));
  const value = isDate(p.from) || isDate(p.to) ? '' : (MONTHS[p.range] ? p.range : '');
  return [h('div', { class: 'range' }, select('range', 'Time range', RANGES, value, (v) => set({ range: v, from: '', to: '' })), date('from', 'From'), date('to', 'To'))];
}
