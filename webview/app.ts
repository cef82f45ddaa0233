// The trace explorer: header, timeline, filterable step table, detail pane and metrics for the
// selected run. Fed either by the host (init / live messages) or by a report's embedded data.
import { appendSteps, orderedSteps, runDurationMs, runName, runStartMs, runStatus, sortRuns, type TraceRun } from '../src/core/report/model';
import { sessionMetrics } from '../src/core/report/metrics';
import type { BadLine, HostCapabilities, HostToWebview, ReportFormat, WebviewChannel, WebviewPersistedState } from '../src/protocol/messages';
import { DECISIONS, type StepRecord } from '../src/protocol/trace';
import { AgentPane } from './agentViews';
import { decisionBar } from './charts';
import { StepDetail } from './detail';
import { DECISION_LABELS, append, clear, fmtCost, fmtInt, fmtMs, fmtTime, h } from './dom';
import { LabView } from './labView';
import { MetricsView } from './metricsView';
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

interface Filters {
  decision: string;
  server: string;
  tool: string;
  text: string;
}

const ALL = '';
/** The tabs, in the order of their headers. */
const TABS = ['explorer', 'metrics', 'lab'] as const;
type Tab = (typeof TABS)[number];

export class App {
  private runs: TraceRun[] = [];
  private runId: string | undefined;
  private selectedId: string | undefined;
  private filters: Filters = { decision: ALL, server: ALL, tool: ALL, text: '' };
  private sort: SortState = { key: 'seq', dir: 'asc' };
  private tab: Tab = 'explorer';
  private badLines: BadLine[] = [];
  private capabilities: HostCapabilities = {};
  private rows: Row[] = [];
  private treeRows: Row[] = [];
  private searchText = new WeakMap<StepRecord, string>();
  /** Date.parse of each step's start, once: live appends recompute the rows on every batch. */
  private startedMs = new WeakMap<StepRecord, number>();
  private pendingRender = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private restoredScroll: { table?: number; timeline?: number; view?: { start: number; end: number } } | undefined;

  private readonly header = h('header', { class: 'mh-header', 'aria-label': 'Run summary' });
  private readonly banner = h('div', { class: 'mh-banner', role: 'alert' });
  private readonly notice = h('div', { class: 'mh-notice', role: 'status', 'aria-live': 'polite' });
  private readonly filterBar = h('div', { class: 'mh-filters', role: 'search', 'aria-label': 'Filter steps' });
  private readonly count = h('span', { class: 'mh-count', 'aria-live': 'polite' });
  private readonly table: StepTable;
  private readonly timeline: Timeline;
  private readonly detail: StepDetail;
  private readonly metrics: MetricsView;
  private readonly lab: LabView;
  private readonly agent = new AgentPane({ onSelectStep: (id) => this.select(id, 'timeline'), onPickRun: (id, stepId) => this.pickRun(id, stepId) });
  private readonly tabs: HTMLElement;
  private readonly main: HTMLElement;
  private decisionSelect!: HTMLElement & { value: string };
  private serverSelect!: HTMLElement & { value: string };
  private toolSelect!: HTMLElement & { value: string };
  private textField!: HTMLElement & { value: string };

