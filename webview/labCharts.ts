// The Lab tab's charts, inline SVG: the score of each suite (bar length = score, label = score × weight)
// and the latency distribution of one benchmark level (one bar per power-of-two bucket).
import { svg } from './dom';

export interface SuiteBar {
  suite: string;
  score: number;
  weight: number;
  ran: boolean;
}

const ROW = 22;
const LABEL_W = 110;

function text(x: number, y: number, value: string, cls = 'mh-lab-text'): SVGElement {
  const t = svg('text', { x, y, class: cls });
  t.textContent = value;
  return t;
}

/** One horizontal bar per suite, 0–100; a skipped suite shows a hatched empty track. */
export function scoreBreakdown(suites: SuiteBar[], width = 460): SVGElement {
  const barW = width - LABEL_W - 90;
  const el = svg('svg', { width, height: suites.length * ROW + 4, viewBox: `0 0 ${width} ${suites.length * ROW + 4}`, class: 'mh-lab-breakdown', role: 'img', 'aria-label': `Score by suite: ${suites.map((s) => `${s.suite} ${s.ran ? s.score : 'skipped'}`).join(', ')}` });
  suites.forEach((s, i) => {
    const y = i * ROW;
    const g = svg('g', { 'data-suite': s.suite, class: s.ran ? 'mh-lab-ran' : 'mh-lab-skipped' });
    g.append(text(0, y + 15, s.suite), svg('rect', { x: LABEL_W, y: y + 4, width: barW, height: 14, rx: 2, class: 'mh-bar-track' }));
    if (s.ran) g.append(svg('rect', { x: LABEL_W, y: y + 4, width: Math.max(1, (s.score / 100) * barW).toFixed(1), height: 14, rx: 2, class: `mh-lab-fill mh-lab-${band(s.score)}` }));
    g.append(text(LABEL_W + barW + 6, y + 15, s.ran ? `${s.score} × ${s.weight}` : 'skipped'));
    el.append(g);
  });
  return el;
}

/** A column chart of [upper bound ms, count] buckets. */
export function latencyHistogram(buckets: [number, number][], label: string, width = 460, height = 140): SVGElement {
  const el = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'mh-lab-histogram', role: 'img', 'aria-label': label });
  if (!buckets.length) {
    el.append(text(0, 20, 'no calls were measured'));
    return el;
  }
  const max = Math.max(...buckets.map(([, c]) => c), 1);
  const plotH = height - 34;
  const colW = Math.min(48, (width - 8) / buckets.length);
  buckets.forEach(([ms, count], i) => {
    const h = Math.max(1, (count / max) * plotH);
    const x = 4 + i * colW;
    const rect = svg('rect', { x: x.toFixed(1), y: (plotH - h + 14).toFixed(1), width: Math.max(2, colW - 4).toFixed(1), height: h.toFixed(1), class: 'mh-bar-fill', 'data-bucket-ms': ms, 'data-count': count });
    const title = svg('title');
    title.textContent = `≤ ${ms} ms: ${count} call(s)`;
    rect.append(title);
    el.append(rect, text(x, height - 4, ms < 1 ? `${ms}` : `${Math.round(ms)}`, 'mh-lab-axis'), text(x, plotH - h + 11, String(count), 'mh-lab-axis'));
  });
  return el;
}

export function band(score: number): 'good' | 'fair' | 'poor' {
  return score >= 75 ? 'good' : score >= 50 ? 'fair' : 'poor';
}
