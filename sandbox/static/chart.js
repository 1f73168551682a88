// A readable SVG rendering of the VChart specs Lark cards carry (bar, line, area, pie, funnel). It draws
// what a reader needs (axes, values, legend), not VChart's full styling. Every label goes in with
// textContent, so card data cannot inject markup.

const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#3370ff', '#34c724', '#ff8800', '#7f3bf5', '#f54a45', '#14c0ff', '#ffc60a', '#9a6b3d', '#00b2b2', '#e34bb3'];

function svg(tag, attrs, parent) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (parent) parent.appendChild(n);
  return n;
}

function label(parent, x, y, text, attrs) {
  const t = svg('text', { x, y, 'font-size': 11, fill: '#646a73', ...attrs }, parent);
  t.textContent = String(text);
  return t;
}

const field = (f) => (Array.isArray(f) ? f[0] : f);
const num = (v) => { const n = Number(v); return Number.isFinite(n) ? n : 0; };
const fmt = (n) => (Math.abs(n) >= 10000 ? (n / 10000).toFixed(1).replace(/\.0$/, '') + '万' : String(Math.round(n * 100) / 100));

// chartValues finds the rows in either data shape VChart accepts.
export function chartValues(spec) {
  const d = spec && spec.data;
  if (Array.isArray(d)) return (d[0] && Array.isArray(d[0].values)) ? d[0].values : [];
  return d && Array.isArray(d.values) ? d.values : [];
}

function uniq(list) { return [...new Set(list)]; }

