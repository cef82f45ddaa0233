// The trace explorer in VS Code: the Sessions view, the trace panel (and its serializer), and the
// commands on runs. Commands reach the store and the view through `features`, set at registration.
import { existsSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../core/session/runner';
import { runName, type TraceRun } from '../../core/report/model';
import { DECISIONS, type Decision, type StepRecord } from '../../protocol/trace';
import type { ReportFormat, WebviewPersistedState } from '../../protocol/messages';
import { addCommands } from '../commands';
import type { HarnessContext } from '../context';
import { exportReport, pickFormat, type SaveDialog, setSaveDialogOverride } from './exportReport';
import { type PanelActions, TRACE_PANEL_VIEW_TYPE, TracePanel } from './panel';
import { TraceStore } from './store';
import { countDecisions, describeFilter, type SessionsFilter, type SessionsNode, SessionsTreeProvider } from './tree';

export type DeleteConfirm = (run: TraceRun, file: string, otherRuns: number) => Promise<boolean>;

export interface TraceTestHooks {
  /** Types of the messages the trace panel posted since it opened, oldest first. */
  panelMessages(): string[];
  /** The last `init` the panel posted (runs, badLines, selection). */
  lastPanelInit(): unknown;
  /** Whether a trace panel is open. */
  panelOpen(): boolean;
  /** Replaces the Delete Run confirmation modal; undefined restores it. */
  setDeleteConfirm(confirm: DeleteConfirm | undefined): void;
  /** Replaces the report save dialog; undefined restores it. */
  setSaveDialog(dialog: SaveDialog | undefined): void;
}

export interface TraceApi {
  /** The Sessions view's data provider. */
  readonly sessionsTree: SessionsTreeProvider;
  /** Every run in the workspace's trace directories; `publishStep` feeds live steps. */
  readonly traceStore: TraceStore;
  /** Only under the test runner. */
  readonly traceTesting: TraceTestHooks;
}

interface Features {
  ctx: HarnessContext;
  store: TraceStore;
  tree: SessionsTreeProvider;
  view: vscode.TreeView<SessionsNode>;
  actions: PanelActions;
}

let features: Features | undefined;
let deleteConfirmOverride: DeleteConfirm | undefined;

function need(): Features {
  if (!features) throw new Error('The Sessions view is not ready yet; try again in a moment.');
  return features;
}

/** Called from the session runner's onStep (every record, child steps too). */
export function publishStep(record: StepRecord): void {
  features?.store.publishStep(record);
}

export function registerTraceFeatures(ctx: HarnessContext): vscode.Disposable[] {
  const store = new TraceStore(() => ctx.config.traceDir);
  const tree = new SessionsTreeProvider(store);
  const view = vscode.window.createTreeView('mcpHarness.sessions', { treeDataProvider: tree, showCollapseAll: true });
  const actions: PanelActions = {
    rerun: (id) => rerun(id),
    exportReport: async (ids, runs) => {
      const format = await pickFormat();
      if (!format) return { cancelled: true };
      return exportRuns(runs.length ? runs : ids.map((i) => store.run(i)).filter((r): r is TraceRun => !!r), format);
    },
    revealTraceFile: (file) => revealFile(file),
  };
  features = { ctx, store, tree, view, actions };
  const disposables: vscode.Disposable[] = [
    store,
    tree,
    view,
    vscode.window.registerWebviewPanelSerializer(TRACE_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        await TracePanel.restore(panel, ctx.extension, store, actions, state as WebviewPersistedState | undefined);
      },
    }),
    { dispose: () => TracePanel.active?.panel.dispose() },
    { dispose: () => void (features = undefined) },
  ];
  // The view's first getChildren reads the traces; keep the badge honest after that.
  disposables.push(store.onDidChange(() => updateViewMessage()));
  return disposables;
}

export function traceApi(inTests: boolean): TraceApi {
  const f = need();
  const refuse = (): never => {
    throw new Error('MCP Harness test hooks are only available when the extension runs under the test runner.');
  };
  return {
    sessionsTree: f.tree,
    traceStore: f.store,
    traceTesting: {
      panelMessages: () => (inTests ? [...TracePanel.posted] : refuse()),
      lastPanelInit: () => (inTests ? TracePanel.lastInit : refuse()),
      panelOpen: () => (inTests ? !!TracePanel.active : refuse()),
      setDeleteConfirm: (c) => (inTests ? void (deleteConfirmOverride = c) : refuse()),
      setSaveDialog: (d) => (inTests ? setSaveDialogOverride(d) : refuse()),
    },
  };
}

