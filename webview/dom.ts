// Small DOM helpers. Everything user-provided goes in through textContent, never innerHTML, and
// styles are set through the CSSOM (el.style.x), which a nonce CSP allows.
import type { Decision } from '../src/protocol/trace';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.setAttribute('class', String(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | null)[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.appendChild(c);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export const DECISION_LABELS: Record<Decision, string> = {
  ok: 'OK',
  denied_schema: 'Denied · schema',
  denied_policy: 'Denied · policy',
  denied_guardrail: 'Denied · guardrail',
  dry_run: 'Dry run',
  error: 'Error',
  timeout: 'Timeout',
  cancelled: 'Cancelled',
};

export function decisionBadge(decision: Decision): HTMLElement {
  return h('span', { class: `mh-dec mh-dec-${decision}`, 'data-decision': decision }, DECISION_LABELS[decision] ?? decision);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Offsets from the run's start: compact past a minute (m:ss.s) so a narrow column still reads. */
export function fmtOffset(ms: number): string {
  if (!Number.isFinite(ms) || ms < 60_000) return fmtMs(ms);
  const m = Math.floor(ms / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

/** Thousands with commas; toLocaleString is ~50× slower and this runs for every visible cell. */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const r = Math.round(n);
  if (r > -1000 && r < 1000) return String(r);
  return String(r).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fmtCost(usd: number): string {
  if (!Number.isFinite(usd)) return '–';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

export function fmtPct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%` : '–';
}

export function fmtTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Pretty JSON for display, cut at `max` characters so a huge output cannot stall the page. */
export function prettyJson(value: unknown, max = 200_000): { text: string; truncated: boolean; full: string } {
  let full: string;
  try {
    full = typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    full = String(value);
  }
  return full.length > max ? { text: full.slice(0, max), truncated: true, full } : { text: full, truncated: false, full };
}
