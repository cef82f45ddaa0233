// The trace explorer: header, timeline, filterable step table, detail pane and metrics for the
// selected run. Fed either by the host (init / live messages) or by a report's embedded data.
import { appendSteps, isLogRecord, orderedSteps, runDurationMs, runStartMs, sortRuns, type TraceRun } from '../src/core/report/model';
import type { BadLine, HostCapabilities, HostToWebview, WebviewChannel, WebviewPersistedState } from '../src/protocol/messages';
import type { StepRecord } from '../src/protocol/trace';
import { AgentPane } from './agentViews';
import { StepDetail } from './detail';
import { append, clear, fmtInt, h } from './dom';
import { FilterBar } from './filterBar';
import { LabView } from './labView';
import { MetricsView } from './metricsView';
import { RunHeader } from './runHeader';
import { StepTable, sortRows, type Row, type SortState } from './table';
import { Timeline } from './timeline';

export interface AppOptions {
  channel?: WebviewChannel;
  state: { get(): WebviewPersistedState | undefined; set(s: WebviewPersistedState): void };
  /** A report page: no host, the theme toggle is shown. */
  standalone: boolean;
  title?: string;
  setTheme?(theme: 'light' | 'dark'): void;
  currentTheme?(): 'light' | 'dark';
}

/** The tabs, in the order of their headers. */
const TABS = ['explorer', 'metrics', 'lab'] as const;
type Tab = (typeof TABS)[number];

export class App {
  private runs: TraceRun[] = [];
  private runId: string | undefined;
  private selectedId: string | undefined;
  private sort: SortState = { key: 'seq', dir: 'asc' };
  private tab: Tab = 'explorer';
  private badLines: BadLine[] = [];
  private capabilities: HostCapabilities = {};
  private rows: Row[] = [];
  private treeRows: Row[] = [];
  /** Date.parse of each step's start, once: live appends recompute the rows on every batch. */
  private startedMs = new WeakMap<StepRecord, number>();
  private pendingRender = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private restoredScroll: { table?: number; timeline?: number; view?: { start: number; end: number } } | undefined;

  private readonly header: RunHeader;
  private readonly banner = h('div', { class: 'mh-banner', role: 'alert' });
  private readonly notice = h('div', { class: 'mh-notice', role: 'status', 'aria-live': 'polite' });
  private readonly filterBar = new FilterBar(
    () => this.current(),
    () => {
      this.recompute();
      this.save();
    },
  );
  private readonly table: StepTable;
  private readonly timeline: Timeline;
  private readonly detail: StepDetail;
  private readonly metrics: MetricsView;
  private readonly lab: LabView;
  private readonly agent = new AgentPane({ onSelectStep: (id) => this.select(id, 'timeline'), onPickRun: (id, stepId) => this.pickRun(id, stepId) });
  private readonly tabs: HTMLElement;
  private readonly main: HTMLElement;

