// Inline SVG charts: a horizontal bar, a sparkline, and a stacked decision bar.
import { DECISIONS, type Decision } from '../src/protocol/trace';
import { DECISION_LABELS, h, svg } from './dom';

export function bar(value: number, max: number, label: string, cls = ''): SVGElement {
  const w = 80;
  const frac = max > 0 && Number.isFinite(value) ? Math.max(0, Math.min(1, value / max)) : 0;
  const el = svg('svg', { width: w, height: 10, viewBox: `0 0 ${w} 10`, class: `mh-bar-chart ${cls}`, role: 'img', 'aria-label': label });
  el.append(svg('rect', { x: 0, y: 1, width: w, height: 8, rx: 2, class: 'mh-bar-track' }), svg('rect', { x: 0, y: 1, width: Math.max(frac > 0 ? 1 : 0, frac * w), height: 8, rx: 2, class: 'mh-bar-fill' }));
  return el;
}

/** Latency over the run; long series are bucketed to their max so spikes stay visible. */
export function sparkline(values: number[], label: string, width = 120, height = 22): SVGElement {
  const el = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'mh-spark', role: 'img', 'aria-label': label });
  if (values.length < 2) {
    el.append(svg('circle', { cx: width / 2, cy: height / 2, r: 2, class: 'mh-spark-dot' }));
    return el;
  }
  const buckets = Math.min(values.length, width / 2);
  const pts: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * values.length) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / buckets));
    let m = -Infinity;
    for (let i = from; i < to; i++) m = Math.max(m, values[i]);
    pts.push(m);
  }
  const max = Math.max(...pts, 1e-9);
  const coords = pts.map((v, i) => `${((i / (pts.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - (v / max) * (height - 3)).toFixed(1)}`);
  el.append(svg('polyline', { points: coords.join(' '), class: 'mh-spark-line', fill: 'none' }));
  return el;
}

export function decisionBar(counts: Partial<Record<Decision, number>>, width = 240): HTMLElement {
  const total = DECISIONS.reduce((n, d) => n + (counts[d] ?? 0), 0);
  const parts = DECISIONS.filter((d) => (counts[d] ?? 0) > 0);
  const label = parts.map((d) => `${DECISION_LABELS[d]}: ${counts[d]}`).join(', ') || 'no steps';
  const el = svg('svg', { width, height: 12, viewBox: `0 0 ${width} 12`, class: 'mh-decbar', role: 'img', 'aria-label': `Decisions — ${label}` });
  let x = 0;
  for (const d of parts) {
    const w = ((counts[d] ?? 0) / total) * width;
    const rect = svg('rect', { x: x.toFixed(2), y: 0, width: Math.max(1, w).toFixed(2), height: 12, class: `mh-fill-${d}` });
    rect.append(svg('title'));
    rect.firstChild!.textContent = `${DECISION_LABELS[d]}: ${counts[d]}`;
    el.append(rect);
    x += w;
  }
  if (!parts.length) el.append(svg('rect', { x: 0, y: 0, width, height: 12, class: 'mh-bar-track' }));
  const legend = h('ul', { class: 'mh-legend', 'aria-label': 'Decision distribution' });
  for (const d of parts) legend.append(h('li', { 'data-decision': d }, h('span', { class: `mh-swatch mh-bg-${d}`, 'aria-hidden': 'true' }), `${DECISION_LABELS[d]} `, h('strong', null, String(counts[d]))));
  return h('div', { class: 'mh-decdist' }, el as unknown as Node, legend);
}