function updateViewMessage(): void {
  const f = features;
  if (!f) return;
  const filter = describeFilter(f.tree.filter);
  f.view.description = filter ? `filtered: ${filter}` : undefined;
  const errors = f.store.fileErrors();
  const bad = f.store.badLines().length;
  const parts: string[] = [];
  if (filter && f.store.runs().length && !f.store.runs().some((r) => r.steps.some((s) => matches(s, f.tree.filter)))) {
    parts.push(`No step matches the filter (${filter}). Use "Clear Filter" to see every run.`);
  }
  if (bad) parts.push(`${bad} line(s) of the trace files could not be read; open the run in the Trace Panel to see which.`);
  for (const e of errors.slice(0, 3)) parts.push(e.error);
  f.view.message = parts.length ? parts.join(' ') : undefined;
  void vscode.commands.executeCommand('setContext', 'mcpHarness.sessionsFiltered', !!filter);
}

function matches(s: StepRecord, f: SessionsFilter): boolean {
  return (!f.decisions?.length || f.decisions.includes(s.decision)) && (!f.server || s.server === f.server) && (!f.tool || s.tool === f.tool);
}

/** A run from a tree node, a session id, or a quick pick over the workspace's runs. */
async function resolveRun(arg: unknown, placeHolder: string): Promise<TraceRun | undefined> {
  const { store } = need();
  await store.ready();
  if (arg && typeof arg === 'object' && 'run' in arg) {
    const id = (arg as SessionsNode).run.id;
    return store.run(id) ?? (arg as SessionsNode).run;
  }
  if (typeof arg === 'string') {
    const run = store.run(arg);
    if (!run) throw new Error(`There is no session run "${arg}" in this workspace's traces.`);
    return run;
  }
  const runs = store.runs();
  if (!runs.length) {
    void vscode.window.showInformationMessage('There are no session runs yet. Run a session with "MCP: Run Session", or open a trace with "MCP: Open Trace File…".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({
      label: runName(run),
      description: run.header ? new Date(run.header.started_at).toLocaleString() : run.id,
      detail: Object.entries(run.end?.decisions ?? countDecisions(run.steps)).map(([k, v]) => `${k} ${v}`).join(', '),
      run,
    })),
    { title: 'Session runs', placeHolder },
  );
  return picked?.run;
}

function stepOf(arg: unknown): string | undefined {
  return arg && typeof arg === 'object' && (arg as SessionsNode).kind === 'step' ? (arg as Extract<SessionsNode, { kind: 'step' }>).step.step_id : undefined;
}

function sessionFileOf(run: TraceRun, traceFile: string | undefined): string | undefined {
  const source = run.header?.source_file;
  if (!source) return undefined;
  if (path.isAbsolute(source)) return source;
  const candidates = [
    run.header?.workspace,
    ...(traceFile ? [vscode.workspace.getWorkspaceFolder(vscode.Uri.file(traceFile))?.uri.fsPath] : []),
    ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  ].filter((d): d is string => !!d);
  return candidates.map((d) => path.resolve(d, source)).find((p) => existsSync(p)) ?? path.resolve(candidates[0] ?? '', source);
}

async function rerun(sessionId: string): Promise<string | undefined> {
  const { store } = need();
  const run = store.run(sessionId) ?? TracePanel.active?.runs().find((r) => r.id === sessionId);
  if (!run) throw new Error('This run is no longer in the traces; refresh the Sessions view.');
  const file = sessionFileOf(run, store.fileOf(sessionId) ?? run.source);
  if (!file) throw new Error(`The trace of "${runName(run)}" does not name its session file, so it cannot be re-run. Open the session file and use "MCP: Run Session".`);
  if (!existsSync(file)) throw new Error(`The session file of "${runName(run)}" (${file}) no longer exists. Restore it or run another session with "MCP: Run Session".`);
  const result = await vscode.commands.executeCommand<SessionResult | undefined>('mcpHarness.runSession', vscode.Uri.file(file));
  if (result?.session_id) await store.scanFiles();
  return result?.session_id;
}

