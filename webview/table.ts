// The step table: a grid that renders only the rows in view (plus a small overscan), so 10 000
// steps cost the same DOM as 30. Rows are pooled and repositioned; keyboard selection follows
// the WAI-ARIA grid pattern with aria-activedescendant on the scrolling body.
import type { StepRecord } from '../src/protocol/trace';
import { DECISION_LABELS, clear, fmtCost, fmtInt, fmtMs, fmtOffset, h } from './dom';

export interface Row {
  step: StepRecord;
  depth: number;
  /** ms from the run's start. */
  offsetMs: number;
  /** Position in trace order, 1-based, shown as #. */
  seq: number;
}

export type SortKey = 'seq' | 'offset' | 'server' | 'tool' | 'role' | 'decision' | 'latency' | 'tokens_in' | 'tokens_out' | 'cost' | 'flags';
export interface SortState {
  key: SortKey;
  dir: 'asc' | 'desc';
}

interface Column {
  key: SortKey;
  label: string;
  title: string;
  numeric?: boolean;
  text(r: Row): string;
}

function flags(s: StepRecord): string {
  const f: string[] = [];
  if (s.reused) f.push('♻');
  if (s.findings.length) f.push(`⚑${s.findings.length}`);
  if (s.is_error || s.error) f.push('!');
  if (s.kind === 'code') f.push('{}');
  return f.join(' ');
}

export const COLUMNS: Column[] = [
  { key: 'seq', label: '#', title: 'Order in the trace', numeric: true, text: (r) => String(r.seq) },
  { key: 'offset', label: 'Start', title: 'Start, from the beginning of the run', numeric: true, text: (r) => `+${fmtOffset(r.offsetMs)}` },
  { key: 'server', label: 'Server', title: 'Server', text: (r) => r.step.server || '—' },
  { key: 'tool', label: 'Tool', title: 'Tool (child steps of code steps are indented)', text: (r) => (r.depth ? '↳ ' : '') + r.step.tool },
  { key: 'role', label: 'Role', title: 'Role and kind', text: (r) => (r.step.kind === 'code' ? 'code' : r.step.role) },
  { key: 'decision', label: 'Decision', title: 'What the guards decided', text: (r) => DECISION_LABELS[r.step.decision] ?? r.step.decision },
  { key: 'latency', label: 'Latency', title: 'Latency', numeric: true, text: (r) => fmtMs(r.step.latency_ms) },
  { key: 'tokens_in', label: 'Tok in', title: 'Tokens in', numeric: true, text: (r) => fmtInt(r.step.tokens_in) },
  { key: 'tokens_out', label: 'Tok out', title: 'Tokens out', numeric: true, text: (r) => fmtInt(r.step.tokens_out) },
  { key: 'cost', label: 'Cost', title: 'Estimated cost (USD)', numeric: true, text: (r) => fmtCost(r.step.cost_est) },
  { key: 'flags', label: 'Flags', title: '♻ reused from cache, ⚑ findings, ! error, {} code step', text: (r) => flags(r.step) },
];

const SORT_VALUE: Record<SortKey, (r: Row) => number | string> = {
  seq: (r) => r.seq,
  offset: (r) => r.offsetMs,
  server: (r) => r.step.server,
  tool: (r) => r.step.tool,
  role: (r) => r.step.role,
  decision: (r) => r.step.decision,
  latency: (r) => r.step.latency_ms,
  tokens_in: (r) => r.step.tokens_in,
  tokens_out: (r) => r.step.tokens_out,
  cost: (r) => r.step.cost_est,
  flags: (r) => flags(r.step),
};

export function sortRows(rows: Row[], sort: SortState): Row[] {
  if (sort.key === 'seq' && sort.dir === 'asc') return rows;
  const get = SORT_VALUE[sort.key] ?? SORT_VALUE.seq;
  const dir = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = get(a), vb = get(b);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c !== 0 ? c * dir : a.seq - b.seq;
  });
}

