// The explorer's filter bar: decision, server and tool pickers, the text search, Clear, and the count of
// rows shown. It owns the filters and decides which steps match them; the app recomputes its rows on change.
import type { TraceRun } from '../src/core/report/model';
import { DECISIONS, type StepRecord } from '../src/protocol/trace';
import { DECISION_LABELS, clear, h } from './dom';

export interface Filters {
  decision: string;
  server: string;
  tool: string;
  text: string;
}

/** The "every value" choice of a picker. */
export const ALL = '';

type Picker = HTMLElement & { value: string };

const NO_FILTERS: Filters = { decision: ALL, server: ALL, tool: ALL, text: '' };

export class FilterBar {
  readonly el = h('div', { class: 'mh-filters', role: 'search', 'aria-label': 'Filter steps' });
  private readonly count = h('span', { class: 'mh-count', 'aria-live': 'polite' });
  private filters: Filters = { ...NO_FILTERS };
  private readonly searchText = new WeakMap<StepRecord, string>();
  private readonly decisionSelect: Picker;
  private readonly serverSelect: Picker;
  private readonly toolSelect: Picker;
  private readonly textField: Picker;
  private optionKeys = '';

  /** `onChange` runs after the user changed a filter; the pickers offer the values of `currentRun`'s steps. */
  constructor(private readonly currentRun: () => TraceRun | undefined, onChange: () => void) {
    const mk = (label: string, key: keyof Filters): Picker => {
      const s = h('vscode-single-select', { class: `mh-filter mh-filter-${key}`, 'aria-label': label }) as Picker;
      s.addEventListener('change', () => {
        this.filters[key] = s.value;
        onChange();
      });
      return s;
    };
    this.decisionSelect = mk('Filter by decision', 'decision');
    this.serverSelect = mk('Filter by server', 'server');
    this.toolSelect = mk('Filter by tool', 'tool');
    this.textField = h('vscode-textfield', { class: 'mh-filter-text', placeholder: 'Search tool, reason, finding, step id…', 'aria-label': 'Search steps' }) as Picker;
    let timer: ReturnType<typeof setTimeout> | undefined;
    this.textField.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.filters.text = this.textField.value.trim();
        onChange();
      }, 120);
    });
    const clearBtn = h('vscode-button', { secondary: true, class: 'mh-clear-filters', title: 'Clear all filters' }, 'Clear');
    clearBtn.addEventListener('click', () => {
      this.reset();
      this.fillOptions(true);
      onChange();
    });
    this.el.append(this.decisionSelect, this.serverSelect, this.toolSelect, this.textField, clearBtn, this.count);
  }

  /** A copy of the current filters (what the persisted state keeps). */
  get current(): Filters {
    return { ...this.filters };
  }

  /** Filters restored from the persisted state. */
  restore(filters: Partial<Filters> | undefined): void {
    this.filters = { decision: filters?.decision ?? ALL, server: filters?.server ?? ALL, tool: filters?.tool ?? ALL, text: filters?.text ?? '' };
    this.textField.value = this.filters.text;
  }

  /** No filters (another run was picked, or Clear). */
  reset(): void {
    this.filters = { ...NO_FILTERS };
    this.textField.value = '';
  }

  setCount(text: string): void {
    this.count.textContent = text;
  }

  matches(s: StepRecord): boolean {
    const f = this.filters;
    if (f.decision) {
      if (f.decision === 'denied') {
        if (!s.decision.startsWith('denied_')) return false;
      } else if (s.decision !== f.decision) return false;
    }
    if (f.server && s.server !== f.server) return false;
    if (f.tool && s.tool !== f.tool) return false;
    if (f.text) {
      let hay = this.searchText.get(s);
      if (hay === undefined) {
        hay = [s.step_id, s.server, s.tool, s.decision, DECISION_LABELS[s.decision], s.role, s.channel, s.error ?? '', ...s.reasons, ...s.findings.map((x) => `${x.kind} ${x.path ?? ''}`), ...s.stages.map((st) => st.rule ?? '')].join('\n').toLowerCase();
        this.searchText.set(s, hay);
      }
      if (!hay.includes(f.text.toLowerCase())) return false;
    }
    return true;
  }

  /** The pickers' choices: the decisions, servers and tools of the run; refilled only when they change. */
  fillOptions(force: boolean): void {
    const run = this.currentRun();
    const steps = run?.steps ?? [];
    const decisions = DECISIONS.filter((d) => steps.some((s) => s.decision === d));
    const servers = [...new Set(steps.map((s) => s.server).filter(Boolean))].sort();
    const tools = [...new Set(steps.map((s) => s.tool))].sort();
    const key = JSON.stringify([run?.id, decisions, servers, tools, this.filters]);
    if (!force && key === this.optionKeys) return;
    this.optionKeys = key;
    const fill = (sel: Picker, allLabel: string, values: { value: string; label: string }[], current: string): void => {
      clear(sel);
      sel.append(h('vscode-option', { value: ALL, ...(current === ALL ? { selected: true } : {}) }, allLabel));
      for (const v of values) sel.append(h('vscode-option', { value: v.value, ...(v.value === current ? { selected: true } : {}) }, v.label));
    };
    const decisionOptions: { value: string; label: string }[] = decisions.map((d) => ({ value: d, label: DECISION_LABELS[d] }));
    if (decisions.filter((d) => d.startsWith('denied_')).length > 1) decisionOptions.splice(1, 0, { value: 'denied', label: 'Denied · any' });
    fill(this.decisionSelect, 'All decisions', decisionOptions, this.filters.decision);
    fill(this.serverSelect, 'All servers', servers.map((s) => ({ value: s, label: s })), this.filters.server);
    fill(this.toolSelect, 'All tools', tools.map((t) => ({ value: t, label: t })), this.filters.tool);
  }
}