async function exportRuns(runs: TraceRun[], format: ReportFormat, target?: string): Promise<{ path?: string; cancelled?: boolean }> {
  const f = need();
  const files = new Set(runs.map((r) => f.store.fileOf(r.id) ?? r.source).filter((p): p is string => !!p));
  const badLines = [...files].flatMap((p) => f.store.badLines(p));
  const result = await exportReport(f.ctx.extension.extensionUri, runs, format, { target, badLines });
  if (result.path && !target) {
    const open = format === 'xlsx' ? 'Reveal File' : 'Open';
    void vscode.window.showInformationMessage(`Report written to ${result.path}.`, open).then(async (b) => {
      if (b === 'Open') await vscode.env.openExternal(vscode.Uri.file(result.path!)).then(undefined, () => vscode.window.showTextDocument(vscode.Uri.file(result.path!)));
      if (b === 'Reveal File') await revealFile(result.path!);
    });
  }
  return result;
}

async function revealFile(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  // revealFileInOS is not available in a browser workbench; the Explorer reveal works in both.
  await vscode.commands.executeCommand('revealInExplorer', uri).then(undefined, () => vscode.commands.executeCommand('revealFileInOS', uri));
}

const defaultDeleteConfirm: DeleteConfirm = async (run, file, otherRuns) => {
  const del = 'Delete';
  const more = otherRuns ? ` The file also holds ${otherRuns} other run(s), which are deleted with it.` : '';
  const answer = await vscode.window.showWarningMessage(
    `Delete the run "${runName(run)}"?`,
    { modal: true, detail: `This deletes the trace file ${file}.${more} It cannot be undone.` },
    del,
  );
  return answer === del;
};