  constructor(root: HTMLElement, private readonly opts: AppOptions) {
    this.header = new RunHeader(opts, { pickRun: (id) => this.pickRun(id), notify: (message, level) => this.showNotice(message, level), save: () => this.save() });
    this.table = new StepTable({
      onSelect: (id) => this.select(id, 'table'),
      onOpen: (id) => this.open(id),
      onSort: (sort) => {
        this.sort = sort;
        this.recompute();
        this.save();
      },
      onScroll: () => this.save(),
    });
    this.timeline = new Timeline({
      onSelect: (id) => this.select(id, 'timeline'),
      onOpen: (id) => this.open(id),
      onViewChange: () => this.save(),
    });
    this.detail = new StepDetail({
      onSelect: (id) => this.select(id, 'detail'),
      onCopy: (text, what) => void this.copy(text, what),
      canOpenResource: () => !!opts.channel && !!this.capabilities.openResource,
      onOpenResource: (server, uri) => opts.channel?.post({ type: 'openResource', server, uri }),
    });
    this.metrics = new MetricsView((id) => this.pickRun(id));
    this.lab = new LabView({
      save: (key) => {
        if (!opts.channel || !this.capabilities.saveLabReport) return Promise.reject(new Error('This window cannot save report cards.'));
        return opts.channel.request('saveLabReport', { key });
      },
      notify: (message, level) => this.showNotice(message, level),
    });
    const explorer = h('div', { class: 'mh-explorer' }, this.agent.el, this.timeline.el, this.filterBar.el, h('div', { class: 'mh-split' }, this.table.el, this.detail.el));
    this.tabs = h(
      'vscode-tabs',
      { class: 'mh-tabs', 'selected-index': 0 },
      // vscode-tabs gives headers and panels their ids and aria links itself.
      h('vscode-tab-header', { slot: 'header', class: 'mh-tab-explorer' }, 'Steps & timeline'),
      h('vscode-tab-panel', null, explorer),
      h('vscode-tab-header', { slot: 'header', class: 'mh-tab-metrics' }, 'Metrics'),
      h('vscode-tab-panel', null, this.metrics.el),
      h('vscode-tab-header', { slot: 'header', class: 'mh-tab-lab' }, 'Lab'),
      h('vscode-tab-panel', null, this.lab.el),
    );
    this.tabs.addEventListener('vsc-tabs-select', (e) => {
      this.tab = TABS[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex] ?? 'explorer';
      this.renderAll();
      this.save();
    });
    this.main = h('main', { class: 'mh-main', 'aria-label': 'Trace explorer' }, this.tabs);
    this.banner.hidden = true;
    this.notice.hidden = true;
    clear(root);
    root.classList.add('mh-app');
    root.append(this.header.el, this.banner, this.notice, this.main);
    this.renderHeader();
    this.restore(opts.state.get());
    // The explorer fills what the header leaves of the window; the header's height varies.
    const fit = (): void => {
      const used = this.header.el.offsetHeight + (this.banner.hidden ? 0 : this.banner.offsetHeight + 6) + (this.notice.hidden ? 0 : this.notice.offsetHeight + 6);
      root.style.setProperty('--mh-explorer-h', `${Math.max(360, window.innerHeight - used - 48)}px`);
    };
    const ro = new ResizeObserver(fit);
    for (const el of [this.header.el, this.banner, this.notice]) ro.observe(el);
    window.addEventListener('resize', fit);
  }

  // ---- inputs ----------------------------------------------------------------------------

  handle(msg: Exclude<HostToWebview, { type: 'reply' }>): void {
    switch (msg.type) {
      case 'init':
        this.runs = sortRuns(msg.runs.map((r) => ({ ...r, steps: [...r.steps] })));
        this.badLines = msg.badLines ?? [];
        this.capabilities = msg.capabilities ?? {};
        this.runId = (msg.selectedRunId && this.runs.some((r) => r.id === msg.selectedRunId) ? msg.selectedRunId : undefined) ?? (this.runId && this.runs.some((r) => r.id === this.runId) ? this.runId : this.runs[0]?.id);
        if (msg.selectedStepId) this.selectedId = msg.selectedStepId;
        this.lab.setResults(msg.labResults ?? []);
        this.renderAll(true);
        if (msg.tab) this.showTab(msg.tab);
        break;
      case 'labResult':
        this.lab.add(msg.result);
        if (msg.reveal) this.showTab('lab');
        break;
      case 'runStarted': {
        const existing = this.runs.find((r) => r.id === msg.run.id);
        if (existing) {
          existing.header ??= msg.run.header;
          appendSteps(existing, msg.run.steps);
        } else this.runs = sortRuns([...this.runs, { ...msg.run, steps: [...msg.run.steps] }]);
        // Follow a new run unless the user is looking at another one that has not just ended.
        const cur = this.current();
        if (!cur || cur.end) {
          this.runId = msg.run.id;
          this.selectedId = undefined;
        }
        this.scheduleRender(true);
        break;
      }
      case 'appendSteps': {
        let run = this.runs.find((r) => r.id === msg.sessionId);
        if (!run) {
          run = { id: msg.sessionId, steps: [] };
          this.runs = sortRuns([...this.runs, run]);
          this.runId ??= run.id;
        }
        if (appendSteps(run, msg.steps) && run.id === this.runId) this.scheduleRender(false);
        else this.scheduleHeaderOnly();
        break;
      }
      case 'runEnded': {
        const run = this.runs.find((r) => r.id === msg.end.session_id);
        if (run) {
          run.end = msg.end;
          this.scheduleRender(false);
        }
        break;
      }
      case 'removeRun':
        this.runs = this.runs.filter((r) => r.id !== msg.sessionId);
        if (this.runId === msg.sessionId) {
          this.runId = this.runs[0]?.id;
          this.selectedId = undefined;
        }
        this.renderAll(true);
        break;
      case 'selectRun':
        this.pickRun(msg.sessionId, msg.stepId);
        break;
      case 'theme':
        // VS Code swaps its CSS variables itself; nothing to redraw but the charts' cached sizes.
        this.scheduleRender(false);
        break;
      case 'notice':
        this.showNotice(msg.message, msg.level);
        break;
    }
  }