function niceMax(max) {
  if (max <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function legend(root, names, x, y) {
  let cx = x;
  names.forEach((n, i) => {
    svg('rect', { x: cx, y: y - 9, width: 10, height: 10, rx: 2, fill: PALETTE[i % PALETTE.length] }, root);
    const t = label(root, cx + 14, y, n, { fill: '#1f2329' });
    cx += 24 + String(n).length * 12;
    t.setAttribute('class', 'legend');
  });
}

// axisChart draws bar, line and area charts over categorical x values.
function axisChart(root, spec, rows, W, H, kind) {
  const horizontal = kind === 'bar' && spec.direction === 'horizontal';
  const catF = field(horizontal ? spec.yField : spec.xField);
  const valF = field(horizontal ? spec.xField : spec.yField);
  const serF = field(spec.seriesField);
  const cats = uniq(rows.map((r) => String(r[catF])));
  const series = serF ? uniq(rows.map((r) => String(r[serF]))) : [''];
  const value = (c, s) => rows.filter((r) => String(r[catF]) === c && (!serF || String(r[serF]) === s))
    .reduce((a, r) => a + num(r[valF]), 0);
  const max = niceMax(Math.max(0, ...cats.flatMap((c) => series.map((s) => value(c, s)))));
  const top = serF ? 34 : 16;
  const left = horizontal ? 80 : 44, right = 16, bottom = 30;
  const pw = W - left - right, ph = H - top - bottom;
  if (serF) legend(root, series, left, 16);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    if (horizontal) {
      const x = left + (pw * i) / 4;
      svg('line', { x1: x, y1: top, x2: x, y2: top + ph, stroke: '#e5e6eb' }, root);
      label(root, x, top + ph + 16, fmt(v), { 'text-anchor': 'middle' });
    } else {
      const y = top + ph - (ph * i) / 4;
      svg('line', { x1: left, y1: y, x2: left + pw, y2: y, stroke: '#e5e6eb' }, root);
      label(root, left - 6, y + 4, fmt(v), { 'text-anchor': 'end' });
    }
  }
  const band = (horizontal ? ph : pw) / Math.max(cats.length, 1);
  cats.forEach((c, ci) => {
    const mid = (horizontal ? top : left) + band * ci + band / 2;
    if (horizontal) label(root, left - 6, mid + 4, c, { 'text-anchor': 'end', fill: '#1f2329' });
    else label(root, mid, top + ph + 18, c, { 'text-anchor': 'middle', fill: '#1f2329' });
  });
  if (kind === 'bar') {
    const bw = Math.min(36, (band * 0.7) / series.length);
    cats.forEach((c, ci) => series.forEach((s, si) => {
      const v = value(c, s);
      const len = (v / max) * (horizontal ? pw : ph);
      const off = (horizontal ? top : left) + band * ci + (band - bw * series.length) / 2 + bw * si;
      const color = PALETTE[si % PALETTE.length];
      if (horizontal) {
        svg('rect', { x: left, y: off, width: Math.max(len, 0), height: bw - 2, rx: 2, fill: color }, root);
        label(root, left + len + 4, off + bw / 2 + 3, fmt(v), { fill: '#1f2329' });
      } else {
        svg('rect', { x: off, y: top + ph - len, width: bw - 2, height: Math.max(len, 0), rx: 2, fill: color }, root);
        label(root, off + bw / 2 - 1, top + ph - len - 4, fmt(v), { 'text-anchor': 'middle', fill: '#1f2329' });
      }
    }));
    return;
  }
  series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = cats.map((c, ci) => [left + band * ci + band / 2, top + ph - (value(c, s) / max) * ph, value(c, s)]);
    if (kind === 'area' && pts.length) {
      const d = `M${pts[0][0]},${top + ph} ` + pts.map((p) => `L${p[0]},${p[1]}`).join(' ') + ` L${pts[pts.length - 1][0]},${top + ph} Z`;
      svg('path', { d, fill: color, 'fill-opacity': 0.15 }, root);
    }
    svg('polyline', { points: pts.map((p) => `${p[0]},${p[1]}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }, root);
    pts.forEach((p) => {
      svg('circle', { cx: p[0], cy: p[1], r: 3, fill: '#fff', stroke: color, 'stroke-width': 2 }, root);
      label(root, p[0], p[1] - 7, fmt(p[2]), { 'text-anchor': 'middle', fill: '#1f2329' });
    });
  });
}

function pieChart(root, spec, rows, W, H) {
  const catF = field(spec.categoryField || spec.seriesField), valF = field(spec.valueField || spec.angleField);
  const items = rows.map((r) => [String(r[catF]), num(r[valF])]).filter((x) => x[1] > 0);
  const total = items.reduce((a, x) => a + x[1], 0) || 1;
  const r = Math.min(H - 24, W / 2) / 2, cx = r + 16, cy = H / 2;
  const inner = spec.innerRadius ? r * Math.min(num(spec.innerRadius), 0.9) : 0;
  let a0 = -Math.PI / 2;
  items.forEach(([name, v], i) => {
    const a1 = a0 + (v / total) * Math.PI * 2;
    const color = PALETTE[i % PALETTE.length];
    if (items.length === 1) {
      svg('circle', { cx, cy, r, fill: color }, root);
    } else {
      const large = a1 - a0 > Math.PI ? 1 : 0;
      const p = (a, rad) => `${cx + rad * Math.cos(a)},${cy + rad * Math.sin(a)}`;
      svg('path', { d: `M${cx},${cy} L${p(a0, r)} A${r},${r} 0 ${large} 1 ${p(a1, r)} Z`, fill: color, stroke: '#fff', 'stroke-width': 1 }, root);
    }
    const y = 24 + i * 20;
    svg('rect', { x: cx + r + 24, y: y - 9, width: 10, height: 10, rx: 2, fill: color }, root);
    label(root, cx + r + 40, y, `${name}  ${fmt(v)} (${Math.round((v / total) * 100)}%)`, { fill: '#1f2329' });
    a0 = a1;
  });
  if (inner) svg('circle', { cx, cy, r: inner, fill: '#fff' }, root);
}

function funnelChart(root, spec, rows, W, H) {
  const catF = field(spec.categoryField || spec.xField), valF = field(spec.valueField || spec.yField);
  const items = rows.map((r) => [String(r[catF]), num(r[valF])]);
  const max = Math.max(1, ...items.map((x) => x[1]));
  const step = (H - 16) / Math.max(items.length, 1), mid = W / 2 - 60, maxW = W - 200;
  items.forEach(([name, v], i) => {
    const w = Math.max((v / max) * maxW, 4), y = 8 + i * step;
    svg('rect', { x: mid - w / 2, y, width: w, height: step - 4, rx: 3, fill: PALETTE[i % PALETTE.length] }, root);
    label(root, mid + maxW / 2 + 12, y + step / 2 + 2, `${name}  ${fmt(v)}`, { fill: '#1f2329' });
    if (i > 0 && items[i - 1][1] > 0) {
      label(root, mid + maxW / 2 + 12, y + step / 2 + 16, `${Math.round((v / items[i - 1][1]) * 100)}%`, { 'font-size': 10 });
    }
  });
}

const KINDS = { bar: axisChart, line: axisChart, area: axisChart, pie: pieChart, funnel: funnelChart };

// renderChart returns an SVG element for the spec, or null when the chart type is not one it draws.
export function renderChart(spec, width) {
  const kind = spec && spec.type;
  const draw = KINDS[kind];
  if (!draw) return null;
  const W = width || 520;
  const H = kind === 'funnel' ? Math.max(160, chartValues(spec).length * 40) : 240;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-chart': kind });
  const title = spec.title && (spec.title.text || spec.title.content);
  if (title) svg('title', {}, root).textContent = String(title);
  draw(root, spec, chartValues(spec), W, H, kind);
  return root;
}
