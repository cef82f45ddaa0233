// The run summary above the explorer: the run picker, name and status, the run's actions (re-run, export,
// reveal the trace file, the report's theme toggle), its metadata, totals, decisions and tools used.
import { runName, runStatus, type TraceRun } from '../src/core/report/model';
import { sessionMetrics } from '../src/core/report/metrics';
import type { HostCapabilities, ReportFormat } from '../src/protocol/messages';
import type { AppOptions } from './app';
import { decisionBar } from './charts';
import { clear, fmtCost, fmtInt, fmtMs, fmtTime, h } from './dom';

/** What the header asks of the app around it. */
export interface RunHeaderHost {
  pickRun(id: string): void;
  notify(message: string, level: 'info' | 'warning' | 'error'): void;
  /** The theme changed: the persisted state keeps it. */
  save(): void;
}

export class RunHeader {
  readonly el = h('header', { class: 'mh-header', 'aria-label': 'Run summary' });
  private capabilities: HostCapabilities = {};
  private initialised = false;

  constructor(
    private readonly opts: Pick<AppOptions, 'channel' | 'title' | 'standalone' | 'setTheme' | 'currentTheme'>,
    private readonly host: RunHeaderHost,
  ) {}

  /** Draws the header of `run` (undefined: no run to show); the picker lists `runs` when there are several. */
  render(run: TraceRun | undefined, runs: readonly TraceRun[], capabilities: HostCapabilities): void {
    this.capabilities = capabilities;
    clear(this.el);
    const top = h('div', { class: 'mh-header-top' });
    if (runs.length > 1) {
      const select = h('vscode-single-select', { class: 'mh-run-picker', 'aria-label': 'Session run' }) as HTMLElement & { value: string };
      for (const r of runs) {
        select.append(h('vscode-option', { value: r.id, ...(r.id === run?.id ? { selected: true } : {}), description: fmtTime(r.header?.started_at) }, `${runName(r)} · ${fmtTime(r.header?.started_at)} · ${runStatus(r)}`));
      }
      select.addEventListener('change', () => this.host.pickRun(select.value));
      top.append(h('label', { class: 'mh-run-label' }, 'Run'), select);
    }
    if (!run) {
      top.append(h('h1', { class: 'mh-title' }, this.opts.title ?? 'MCP Harness trace'));
      this.el.append(top, h('p', { class: 'mh-muted mh-empty-state' }, this.opts.standalone ? 'This report contains no session runs.' : runs.length === 0 && !this.initialised ? 'Waiting for the trace…' : 'No session run yet. Run a session (MCP: Run Session) or open a trace file (MCP: Open Trace File…).'));
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
      // Only an agent's model answered anything; elsewhere the model names the tokenizer and prices of the estimates.
      run.header?.model
        ? run.header.run_kind === 'agent'
          ? meta2('Model', run.header.model)
          : meta2('Priced as', h('span', { title: `Tokens and cost are estimated with ${run.header.model}'s tokenizer and prices; no model took part in this run.` }, run.header.model))
        : null,
      run.source ? meta2('Trace', h('code', { title: run.source }, run.source.split(/[\\/]/).pop() ?? run.source)) : null,
      run.header?.source_file ? meta2('Session', this.fileLink(run.header.source_file)) : null,
    );
    const stats = h(
      'div',
      { class: 'mh-stats', role: 'list', 'aria-label': 'Totals' },
      stat('Steps', fmtInt(m.steps), m.childSteps ? `${fmtInt(m.childSteps)} from code` : undefined),
      m.logs ? stat('Server logs', fmtInt(m.logs), 'not steps') : null,
      stat('Tokens in', fmtInt(m.tokensIn)),
      stat('Tokens out', fmtInt(m.tokensOut)),
      stat('Cost', fmtCost(m.cost)),
      stat('Saved by code mode', `${fmtInt(m.tokensSaved)}`, 'tokens'),
      stat('p50 / p95', `${fmtMs(m.p50)} / ${fmtMs(m.p95)}`),
      stat('Errors', fmtInt(m.errors)),
    );
    const toolsShown = m.toolsUsed.slice(0, 14);
    const tools = h('div', { class: 'mh-tools', 'aria-label': 'Tools used' }, h('span', { class: 'mh-meta-label' }, `Tools used (${m.toolsUsed.length})`), ...toolsShown.map((t) => h('code', { class: 'mh-tool-chip' }, t)), m.toolsUsed.length > toolsShown.length ? h('span', { class: 'mh-muted' }, `+${m.toolsUsed.length - toolsShown.length} more`) : null);
    this.el.append(top, meta, stats, h('div', { class: 'mh-header-row' }, decisionBar(m.decisions, 260), tools));
    if (run.end?.error) this.el.append(h('div', { class: 'mh-error', role: 'alert' }, h('strong', null, 'Run error: '), run.end.error));
  }
  /** The host's first message came: an empty header says there is no run rather than that it is waiting. */
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
          (r) => this.host.notify(r.sessionId ? `Started run ${r.sessionId}.` : 'The session was not started.', 'info'),
          (e: Error) => this.host.notify(e.message, 'error'),
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
          (r) => r.path && this.host.notify(`Report written to ${r.path}.`, 'info'),
          (e: Error) => this.host.notify(e.message, 'error'),
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
        this.host.save();
      });
      actions.append(b);
    }
    top.append(actions);
  }
}

function meta2(label: string, value: Node | string): HTMLElement {
  return h('span', { class: 'mh-meta-item' }, h('span', { class: 'mh-meta-label' }, `${label} `), value);
}

function stat(label: string, value: string, sub?: string): HTMLElement {
  return h('div', { class: 'mh-stat', role: 'listitem' }, h('div', { class: 'mh-stat-value' }, value), h('div', { class: 'mh-stat-label' }, label + (sub ? ` · ${sub}` : '')));
}