  /** Counts the virtualisation keeps small; read by tests and the benchmark. */
  get stats(): { tableRows: number; totalRows: number } {
    return { tableRows: this.table.renderedRowCount, totalRows: this.rows.length };
  }

  // ---- state -----------------------------------------------------------------------------

  private current(): TraceRun | undefined {
    return this.runs.find((r) => r.id === this.runId);
  }

  private restore(state: WebviewPersistedState | undefined): void {
    if (!state || state.v !== 1) return;
    this.runId = state.selectedRunId;
    this.selectedId = state.selectedStepId;
    this.filterBar.restore(state.filters);
    if (state.sort) this.sort = state.sort as SortState;
    if (state.tab === 'metrics' || state.tab === 'lab') this.showTab(state.tab);
    this.restoredScroll = { table: state.tableScrollTop, timeline: state.timelineScrollTop, view: state.timelineView };
  }

  private showTab(tab: Tab): void {
    this.tab = tab;
    this.tabs.setAttribute('selected-index', String(TABS.indexOf(tab)));
    this.save();
  }

  private save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.opts.state.set({
        v: 1,
        selectedRunId: this.runId,
        selectedStepId: this.selectedId,
        tab: this.tab,
        filters: this.filterBar.current,
        sort: this.sort,
        tableScrollTop: this.table.scrollTop,
        timelineScrollTop: this.timeline.scrollTop,
        timelineView: { ...this.timeline.view },
        ...(this.opts.currentTheme ? { theme: this.opts.currentTheme() } : {}),
      });
    }, 150);
  }

  private select(id: string, from: 'table' | 'timeline' | 'detail'): void {
    this.selectedId = id;
    this.table.select(id, from !== 'table' || true);
    this.timeline.select(id, true);
    const run = this.current();
    this.detail.show(run?.steps.find((s) => s.step_id === id), run?.steps ?? []);
    this.agent.render(run, this.runs, id);
    if (run) this.opts.channel?.post({ type: 'selectStep', sessionId: run.id, stepId: id });
    this.save();
  }

  private open(id: string): void {
    if (this.selectedId !== id) this.select(id, 'table');
    this.detail.focus();
  }

  private pickRun(id: string, stepId?: string): void {
    if (!this.runs.some((r) => r.id === id)) return;
    if (id !== this.runId) {
      this.runId = id;
      this.selectedId = stepId;
      this.filterBar.reset();
      this.opts.channel?.post({ type: 'selectRun', sessionId: id });
      this.renderAll(true);
    } else if (stepId) this.select(stepId, 'detail');
    this.save();
  }

  // ---- derived rows ----------------------------------------------------------------------

  private recompute(): void {
    const run = this.current();
    if (!run) {
      this.rows = [];
      this.treeRows = [];
    } else {
      const start = runStartMs(run);
      const ordered = orderedSteps(run.steps);
      const seqOf = new Map(run.steps.map((s, i) => [s.step_id, i + 1]));
      // A child matching the filter keeps its parent visible, so nesting still reads right.
      const keep = new Set<string>();
      for (const { step } of ordered) {
        if (this.filterBar.matches(step)) {
          keep.add(step.step_id);
          if (step.parent_id) keep.add(step.parent_id);
        }
      }
      this.treeRows = [];
      for (const { step, depth } of ordered) {
        if (!keep.has(step.step_id)) continue;
        let t = this.startedMs.get(step);
        if (t === undefined) {
          t = Date.parse(step.started_at);
          this.startedMs.set(step, t);
        }
        this.treeRows.push({ step, depth, seq: seqOf.get(step.step_id) ?? 0, offsetMs: Number.isFinite(t) ? Math.max(0, t - start) : 0 });
      }
      this.rows = sortRows(this.treeRows, this.sort);
    }
    const run2 = this.current();
    const total = run2 ? runDurationMs(run2) : 0;
    const maxEnd = this.treeRows.reduce((m, r) => Math.max(m, r.offsetMs + r.step.latency_ms), 0);
    this.table.setSort(this.sort);
    this.table.setRows(this.rows, this.selectedId, run2 && run2.steps.length ? 'No step matches the filters. Clear them to see every step.' : run2 ? 'This run has no steps yet.' : 'No run loaded.');
    const view = this.restoredScroll?.view;
    this.timeline.setRows(this.treeRows, Math.max(total, maxEnd), this.selectedId, view);
    const n = run2?.steps.length ?? 0;
    // The servers' log records are rows of the table but not steps of the run.
    const logs = run2 ? run2.steps.filter(isLogRecord).length : 0;
    const what = logs ? `${fmtInt(n - logs)} steps + ${fmtInt(logs)} logs` : `${fmtInt(n)} steps`;
    this.filterBar.setCount(this.rows.length === n ? what : `${fmtInt(this.rows.length)} of ${what}`);
  }

  // ---- rendering -------------------------------------------------------------------------

  private scheduleRender(options: boolean): void {
    if (options) this.optionsDirty = true;
    if (this.pendingRender) return;
    this.pendingRender = requestAnimationFrame(() => {
      this.pendingRender = 0;
      const opts = this.optionsDirty;
      this.optionsDirty = false;
      this.renderAll(opts);
    });
  }
  private optionsDirty = false;

  private scheduleHeaderOnly(): void {
    this.scheduleRender(false);
  }

  renderAll(resetOptions = false): void {
    this.renderHeader();
    this.renderBanner();
    this.filterBar.fillOptions(resetOptions);
    this.recompute();
    const run = this.current();
    if (this.selectedId && !run?.steps.some((s) => s.step_id === this.selectedId)) this.selectedId = undefined;
    this.detail.show(run?.steps.find((s) => s.step_id === this.selectedId), run?.steps ?? []);
    this.agent.render(run, this.runs, this.selectedId);
    if (this.restoredScroll) {
      const r = this.restoredScroll;
      this.restoredScroll = undefined;
      if (r.table !== undefined) this.table.scrollTop = r.table;
      if (r.timeline !== undefined) this.timeline.scrollTop = r.timeline;
    } else if (this.selectedId) {
      this.table.select(this.selectedId, false);
    }
    if (this.tab === 'metrics') this.metrics.render(run, this.runs);
    if (!this.painted && run && this.rows.length) {
      this.painted = true;
      // Marks the first frame with the table and the timeline drawn (read by the benchmark).
      requestAnimationFrame(() => performance.mark('mh-first-paint'));
    }
  }
  private painted = false;

  private renderHeader(): void {
    this.header.render(this.current(), this.runs, this.capabilities);
  }

  markInitialised(): void {
    this.header.markInitialised();
  }

  private renderBanner(): void {
    clear(this.banner);
    if (!this.badLines.length) {
      this.banner.hidden = true;
      return;
    }
    this.banner.hidden = false;
    const shown = this.badLines.slice(0, 5);
    append(this.banner, [
      h('strong', null, `${this.badLines.length} line${this.badLines.length === 1 ? '' : 's'} of the trace could not be read; the rest is shown.`),
      h('ul', null, ...shown.map((b) => h('li', null, `${b.source ? (b.source.split(/[\\/]/).pop() ?? b.source) + ':' : 'line '}${b.line}: ${b.message}`))),
      this.badLines.length > shown.length ? h('span', null, `…and ${this.badLines.length - shown.length} more.`) : null,
    ]);
  }

  private showNotice(message: string, level: 'info' | 'warning' | 'error'): void {
    this.notice.hidden = false;
    this.notice.className = `mh-notice mh-notice-${level}`;
    this.notice.textContent = message;
    setTimeout(() => {
      if (this.notice.textContent === message) this.notice.hidden = true;
    }, 6000);
  }

  private async copy(text: string, what: string): Promise<void> {
    if (this.opts.channel) {
      this.opts.channel.post({ type: 'copy', text, what });
      this.showNotice(`Copied the ${what}.`, 'info');
      return;
    }
    try {
      await navigator.clipboard.writeText(text);
      this.showNotice(`Copied the ${what}.`, 'info');
    } catch {
      this.showNotice(`The browser did not allow copying; select the ${what} text and copy it by hand.`, 'warning');
    }
  }
}
