// The "Sessions" view: runs newest first → steps → the tool calls a code step made (parent_id).
import * as vscode from 'vscode';
import { isLogRecord, orderedSteps, runDurationMs, runName, runStartMs, runStatus, type RunStatus, type TraceRun } from '../../core/report/model';
import type { Decision, StepRecord } from '../../protocol/trace';
import type { LiveTask, LiveTasks } from '../client/tasks';
import { describeProgress, type LiveCallProgress, type LiveProgress } from './liveSteps';
import type { TraceStore } from './store';

export interface SessionsFilter {
  decisions?: Decision[];
  server?: string;
  tool?: string;
}

export type SessionsNode =
  | { kind: 'run'; run: TraceRun }
  | { kind: 'step'; run: TraceRun; step: StepRecord; children: StepRecord[] }
  | { kind: 'task'; run: TraceRun; task: LiveTask }
  | { kind: 'call'; run: TraceRun; progress: LiveCallProgress };

const TASK_ICON: Record<LiveTask['status'], [string, string?]> = {
  working: ['loading~spin'],
  input_required: ['question', 'charts.yellow'],
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
};

const STATUS_ICON: Record<RunStatus, [string, string?]> = {
  passed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  error: ['error', 'problemsErrorIcon.foreground'],
  cancelled: ['circle-slash', 'disabledForeground'],
  running: ['loading~spin'],
  incomplete: ['warning', 'problemsWarningIcon.foreground'],
};

