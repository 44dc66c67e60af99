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

/**
 * Draws a uPlot chart into a new element with id `id`.
 * x: numbers (indices for categories, or seconds for time); labels: x tick text per index (categories);
 * series: [{ label, values }]; hover(i): text shown at point i. The data is exposed on the element
 * (data-chart JSON, data-points, data-render-ms) so tests can read what is drawn.
 */
export function chart(id, { x, labels, series, bars = false, time = false, hover, height = 280 }) {
  const el = h('div', { id, class: 'chart' });
  const tip = h('div', { class: 'tooltip', hidden: true });
  el.append(tip);
  const points = x.length * series.length;
  el.dataset.points = String(points);
  el.dataset.chart = JSON.stringify(points <= 5000
    ? { labels: labels ?? x, series: series.map((s) => ({ label: s.label, values: s.values })) }
    : { summary: true, points, series: series.map((s) => ({ label: s.label, first: s.values[0], last: s.values.at(-1) })) });
  const draw = () => {
    const t0 = performance.now();
    const opts = {
      width: Math.max(320, el.clientWidth || 900),
      height,
      scales: { x: { time } },
      legend: { show: true },
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      axes: [
        labels ? { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), space: 60 } : {},
        { size: 70, values: (_u, splits) => splits.map((v) => fmt(v)) },
      ],
      series: [
        { label: labels ? 'commit / tag' : 'time', value: (_u, v) => (v === null || v === undefined ? '' : labels ? (labels[v] ?? '') : new Date(v * 1000).toISOString().slice(0, 16)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          fill: bars ? `${PALETTE[i % PALETTE.length]}99` : undefined,
          width: bars ? 1 : 1.5,
          points: { show: !bars && x.length < 300 },
          paths: bars ? uPlot.paths.bars({ size: [0.6 / Math.max(1, series.length), 80], align: 0 }) : undefined,
          value: (_u, v) => fmt(v),
        })),
      ],
      hooks: {
        // uPlot paints after construction: the first draw hook closes the measurement.
        draw: [() => {
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
    return new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  };
  // Drawn once the element is in the page, so it knows its width.
  queueMicrotask(() => (el.isConnected ? draw() : requestAnimationFrame(draw)));
  return el;
}
