// The waterfall: one lane per step (children nested under their code step) on a shared time
// axis. Virtualised vertically like the table; zoom (ctrl+wheel, +/−, buttons) and pan (drag,
// wheel, arrows) change the visible time window.
import { DECISION_LABELS, append, clear, fmtInt, fmtMs, h } from './dom';
import type { Row } from './table';

export const LANE_HEIGHT = 18;
const OVERSCAN = 8;
const MIN_SPAN_MS = 0.5;

export interface TimelineView {
  start: number;
  end: number;
}

export interface TimelineEvents {
  onSelect(stepId: string): void;
  onOpen(stepId: string): void;
  onViewChange(): void;
}

function niceStep(span: number, targetTicks: number): number {
  const raw = span / Math.max(1, targetTicks);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

export class Timeline {
  readonly el: HTMLElement;
  private readonly axis: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly zoomLabel: HTMLElement;
  private pool: HTMLElement[] = [];
  private rows: Row[] = [];
  private indexById = new Map<string, number>();
  private selectedId: string | undefined;
  private total = 1;
  view: TimelineView = { start: 0, end: 1 };
  private frame = 0;
  private drag: { x: number; start: number; end: number; moved: boolean } | undefined;

  constructor(private readonly events: TimelineEvents) {
    const btn = (label: string, title: string, run: () => void): HTMLElement => {
      const b = h('vscode-button', { secondary: true, title, 'aria-label': title, class: 'mh-tl-btn' }, label);
      b.addEventListener('click', run);
      return b;
    };
    this.zoomLabel = h('span', { class: 'mh-tl-zoom', 'aria-live': 'polite' });
    const toolbar = h(
      'div',
      { class: 'mh-tl-toolbar', role: 'toolbar', 'aria-label': 'Timeline zoom' },
      h('span', { class: 'mh-section-title', id: 'mh-tl-title' }, 'Timeline'),
      btn('−', 'Zoom out (−)', () => this.zoom(2)),
      btn('+', 'Zoom in (+)', () => this.zoom(0.5)),
      btn('Fit', 'Show the whole run (0)', () => this.fit()),
      this.zoomLabel,
      h('span', { class: 'mh-hint' }, 'Ctrl+wheel to zoom, drag or ←/→ to pan, ↑/↓ to move'),
    );
    this.axis = h('div', { class: 'mh-tl-axis', 'aria-hidden': 'true' });
    this.spacer = h('div', { class: 'mh-tl-spacer', role: 'presentation' });
    this.viewport = h('div', { class: 'mh-tl-viewport', tabindex: 0, role: 'listbox', 'aria-labelledby': 'mh-tl-title', 'aria-describedby': 'mh-tl-help' }, this.spacer);
    this.tooltip = h('div', { class: 'mh-tooltip', role: 'tooltip', id: 'mh-tl-tooltip' });
    this.tooltip.hidden = true;
    this.el = h(
      'section',
      { class: 'mh-timeline', 'aria-label': 'Timeline' },
      toolbar,
      this.axis,
      this.viewport,
      h('span', { id: 'mh-tl-help', class: 'mh-visually-hidden' }, 'Up and down arrows select steps, left and right pan, plus and minus zoom, 0 fits the run, Enter opens the step.'),
      this.tooltip,
    );
    this.viewport.addEventListener('scroll', () => {
      this.schedule();
      this.events.onViewChange();
    });
    this.viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.viewport.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.drag = { x: e.clientX, start: this.view.start, end: this.view.end, moved: false };
    });
    this.viewport.addEventListener('pointermove', (e) => {
      if (this.drag && (e.buttons & 1)) {
        const dx = e.clientX - this.drag.x;
        if (Math.abs(dx) > 3) {
          this.drag.moved = true;
          const msPerPx = (this.drag.end - this.drag.start) / this.trackWidth();
          this.setView(this.drag.start - dx * msPerPx, this.drag.end - dx * msPerPx);
        }
        return;
      }
      this.hover(e);
    });
    this.viewport.addEventListener('pointerup', (e) => {
      const moved = this.drag?.moved;
      this.drag = undefined;
      if (moved) return;
      const id = (e.target as HTMLElement).closest<HTMLElement>('.mh-lane')?.dataset.stepId;
      if (id) {
        this.viewport.focus({ preventScroll: true });
        this.events.onSelect(id);
      }
    });
    this.viewport.addEventListener('dblclick', (e) => {
      const id = (e.target as HTMLElement).closest<HTMLElement>('.mh-lane')?.dataset.stepId;
      if (id) this.events.onOpen(id);
    });
    this.viewport.addEventListener('pointerleave', () => (this.tooltip.hidden = true));
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  get scrollTop(): number {
    return this.viewport.scrollTop;
  }
  set scrollTop(v: number) {
    this.viewport.scrollTop = v;
  }

  focus(): void {
    this.viewport.focus();
  }

  /** Rows in hierarchy order; `totalMs` is the run's span. Keeps the view unless it is unset. */
  setRows(rows: Row[], totalMs: number, selectedId: string | undefined, view?: TimelineView): void {
    const wasFit = this.view.start <= 0 && this.view.end >= this.total;
    this.rows = rows;
    this.indexById = new Map(rows.map((r, i) => [r.step.step_id, i]));
    this.selectedId = selectedId;
    this.total = Math.max(totalMs, 1);
    this.spacer.style.height = `${rows.length * LANE_HEIGHT}px`;
    if (view) this.view = { ...view };
    // A fitted view keeps fitting while steps stream in; a zoomed one stays where the user put it.
    else if (wasFit) this.view = { start: 0, end: this.total };
    this.clampView();
    this.render();
  }

  select(stepId: string | undefined, reveal: boolean): void {
    this.selectedId = stepId;
    if (reveal && stepId) {
      const i = this.indexById.get(stepId);
      if (i !== undefined) {
        const top = i * LANE_HEIGHT;
        const vh = this.viewport.clientHeight;
        if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
        else if (top + LANE_HEIGHT > this.viewport.scrollTop + vh) this.viewport.scrollTop = top + LANE_HEIGHT - vh;
        const r = this.rows[i];
        const end = r.offsetMs + r.step.latency_ms;
        if (end < this.view.start || r.offsetMs > this.view.end) {
          const span = this.view.end - this.view.start;
          this.setView(r.offsetMs - span / 4, r.offsetMs + (span * 3) / 4);
        }
      }
    }
    this.render();
  }

  fit(): void {
    this.setView(0, this.total);
  }

  zoom(factor: number, anchorMs?: number): void {
    const span = this.view.end - this.view.start;
    const anchor = anchorMs ?? this.view.start + span / 2;
    const next = Math.min(this.total * 1.05, Math.max(MIN_SPAN_MS, span * factor));
    const ratio = (anchor - this.view.start) / span;
    this.setView(anchor - ratio * next, anchor - ratio * next + next);
  }

  private setView(start: number, end: number): void {
    this.view = { start, end };
    this.clampView();
    this.schedule();
    this.events.onViewChange();
  }

  private clampView(): void {
    let { start, end } = this.view;
    const span = Math.min(Math.max(end - start, MIN_SPAN_MS), this.total);
    if (start < 0) start = 0;
    if (start + span > this.total) start = Math.max(0, this.total - span);
    this.view = { start, end: start + span };
  }

  private trackWidth(): number {
    return Math.max(50, this.viewport.clientWidth - this.labelWidth());
  }

  private labelWidth(): number {
    return Math.min(200, Math.max(110, this.viewport.clientWidth * 0.22));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    const labelW = this.labelWidth();
    const trackW = this.trackWidth();
    const span = this.view.end - this.view.start;
    const x = (ms: number): number => ((ms - this.view.start) / span) * trackW;
    const zoom = this.total / span;
    this.zoomLabel.textContent = `${fmtMs(this.view.start)} – ${fmtMs(this.view.end)}${zoom > 1.01 ? ` (×${zoom < 10 ? zoom.toFixed(1) : Math.round(zoom)})` : ''}`;
    // Axis ticks.
    clear(this.axis);
    const step = niceStep(span, Math.max(2, Math.floor(trackW / 90)));
    for (let t = Math.ceil(this.view.start / step) * step; t <= this.view.end; t += step) {
      const tick = h('span', { class: 'mh-tick' }, fmtMs(t));
      tick.style.left = `${labelW + x(t)}px`;
      this.axis.appendChild(tick);
    }
    const viewH = this.viewport.clientHeight || 200;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / LANE_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((this.viewport.scrollTop + viewH) / LANE_HEIGHT) + OVERSCAN);
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) {
      const lane = h('div', { class: 'mh-lane', role: 'option' }, h('span', { class: 'mh-lane-label' }), h('span', { class: 'mh-bar' }));
      this.viewport.appendChild(lane);
      this.pool.push(lane);
    }
    let active = '';
    for (let p = 0; p < this.pool.length; p++) {
      const lane = this.pool[p];
      if (p >= needed) {
        lane.hidden = true;
        lane.removeAttribute('id');
        continue;
      }
      const index = first + p;
      const r = this.rows[index];
      lane.hidden = false;
      lane.id = `mh-lane-${index}`;
      lane.style.transform = `translateY(${index * LANE_HEIGHT}px)`;
      lane.dataset.stepId = r.step.step_id;
      lane.dataset.decision = r.step.decision;
      const selected = r.step.step_id === this.selectedId;
      lane.classList.toggle('mh-selected', selected);
      lane.setAttribute('aria-selected', String(selected));
      lane.setAttribute('aria-label', `${r.step.tool}, ${DECISION_LABELS[r.step.decision]}, starts at ${fmtMs(r.offsetMs)}, takes ${fmtMs(r.step.latency_ms)}`);
      if (selected) active = lane.id;
      const label = lane.firstChild as HTMLElement;
      label.textContent = (r.depth ? '↳ ' : '') + r.step.tool;
      label.style.width = `${labelW}px`;
      label.style.paddingLeft = `${4 + r.depth * 12}px`;
      const bar = lane.lastChild as HTMLElement;
      bar.className = `mh-bar mh-bg-${r.step.decision}`;
      const left = x(r.offsetMs);
      const width = Math.max(2, (r.step.latency_ms / span) * trackW);
      const clippedLeft = Math.max(-2, left);
      bar.style.left = `${labelW + clippedLeft}px`;
      bar.style.width = `${Math.max(0, Math.min(width - (clippedLeft - left), trackW - clippedLeft))}px`;
      bar.hidden = left > trackW || left + width < 0;
    }
    if (active) this.viewport.setAttribute('aria-activedescendant', active);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private hover(e: PointerEvent): void {
    const lane = (e.target as HTMLElement).closest<HTMLElement>('.mh-lane');
    const i = lane?.dataset.stepId ? this.indexById.get(lane.dataset.stepId) : undefined;
    if (i === undefined) {
      this.tooltip.hidden = true;
      return;
    }
    const r = this.rows[i];
    const s = r.step;
    clear(this.tooltip);
    append(this.tooltip, [
      h('strong', null, `${s.server ? s.server + '/' : ''}${s.tool}`),
      h('div', null, `${DECISION_LABELS[s.decision]} · ${fmtMs(s.latency_ms)} · starts +${fmtMs(r.offsetMs)}`),
      h('div', null, `tokens ${fmtInt(s.tokens_in)} in / ${fmtInt(s.tokens_out)} out${s.reused ? ' · reused' : ''}${s.findings.length ? ` · ${s.findings.length} finding(s)` : ''}`),
      s.reasons.length ? h('div', { class: 'mh-tooltip-reason' }, s.reasons[0]) : null,
    ]);
    this.tooltip.hidden = false;
    const box = this.el.getBoundingClientRect();
    const tx = Math.min(e.clientX - box.left + 12, box.width - 280);
    this.tooltip.style.left = `${Math.max(0, tx)}px`;
    this.tooltip.style.top = `${e.clientY - box.top + 14}px`;
  }

  private onWheel(e: WheelEvent): void {
    const span = this.view.end - this.view.start;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      const rect = this.viewport.getBoundingClientRect();
      const px = e.clientX - rect.left - this.labelWidth();
      const anchor = this.view.start + (Math.max(0, px) / this.trackWidth()) * span;
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, anchor);
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      const d = (e.shiftKey ? e.deltaY : e.deltaX) / this.trackWidth();
      this.setView(this.view.start + d * span, this.view.end + d * span);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const span = this.view.end - this.view.start;
    const current = this.selectedId !== undefined ? this.indexById.get(this.selectedId) : undefined;
    switch (e.key) {
      case 'ArrowLeft':
        this.setView(this.view.start - span * 0.1, this.view.end - span * 0.1);
        break;
      case 'ArrowRight':
        this.setView(this.view.start + span * 0.1, this.view.end + span * 0.1);
        break;
      case '+':
      case '=':
        this.zoom(0.5);
        break;
      case '-':
      case '_':
        this.zoom(2);
        break;
      case '0':
        this.fit();
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!this.rows.length) return;
        const next = current === undefined ? 0 : Math.max(0, Math.min(this.rows.length - 1, current + (e.key === 'ArrowDown' ? 1 : -1)));
        this.events.onSelect(this.rows[next].step.step_id);
        break;
      }
      case 'Enter':
        if (this.selectedId) this.events.onOpen(this.selectedId);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