const DECISION_ICON: Record<Decision, [string, string?]> = {
  ok: ['pass', 'testing.iconPassed'],
  denied_schema: ['symbol-structure', 'problemsWarningIcon.foreground'],
  denied_policy: ['shield', 'problemsWarningIcon.foreground'],
  denied_guardrail: ['eye-closed', 'problemsWarningIcon.foreground'],
  dry_run: ['debug-step-over', 'charts.blue'],
  error: ['error', 'testing.iconFailed'],
  timeout: ['watch', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
};

function icon([id, color]: [string, string?]): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatTime(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  const sameDay = new Date().toDateString() === d.toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

function stepMatches(step: StepRecord, f: SessionsFilter): boolean {
  if (f.decisions?.length && !f.decisions.includes(step.decision)) return false;
  if (f.server && step.server !== f.server) return false;
  if (f.tool && step.tool !== f.tool) return false;
  return true;
}

export function describeFilter(f: SessionsFilter): string | undefined {
  const parts: string[] = [];
  if (f.decisions?.length) parts.push(`decision: ${f.decisions.join(', ')}`);
  if (f.server) parts.push(`server: ${f.server}`);
  if (f.tool) parts.push(`tool: ${f.tool}`);
  return parts.length ? parts.join(' · ') : undefined;
}

export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionsNode | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private filterValue: SessionsFilter = {};
  private readonly sub: vscode.Disposable;
  private readonly taskSub: vscode.Disposable | undefined;
  private readonly progressSub: vscode.Disposable | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TraceStore,
    private readonly tasks?: LiveTasks,
    private readonly progress?: LiveProgress,
  ) {
    // A task's status is drawn as it changes: there are few of them, and each one is news.
    this.taskSub = tasks?.onDidChange(() => this.emitter.fire());
    // Progress can arrive many times a second: drawn with the live steps, at most every 100 ms.
    this.progressSub = progress?.onDidChange(() => this.scheduleRefresh());
    // Live steps arrive one by one: redraw at most every 100 ms. A run starting, ending or going away is
    // drawn at once (a finished run must not keep its spinner).
    this.sub = store.onDidChange((changes) => {
      if (changes.some((c) => c.kind !== 'appendSteps')) {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = undefined;
        this.emitter.fire();
        return;
      }
      this.scheduleRefresh();
    });
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.emitter.fire();
    }, 100);
  }

  get filter(): SessionsFilter {
    return this.filterValue;
  }

  setFilter(filter: SessionsFilter): void {
    this.filterValue = filter;
    this.emitter.fire();
  }

  refresh(): void {
    this.emitter.fire();
  }

  async getChildren(node?: SessionsNode): Promise<SessionsNode[]> {
    if (!node) {
      await this.store.ready();
      return this.store
        .runs()
        .filter((run) => !describeFilter(this.filterValue) || run.steps.some((s) => stepMatches(s, this.filterValue)))
        .map((run) => ({ kind: 'run', run }));
    }
    if (node.kind === 'task' || node.kind === 'call') return [];
    const steps = node.run.steps;
    const children = new Map<string, StepRecord[]>();
    const ids = new Set(steps.map((s) => s.step_id));
    for (const s of steps) {
      if (s.parent_id && ids.has(s.parent_id) && s.parent_id !== s.step_id) {
        children.set(s.parent_id, [...(children.get(s.parent_id) ?? []), s]);
      }
    }
    let level: StepRecord[];
    if (node.kind === 'run') {
      level = orderedSteps(steps).filter((e) => e.depth === 0).map((e) => e.step);
    } else {
      level = node.children;
    }
    const filtered = describeFilter(this.filterValue)
      ? level.filter((s) => stepMatches(s, this.filterValue) || (children.get(s.step_id) ?? []).some((c) => stepMatches(c, this.filterValue)))
      : level;
    const nodes: SessionsNode[] = filtered.map((step) => ({ kind: 'step', run: node.run, step, children: children.get(step.step_id) ?? [] }));
    if (node.kind === 'run') nodes.push(...this.liveNodes(node.run));
    return nodes;
  }

  /** Task-based calls of a running run whose steps have no record yet. */
  private liveTasks(run: TraceRun): LiveTask[] {
    return this.tasks?.of(run.id).filter((t) => !run.steps.some((s) => s.step_id === t.stepId)) ?? [];
  }

  /** The run's calls in flight: its tasks, then the other calls that reported progress. */
  private liveNodes(run: TraceRun): SessionsNode[] {
    const tasks = this.liveTasks(run);
    const calls = this.progress?.of(run.id).filter((p) => !tasks.some((t) => t.stepId === p.stepId) && !run.steps.some((s) => s.step_id === p.stepId)) ?? [];
    return [...tasks.map((task): SessionsNode => ({ kind: 'task', run, task })), ...calls.map((progress): SessionsNode => ({ kind: 'call', run, progress }))];
  }

  private callItem(run: TraceRun, p: LiveCallProgress): vscode.TreeItem {
    const item = new vscode.TreeItem(p.stepId, vscode.TreeItemCollapsibleState.None);
    item.id = `step:${run.id}:${p.stepId}`;
    item.iconPath = icon(['loading~spin']);
    item.description = describeProgress(p);
    item.tooltip = `${p.stepId}: running — ${describeProgress(p)}`;
    item.contextValue = 'call.running';
    return item;
  }

  private taskItem(run: TraceRun, task: LiveTask): vscode.TreeItem {
    const item = new vscode.TreeItem(task.stepId, vscode.TreeItemCollapsibleState.None);
    item.id = `step:${run.id}:${task.stepId}`;
    item.iconPath = icon(TASK_ICON[task.status]);
    const p = this.progress?.get(run.id, task.stepId);
    item.description = `task ${task.status.replace('_', ' ')}${task.message ? ` · ${task.message}` : ''}${p ? ` · ${describeProgress(p)}` : ''}`;
    item.tooltip = `${task.stepId}: task ${task.taskId} — ${task.status}${task.message ? `\n${task.message}` : ''}`;
    item.contextValue = task.cancel ? 'task.working' : `task.${task.status}`;
    return item;
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    if (node.kind === 'run') {
      const { run } = node;
      const status = runStatus(run);
      // A server's log messages are recorded in the trace but are not steps of the run.
      const topSteps = run.steps.filter((s) => !s.parent_id && !isLogRecord(s));
      const top = topSteps.length;
      const latency = topSteps.reduce((sum, s) => sum + s.latency_ms, 0);
      const item = new vscode.TreeItem(runName(run), run.steps.length || this.liveNodes(run).length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `run:${run.id}`;
      item.iconPath = icon(STATUS_ICON[status]);
      item.description = `${formatTime(runStartMs(run))} · ${top} step${top === 1 ? '' : 's'} · ${formatMs(latency)}`;
      const tip = new vscode.MarkdownString(undefined, true);
      tip.appendMarkdown(`**${runName(run)}** — ${status}\n\n`);
      tip.appendMarkdown(`Started ${new Date(runStartMs(run)).toLocaleString()}, duration ${formatMs(runDurationMs(run))}\n\n`);
      const decisions = run.end?.decisions ?? countDecisions(run.steps);
      tip.appendMarkdown(`Decisions: ${Object.entries(decisions).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}\n\n`);
      if (run.header?.source_file) tip.appendMarkdown(`Session file: \`${run.header.source_file}\`\n\n`);
      if (run.source) tip.appendMarkdown(`Trace: \`${run.source}\``);
      if (run.end?.error) tip.appendMarkdown(`\n\nError: ${run.end.error}`);
      item.tooltip = tip;
      // An agent run can be replayed (its model turns are recorded); a session file's run can run again.
      item.contextValue = run.header?.run_kind === 'agent' || run.steps.some((s) => s.kind === 'model') ? 'run.agent' : run.header?.source_file ? 'run.rerunnable' : 'run';
      item.command = { command: 'mcpHarness.openTracePanel', title: 'Open in Trace Panel', arguments: [node] };
      return item;
    }
    if (node.kind === 'task') return this.taskItem(node.run, node.task);
    if (node.kind === 'call') return this.callItem(node.run, node.progress);
    const { step } = node;
    const item = new vscode.TreeItem(step.step_id, node.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `step:${node.run.id}:${step.step_id}`;
    item.iconPath = icon(DECISION_ICON[step.decision] ?? ['circle-outline']);
    const target = step.kind === 'code' ? 'code' : `${step.server}/${step.tool}`;
    item.description = `${target} · ${formatMs(step.latency_ms)}${step.decision === 'ok' ? '' : ` · ${step.decision}`}${step.reused ? ' · reused' : ''}${taskSummary(step)}`;
    const tip = new vscode.MarkdownString();
    tip.appendText(`${step.step_id}: ${target} — ${step.decision}\n`);
    for (const r of step.reasons.slice(0, 5)) tip.appendText(`• ${r}\n`);
    if (step.error && !step.reasons.includes(step.error)) tip.appendText(`error: ${step.error}\n`);
    for (const t of step.task?.history ?? []) tip.appendText(`task ${t.status}${t.message ? `: ${t.message}` : ''}\n`);
    tip.appendText(`${formatMs(step.latency_ms)}, tokens ${step.tokens_in}/${step.tokens_out}`);
    item.tooltip = tip;
    item.contextValue = `step.${step.decision}`;
    item.command = { command: 'mcpHarness.openTracePanel', title: 'Open in Trace Panel', arguments: [node] };
    return item;
  }

  getParent(node: SessionsNode): SessionsNode | undefined {
    if (node.kind === 'run') return undefined;
    if (node.kind === 'task' || node.kind === 'call' || !node.step.parent_id) return { kind: 'run', run: node.run };
    const parent = node.run.steps.find((s) => s.step_id === node.step.parent_id);
    if (!parent) return { kind: 'run', run: node.run };
    return { kind: 'step', run: node.run, step: parent, children: node.run.steps.filter((s) => s.parent_id === parent.step_id) };
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.sub.dispose();
    this.taskSub?.dispose();
    this.progressSub?.dispose();
    this.emitter.dispose();
  }
}

/** A task-based step's outcome and the server's last status message. */
function taskSummary(step: StepRecord): string {
  if (!step.task) return '';
  const last = step.task.history.at(-1);
  return ` · task ${step.task.status}${last?.message ? ` (${last.message})` : ''}`;
}

export function countDecisions(steps: StepRecord[]): Partial<Record<Decision, number>> {
  const out: Partial<Record<Decision, number>> = {};
  for (const s of steps) out[s.decision] = (out[s.decision] ?? 0) + 1;
  return out;
}