  constructor(private readonly root: HTMLElement, private readonly opts: AppOptions) {
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
    this.buildFilters();
    const explorer = h('div', { class: 'mh-explorer' }, this.agent.el, this.timeline.el, this.filterBar, h('div', { class: 'mh-split' }, this.table.el, this.detail.el));
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
    root.append(this.header, this.banner, this.notice, this.main);
    this.renderHeader();
    this.restore(opts.state.get());
    // The explorer fills what the header leaves of the window; the header's height varies.
    const fit = (): void => {
      const used = this.header.offsetHeight + (this.banner.hidden ? 0 : this.banner.offsetHeight + 6) + (this.notice.hidden ? 0 : this.notice.offsetHeight + 6);
      root.style.setProperty('--mh-explorer-h', `${Math.max(360, window.innerHeight - used - 48)}px`);
    };
    const ro = new ResizeObserver(fit);
    for (const el of [this.header, this.banner, this.notice]) ro.observe(el);
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
    this.filters = { decision: state.filters?.decision ?? ALL, server: state.filters?.server ?? ALL, tool: state.filters?.tool ?? ALL, text: state.filters?.text ?? '' };
    if (state.sort) this.sort = state.sort as SortState;
    if (state.tab === 'metrics' || state.tab === 'lab') this.showTab(state.tab);
    this.textField.value = this.filters.text;
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
        filters: { ...this.filters },
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
      this.filters = { decision: ALL, server: ALL, tool: ALL, text: '' };
      this.textField.value = '';
      this.opts.channel?.post({ type: 'selectRun', sessionId: id });
      this.renderAll(true);
    } else if (stepId) this.select(stepId, 'detail');
    this.save();
  }

  // ---- derived rows ----------------------------------------------------------------------

  private matches(s: StepRecord): boolean {
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
        if (this.matches(step)) {
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
    this.count.textContent = this.rows.length === n ? `${fmtInt(n)} steps` : `${fmtInt(this.rows.length)} of ${fmtInt(n)} steps`;
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
    this.fillFilterOptions(resetOptions);
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
    clear(this.header);
    const run = this.current();
    const top = h('div', { class: 'mh-header-top' });
    if (this.runs.length > 1) {
      const select = h('vscode-single-select', { class: 'mh-run-picker', 'aria-label': 'Session run' }) as HTMLElement & { value: string };
      for (const r of this.runs) {
        select.append(h('vscode-option', { value: r.id, ...(r.id === this.runId ? { selected: true } : {}), description: fmtTime(r.header?.started_at) }, `${runName(r)} · ${fmtTime(r.header?.started_at)} · ${runStatus(r)}`));
      }
      select.addEventListener('change', () => this.pickRun(select.value));
      top.append(h('label', { class: 'mh-run-label' }, 'Run'), select);
    }
    if (!run) {
      top.append(h('h1', { class: 'mh-title' }, this.opts.title ?? 'MCP Harness trace'));
      this.header.append(top, h('p', { class: 'mh-muted mh-empty-state' }, this.opts.standalone ? 'This report contains no session runs.' : this.runs.length === 0 && !this.initialised ? 'Waiting for the trace…' : 'No session run yet. Run a session (MCP: Run Session) or open a trace file (MCP: Open Trace File…).'));
      this.appendActions(top, undefined);
      return;
    }
    const m = sessionMetrics(run);
    top.append(h('h1', { class: 'mh-title' }, m.name), h('span', { class: `mh-status mh-status-${m.status}`, role: 'status', 'aria-label': `Status: ${m.status}` }, m.status === 'running' ? '● running' : m.status));
    this.appendActions(top, run);
    const meta = h(
      'div',
      { class: 'mh-meta' },
      meta2('Started', fmtTime(m.startedAt)),
      meta2('Duration', fmtMs(m.durationMs)),
      m.configHash ? meta2('Config', h('code', { title: m.configHash }, m.configHash.replace(/^sha256:/, '').slice(0, 12))) : null,
      run.header?.model ? meta2('Model', run.header.model) : null,
      run.source ? meta2('Trace', h('code', { title: run.source }, run.source.split(/[\\/]/).pop() ?? run.source)) : null,
      run.header?.source_file ? meta2('Session', this.fileLink(run.header.source_file)) : null,
    );
    const stats = h(
      'div',
      { class: 'mh-stats', role: 'list', 'aria-label': 'Totals' },
      stat('Steps', fmtInt(m.steps), m.childSteps ? `${fmtInt(m.childSteps)} from code` : undefined),
      stat('Tokens in', fmtInt(m.tokensIn)),
      stat('Tokens out', fmtInt(m.tokensOut)),
      stat('Cost', fmtCost(m.cost)),
      stat('Saved by code mode', `${fmtInt(m.tokensSaved)}`, 'tokens'),
      stat('p50 / p95', `${fmtMs(m.p50)} / ${fmtMs(m.p95)}`),
      stat('Errors', fmtInt(m.errors)),
    );
    const toolsShown = m.toolsUsed.slice(0, 14);
    const tools = h('div', { class: 'mh-tools', 'aria-label': 'Tools used' }, h('span', { class: 'mh-meta-label' }, `Tools used (${m.toolsUsed.length})`), ...toolsShown.map((t) => h('code', { class: 'mh-tool-chip' }, t)), m.toolsUsed.length > toolsShown.length ? h('span', { class: 'mh-muted' }, `+${m.toolsUsed.length - toolsShown.length} more`) : null);
    this.header.append(top, meta, stats, h('div', { class: 'mh-header-row' }, decisionBar(m.decisions, 260), tools));
    if (run.end?.error) this.header.append(h('div', { class: 'mh-error', role: 'alert' }, h('strong', null, 'Run error: '), run.end.error));
  }
  private initialised = false;

  markInitialised(): void {
    this.initialised = true;
  }

  /** The session file: a link that opens it in the editor when the host can, plain text otherwise. */
  private fileLink(path: string): HTMLElement {
    const channel = this.opts.channel;
    if (!channel || !this.capabilities.openFile) return h('code', { title: path }, path);
    const b = h('button', { type: 'button', class: 'mh-link', title: `Open ${path}` }, path);
    b.addEventListener('click', () => channel.post({ type: 'openFile', path }));
    return b;
  }

  private appendActions(top: HTMLElement, run: TraceRun | undefined): void {
    const actions = h('div', { class: 'mh-actions', role: 'toolbar', 'aria-label': 'Run actions' });
    const c = this.capabilities;
    const channel = this.opts.channel;
    if (run && channel && c.rerun) {
      const b = h('vscode-button', { class: 'mh-rerun', title: 'Run this session again' }, 'Re-run');
      b.addEventListener('click', () => {
        channel.request('rerun', { sessionId: run.id }).then(
          (r) => this.showNotice(r.sessionId ? `Started run ${r.sessionId}.` : 'The session was not started.', 'info'),
          (e: Error) => this.showNotice(e.message, 'error'),
        );
      });
      actions.append(b);
    }
    if (run && channel && c.exportReport) {
      const sel = h('vscode-single-select', { class: 'mh-export-format', 'aria-label': 'Report format' }) as HTMLElement & { value: string };
      for (const f of ['html', 'json', 'csv', 'xlsx'] as ReportFormat[]) sel.append(h('vscode-option', { value: f }, f.toUpperCase()));
      const b = h('vscode-button', { secondary: true, class: 'mh-export', title: 'Export a report of this run' }, 'Export…');
      b.addEventListener('click', () => {
        const format = (sel.value || 'html') as ReportFormat;
        channel.request('exportReport', { format, sessionIds: [run.id] }).then(
          (r) => r.path && this.showNotice(`Report written to ${r.path}.`, 'info'),
          (e: Error) => this.showNotice(e.message, 'error'),
        );
      });
      actions.append(sel, b);
    }
    if (run && channel && c.revealTraceFile) {
      const b = h('vscode-button', { secondary: true, title: 'Show the trace file' }, 'Reveal trace file');
      b.addEventListener('click', () => channel.post({ type: 'revealTraceFile', sessionId: run.id }));
      actions.append(b);
    }
    if (this.opts.standalone && this.opts.setTheme && this.opts.currentTheme) {
      const setTheme = this.opts.setTheme;
      const current = this.opts.currentTheme;
      const b = h('vscode-button', { secondary: true, class: 'mh-theme-toggle', 'aria-label': 'Switch between light and dark theme' }, current() === 'dark' ? 'Light theme' : 'Dark theme');
      b.addEventListener('click', () => {
        setTheme(current() === 'dark' ? 'light' : 'dark');
        b.textContent = current() === 'dark' ? 'Light theme' : 'Dark theme';
        this.save();
      });
      actions.append(b);
    }
    top.append(actions);
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

  // ---- filters ---------------------------------------------------------------------------

  private buildFilters(): void {
    const mk = (label: string, key: keyof Filters): HTMLElement & { value: string } => {
      const s = h('vscode-single-select', { class: `mh-filter mh-filter-${key}`, 'aria-label': label }) as HTMLElement & { value: string };
      s.addEventListener('change', () => {
        this.filters[key] = s.value;
        this.recompute();
        this.save();
      });
      return s;
    };
    this.decisionSelect = mk('Filter by decision', 'decision');
    this.serverSelect = mk('Filter by server', 'server');
    this.toolSelect = mk('Filter by tool', 'tool');
    this.textField = h('vscode-textfield', { class: 'mh-filter-text', placeholder: 'Search tool, reason, finding, step id…', 'aria-label': 'Search steps' }) as HTMLElement & { value: string };
    let timer: ReturnType<typeof setTimeout> | undefined;
    this.textField.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.filters.text = this.textField.value.trim();
        this.recompute();
        this.save();
      }, 120);
    });
    const clearBtn = h('vscode-button', { secondary: true, class: 'mh-clear-filters', title: 'Clear all filters' }, 'Clear');
    clearBtn.addEventListener('click', () => {
      this.filters = { decision: ALL, server: ALL, tool: ALL, text: '' };
      this.textField.value = '';
      this.fillFilterOptions(true);
      this.recompute();
      this.save();
    });
    this.filterBar.append(this.decisionSelect, this.serverSelect, this.toolSelect, this.textField, clearBtn, this.count);
  }

  private optionKeys = '';
  private fillFilterOptions(force: boolean): void {
    const run = this.current();
    const steps = run?.steps ?? [];
    const decisions = DECISIONS.filter((d) => steps.some((s) => s.decision === d));
    const servers = [...new Set(steps.map((s) => s.server).filter(Boolean))].sort();
    const tools = [...new Set(steps.map((s) => s.tool))].sort();
    const key = JSON.stringify([run?.id, decisions, servers, tools, this.filters]);
    if (!force && key === this.optionKeys) return;
    this.optionKeys = key;
    const fill = (sel: HTMLElement & { value: string }, allLabel: string, values: { value: string; label: string }[], current: string): void => {
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

function meta2(label: string, value: Node | string): HTMLElement {
  return h('span', { class: 'mh-meta-item' }, h('span', { class: 'mh-meta-label' }, `${label} `), value);
}

function stat(label: string, value: string, sub?: string): HTMLElement {
  return h('div', { class: 'mh-stat', role: 'listitem' }, h('div', { class: 'mh-stat-value' }, value), h('div', { class: 'mh-stat-label' }, label + (sub ? ` · ${sub}` : '')));
}