async function pickFilter(): Promise<SessionsFilter | undefined> {
  const { store, tree } = need();
  await store.ready();
  const steps = store.runs().flatMap((r) => r.steps);
  const current = tree.filter;
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Decision…', description: current.decisions?.join(', '), key: 'decision' as const },
      { label: 'Server…', description: current.server, key: 'server' as const },
      { label: 'Tool…', description: current.tool, key: 'tool' as const },
      { label: 'Clear Filter', key: 'clear' as const },
    ],
    { title: 'Filter Sessions', placeHolder: describeFilter(current) ?? 'Show only the runs and steps that match' },
  );
  if (!kind) return undefined;
  if (kind.key === 'clear') return {};
  const count = (key: (s: StepRecord) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of steps) m.set(key(s), (m.get(key(s)) ?? 0) + 1);
    return m;
  };
  if (kind.key === 'decision') {
    const counts = count((s) => s.decision);
    const picked = await vscode.window.showQuickPick(
      DECISIONS.map((d) => ({ label: d, description: `${counts.get(d) ?? 0} step(s)`, picked: current.decisions?.includes(d) ?? false, decision: d })),
      { title: 'Filter Sessions by decision', canPickMany: true, placeHolder: 'Pick none to show every decision' },
    );
    if (!picked) return undefined;
    return { ...current, decisions: picked.map((p) => p.decision as Decision) };
  }
  const counts = kind.key === 'server' ? count((s) => s.server) : count((s) => s.tool);
  counts.delete('');
  if (!counts.size) {
    void vscode.window.showInformationMessage(`No step in the traces has a ${kind.key}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    [{ label: `(any ${kind.key})`, value: undefined as string | undefined }, ...[...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => ({ label: v, description: `${n} step(s)`, value: v as string | undefined }))],
    { title: `Filter Sessions by ${kind.key}` },
  );
  if (!picked) return undefined;
  return { ...current, [kind.key]: picked.value };
}

function applyFilter(filter: SessionsFilter): void {
  const { tree } = need();
  tree.setFilter(filter);
  updateViewMessage();
}

addCommands([
  {
    id: 'mcpHarness.openTracePanel',
    run: async (ctx, arg) => {
      const f = need();
      await f.store.ready();
      const run = arg === undefined ? f.store.runs()[0] : await resolveRun(arg, 'Which run?');
      if (arg === undefined && !run) {
        void vscode.window.showInformationMessage('There are no session runs yet. Run a session with "MCP: Run Session", or open a trace with "MCP: Open Trace File…".');
      }
      await TracePanel.show(ctx.extension, f.store, f.actions, { kind: 'workspace' }, { runId: run?.id, stepId: stepOf(arg) });
    },
  },
  {
    id: 'mcpHarness.openTraceFile',
    run: async (ctx, arg) => {
      const f = need();
      let file: string | undefined;
      if (arg instanceof vscode.Uri) file = arg.fsPath;
      else if (typeof arg === 'string') file = arg;
      else {
        const picked = await vscode.window.showOpenDialog({
          title: 'Open Trace File',
          canSelectMany: false,
          openLabel: 'Open Trace',
          filters: { 'MCP Harness trace': ['jsonl'], 'All files': ['*'] },
          defaultUri: f.store.traceDirs()[0] ? vscode.Uri.file(f.store.traceDirs()[0]) : undefined,
        });
        file = picked?.[0]?.fsPath;
      }
      if (!file) return undefined;
      file = path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', file);
      if (!existsSync(file)) throw new Error(`${file} does not exist; pick a trace .jsonl file.`);
      const panel = await TracePanel.show(ctx.extension, f.store, f.actions, { kind: 'file', path: file });
      const bad = panel.badLines();
      const runs = panel.runs();
      if (bad.length) {
        const first = bad.slice(0, 3).map((b) => `line ${b.line}: ${b.message}`).join(' ');
        void vscode.window.showWarningMessage(
          `${path.basename(file)}: ${bad.length} line(s) could not be read and were skipped; ${runs.length ? `the ${runs.reduce((n, r) => n + r.steps.length, 0)} readable step(s) are shown.` : 'no run could be read.'} ${first}`,
        );
      } else if (!runs.length) {
        void vscode.window.showWarningMessage(`${path.basename(file)} holds no session runs. Is it an MCP Harness trace (.jsonl)?`);
      }
      return file;
    },
  },
  {
    id: 'mcpHarness.rerunSession',
    run: async (_ctx, arg) => {
      const run = await resolveRun(arg, 'Which run should run again?');
      return run ? rerun(run.id) : undefined;
    },
  },
  {
    id: 'mcpHarness.exportReport',
    run: async (_ctx, arg, options) => {
      const f = need();
      await f.store.ready();
      const opts = (options && typeof options === 'object' ? options : {}) as { format?: ReportFormat; target?: string };
      let runs: TraceRun[];
      if (arg === undefined || arg === null) {
        runs = TracePanel.active?.runs() ?? f.store.runs();
      } else {
        const run = await resolveRun(arg, 'Which run?');
        if (!run) return undefined;
        runs = [run];
      }
      if (!runs.length) throw new Error('There is no session run to export; run a session first.');
      const format = opts.format ?? (await pickFormat());
      if (!format) return undefined;
      return exportRuns(runs, format, opts.target);
    },
  },
  {
    id: 'mcpHarness.revealTraceFile',
    run: async (_ctx, arg) => {
      const f = need();
      const run = await resolveRun(arg, 'Which run?');
      if (!run) return;
      const file = f.store.fileOf(run.id) ?? run.source;
      if (!file || !existsSync(file)) throw new Error(`The trace file of "${runName(run)}" is no longer on disk.`);
      await revealFile(file);
    },
  },
  {
    id: 'mcpHarness.deleteRun',
    run: async (_ctx, arg) => {
      const f = need();
      const run = await resolveRun(arg, 'Which run should be deleted?');
      if (!run) return false;
      const file = f.store.fileOf(run.id);
      if (!file) throw new Error(`The trace file of "${runName(run)}" is no longer on disk.`);
      const others = f.store.runsInFile(file).length - 1;
      if (!(await (deleteConfirmOverride ?? defaultDeleteConfirm)(run, file, others))) return false;
      unlinkSync(file);
      await f.store.reload(file);
      return true;
    },
  },
  {
    id: 'mcpHarness.filterSessions',
    run: async (_ctx, arg) => {
      const filter = arg && typeof arg === 'object' && !('run' in arg) ? (arg as SessionsFilter) : await pickFilter();
      if (filter) applyFilter(filter);
      return need().tree.filter;
    },
  },
  { id: 'mcpHarness.clearSessionsFilter', run: () => applyFilter({}) },
  {
    id: 'mcpHarness.refreshSessions',
    run: async () => {
      const f = need();
      await f.store.rescan();
      f.tree.refresh();
    },
  },
]);