export const ROW_HEIGHT = 26;
const OVERSCAN = 6;

export interface StepTableEvents {
  onSelect(stepId: string): void;
  onOpen(stepId: string): void;
  onSort(sort: SortState): void;
  onScroll(): void;
}

export class StepTable {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly headerCells = new Map<SortKey, HTMLElement>();
  private readonly empty: HTMLElement;
  private pool: HTMLElement[] = [];
  private rows: Row[] = [];
  private indexById = new Map<string, number>();
  private selectedId: string | undefined;
  private sort: SortState = { key: 'seq', dir: 'asc' };
  private frame = 0;

  constructor(private readonly events: StepTableEvents) {
    const header = h('div', { class: 'mh-grid-row mh-grid-head', role: 'row', 'aria-rowindex': 1 });
    for (const [i, c] of COLUMNS.entries()) {
      const btn = h('button', { class: 'mh-sort', type: 'button', title: `Sort by ${c.title.toLowerCase()}`, tabindex: -1 }, c.label, h('span', { class: 'mh-sort-icon', 'aria-hidden': 'true' }));
      btn.addEventListener('click', () => this.toggleSort(c.key));
      const cell = h('div', { class: `mh-cell${c.numeric ? ' mh-num' : ''}`, role: 'columnheader', 'aria-colindex': i + 1, 'aria-sort': 'none' }, btn);
      this.headerCells.set(c.key, cell);
      header.appendChild(cell);
    }
    this.spacer = h('div', { class: 'mh-grid-spacer', role: 'presentation' });
    this.empty = h('div', { class: 'mh-grid-empty', role: 'status' });
    this.body = h('div', { class: 'mh-grid-body', tabindex: 0, role: 'rowgroup', 'aria-label': 'Steps' }, this.spacer, this.empty);
    this.el = h('div', { class: 'mh-grid', role: 'grid', 'aria-label': 'Steps of the run', 'aria-colcount': COLUMNS.length, 'aria-multiselectable': 'false' }, h('div', { role: 'rowgroup', class: 'mh-grid-headgroup' }, header), this.body);
    this.body.addEventListener('scroll', () => {
      this.schedule();
      this.events.onScroll();
    });
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.mh-grid-row');
      const id = row?.dataset.stepId;
      if (id) {
        this.body.focus({ preventScroll: true });
        this.events.onSelect(id);
      }
    });
    this.body.addEventListener('dblclick', (e) => {
      const id = (e.target as HTMLElement).closest<HTMLElement>('.mh-grid-row')?.dataset.stepId;
      if (id) this.events.onOpen(id);
    });
    new ResizeObserver(() => this.schedule()).observe(this.body);
  }

  get scrollTop(): number {
    return this.body.scrollTop;
  }
  set scrollTop(v: number) {
    this.body.scrollTop = v;
    this.render();
  }

  setSort(sort: SortState): void {
    this.sort = sort;
    for (const [key, cell] of this.headerCells) {
      cell.setAttribute('aria-sort', key === sort.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
      const icon = cell.querySelector('.mh-sort-icon');
      if (icon) icon.textContent = key === sort.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '';
    }
  }

  private toggleSort(key: SortKey): void {
    const dir = this.sort.key === key && this.sort.dir === 'asc' ? 'desc' : 'asc';
    this.events.onSort({ key, dir });
  }

  setRows(rows: Row[], selectedId: string | undefined, emptyText: string): void {
    this.rows = rows;
    this.indexById = new Map(rows.map((r, i) => [r.step.step_id, i]));
    this.selectedId = selectedId;
    this.el.setAttribute('aria-rowcount', String(rows.length + 1));
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.empty.textContent = rows.length ? '' : emptyText;
    this.empty.hidden = rows.length > 0;
    this.render();
  }

  select(stepId: string | undefined, reveal: boolean): void {
    this.selectedId = stepId;
    if (reveal && stepId !== undefined) this.reveal(stepId);
    this.render();
  }

  focus(): void {
    this.body.focus();
  }

  private reveal(stepId: string): void {
    const i = this.indexById.get(stepId);
    if (i === undefined) return;
    const top = i * ROW_HEIGHT;
    const view = this.body.clientHeight;
    if (top < this.body.scrollTop) this.body.scrollTop = top;
    else if (top + ROW_HEIGHT > this.body.scrollTop + view) this.body.scrollTop = top + ROW_HEIGHT - view;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Number of row elements in the DOM (what the virtualisation keeps small). */
  get renderedRowCount(): number {
    return this.pool.filter((r) => !r.hidden).length;
  }

  render(): void {
    const viewH = this.body.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((this.body.scrollTop + viewH) / ROW_HEIGHT) + OVERSCAN);
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) {
      const row = h('div', { class: 'mh-grid-row', role: 'row' });
      for (const [i, c] of COLUMNS.entries()) row.appendChild(h('div', { class: `mh-cell${c.numeric ? ' mh-num' : ''} mh-col-${c.key}`, role: 'gridcell', 'aria-colindex': i + 1 }));
      this.body.appendChild(row);
      this.pool.push(row);
    }
    let activeId = '';
    for (let p = 0; p < this.pool.length; p++) {
      const el = this.pool[p];
      const index = first + p;
      if (p >= needed) {
        el.hidden = true;
        el.removeAttribute('id');
        continue;
      }
      const r = this.rows[index];
      el.hidden = false;
      el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      el.dataset.stepId = r.step.step_id;
      el.dataset.decision = r.step.decision;
      el.id = `mh-row-${index}`;
      el.setAttribute('aria-rowindex', String(index + 2));
      const selected = r.step.step_id === this.selectedId;
      el.setAttribute('aria-selected', String(selected));
      el.classList.toggle('mh-selected', selected);
      el.classList.toggle('mh-child', r.depth > 0);
      if (selected) activeId = el.id;
      const cells = el.children;
      for (let c = 0; c < COLUMNS.length; c++) {
        const cell = cells[c] as HTMLElement;
        const col = COLUMNS[c];
        if (col.key === 'decision') {
          clear(cell);
          // The pill shrinks with an ellipsis in a narrow column; the whole label stays in the tooltip.
          const label = col.text(r);
          cell.title = label;
          cell.appendChild(h('span', { class: `mh-dec mh-dec-${r.step.decision}`, 'data-decision': r.step.decision }, h('span', { class: 'mh-dec-text' }, label)));
        } else {
          cell.textContent = col.text(r);
          if (col.key === 'tool') {
            cell.style.paddingLeft = `${6 + r.depth * 14}px`;
            cell.title = `${r.step.server ? r.step.server + '/' : ''}${r.step.tool}`;
          }
        }
      }
    }
    if (activeId) this.body.setAttribute('aria-activedescendant', activeId);
    else this.body.removeAttribute('aria-activedescendant');
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.rows.length) return;
    const current = this.selectedId !== undefined ? this.indexById.get(this.selectedId) : undefined;
    const page = Math.max(1, Math.floor(this.body.clientHeight / ROW_HEIGHT) - 1);
    let next: number | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = current === undefined ? 0 : Math.min(this.rows.length - 1, current + 1);
        break;
      case 'ArrowUp':
        next = current === undefined ? 0 : Math.max(0, current - 1);
        break;
      case 'PageDown':
        next = Math.min(this.rows.length - 1, (current ?? 0) + page);
        break;
      case 'PageUp':
        next = Math.max(0, (current ?? 0) - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.rows.length - 1;
        break;
      case 'Enter':
      case ' ':
        if (current !== undefined) {
          e.preventDefault();
          this.events.onOpen(this.rows[current].step.step_id);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    const id = this.rows[next].step.step_id;
    this.selectedId = id;
    this.reveal(id);
    this.events.onSelect(id);
  }
}
