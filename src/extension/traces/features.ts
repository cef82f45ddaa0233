// The trace explorer in VS Code: the Sessions view, the trace panel (and its serializer), and what the
// commands on runs do. One TraceFeatures object owns the store, the view and the open panel.
import { existsSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../core/run/index';
import { runName, type TraceRun } from '../../core/report/model';
import type { StepRecord } from '../../protocol/trace';
import type { ReportFormat, WebviewPersistedState } from '../../protocol/messages';
import type { HarnessCore } from '../context';
import { Disposable } from '../disposable';
import { LiveTasks } from '../client/tasks';
import { LiveProgress } from './liveSteps';
import { LabResults } from '../lab/results';
import { exportReport, pickFormat } from './exportReport';
import { type PanelActions, type PanelSource, sameSource, TRACE_PANEL_VIEW_TYPE, TracePanel } from './panel';
import { TraceStore } from './store';
import { countDecisions, describeFilter, type SessionsFilter, type SessionsNode, SessionsTreeProvider } from './tree';

export class TraceFeatures extends Disposable {
  /** Every run in the workspace's trace directories, plus the runs of this window as they happen. */
  readonly store: TraceStore;
  /** Task-based calls of this window's runs while they are going (status, Cancel Task). */
  readonly tasks: LiveTasks;
  /** The last progress of each call in flight, for the Sessions view. */
  readonly progress: LiveProgress;
  /** The Sessions view's data provider. */
  readonly tree: SessionsTreeProvider;
  /** The reliability lab results of this window (the trace panel's Lab tab). */
  readonly lab: LabResults;
  private readonly view: vscode.TreeView<SessionsNode>;
  private readonly actions: PanelActions;
  private current: TracePanel | undefined;
  private readonly panelOpened = this._register(new vscode.EventEmitter<TracePanel>());
  /** Fires with a new trace panel before it posts anything. */
  readonly onDidOpenPanel = this.panelOpened.event;

  constructor(private readonly ctx: HarnessCore) {
    super();
    this.store = this._register(new TraceStore(() => ctx.config.traceDir));
    this.tasks = this._register(new LiveTasks());
    this.progress = this._register(new LiveProgress());
    this.tree = this._register(new SessionsTreeProvider(this.store, this.tasks, this.progress));
    this.lab = this._register(new LabResults(ctx.dialogs.saveReport));
    this.view = this._register(vscode.window.createTreeView('mcpHarness.sessions', { treeDataProvider: this.tree, showCollapseAll: true }));
    this.actions = {
      rerun: (id) => this.rerun(id),
      exportReport: async (ids, runs) => {
        const format = await pickFormat();
        if (!format) return { cancelled: true };
        return this.exportRuns(runs.length ? runs : ids.map((i) => this.store.run(i)).filter((r): r is TraceRun => !!r), format);
      },
      revealTraceFile: (file) => revealFile(file),
    };
    this._register(
      vscode.window.registerWebviewPanelSerializer(TRACE_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          this.current?.panel.dispose();
          const setup = { ext: ctx.extension, store: this.store, actions: this.actions, lab: this.lab };
          await this.adopt(TracePanel.restored(panel, setup, state as WebviewPersistedState | undefined));
        },
      }),
    );
    // Only the host side is released: closing the webview here, while the window shuts down for a reload,
    // would close its tab before the workbench saves it, and the serializer could not restore it.
    this._register({ dispose: () => this.current?.dispose() });
    // The view's first getChildren reads the traces; keep the badge honest after that.
    this._register(this.store.onDidChange(() => this.updateViewMessage()));
  }

  /** The open trace panel, if any. */
  get panel(): TracePanel | undefined {
    return this.current;
  }

  /** Opens the panel (or reuses the open one) on `source`, selecting a run and step. */
  async showPanel(source: PanelSource, select?: { runId?: string; stepId?: string; tab?: 'lab' }): Promise<TracePanel> {
    const existing = this.current;
    if (existing && sameSource(existing.source, source)) {
      existing.panel.reveal(undefined, false);
      if (select?.runId) existing.select(select.runId, select.stepId);
      return existing;
    }
    existing?.panel.dispose();
    return this.adopt(TracePanel.create({ ext: this.ctx.extension, store: this.store, actions: this.actions, lab: this.lab, source, select }));
  }

  private async adopt(panel: TracePanel): Promise<TracePanel> {
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    this.panelOpened.fire(panel);
    await panel.start();
    return panel;
  }

  setFilter(filter: SessionsFilter): void {
    this.tree.setFilter(filter);
    this.updateViewMessage();
  }

  private updateViewMessage(): void {
    const { store, tree, view } = this;
    const filter = describeFilter(tree.filter);
    view.description = filter ? `filtered: ${filter}` : undefined;
    const bad = store.badLines().length;
    const parts: string[] = [];
    if (filter && store.runs().length && !store.runs().some((r) => r.steps.some((s) => matches(s, tree.filter)))) {
      parts.push(`No step matches the filter (${filter}). Use "Clear Filter" to see every run.`);
    }
    if (bad) parts.push(`${bad} line(s) of the trace files could not be read; open the run in the Trace Panel to see which.`);
    for (const e of store.fileErrors().slice(0, 3)) parts.push(e.error);
    view.message = parts.length ? parts.join(' ') : undefined;
    void vscode.commands.executeCommand('setContext', 'mcpHarness.sessionsFiltered', !!filter);
  }

  /** A run from a tree node, a session id, or a quick pick over the workspace's runs. */
  async resolveRun(arg: unknown, placeHolder: string): Promise<TraceRun | undefined> {
    const { store } = this;
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

  async rerun(sessionId: string): Promise<string | undefined> {
    const { store } = this;
    const run = store.run(sessionId) ?? this.current?.runs().find((r) => r.id === sessionId);
    if (!run) throw new Error('This run is no longer in the traces; refresh the Sessions view.');
    const file = sessionFileOf(run, store.fileOf(sessionId) ?? run.source);
    if (!file) throw new Error(`The trace of "${runName(run)}" does not name its session file, so it cannot be re-run. Open the session file and use "MCP: Run Session".`);
    if (!existsSync(file)) throw new Error(`The session file of "${runName(run)}" (${file}) no longer exists. Restore it or run another session with "MCP: Run Session".`);
    // Run Session goes through the run service, whose events put the new run in the store.
    const result = await vscode.commands.executeCommand<SessionResult | undefined>('mcpHarness.runSession', vscode.Uri.file(file));
    return result?.session_id;
  }

  async exportRuns(runs: TraceRun[], format: ReportFormat, target?: string): Promise<{ path?: string; cancelled?: boolean }> {
    const files = new Set(runs.map((r) => this.store.fileOf(r.id) ?? r.source).filter((p): p is string => !!p));
    const badLines = [...files].flatMap((p) => this.store.badLines(p));
    const result = await exportReport(this.ctx.extension.extensionUri, runs, format, { target, badLines, saveDialog: this.ctx.dialogs.saveReport });
    if (result.path && !target) {
      const open = format === 'xlsx' ? 'Reveal File' : 'Open';
      void vscode.window.showInformationMessage(`Report written to ${result.path}.`, open).then(async (b) => {
        if (b === 'Open') await vscode.env.openExternal(vscode.Uri.file(result.path!)).then(undefined, () => vscode.window.showTextDocument(vscode.Uri.file(result.path!)));
        if (b === 'Reveal File') await revealFile(result.path!);
      });
    }
    return result;
  }

  /** Deletes the trace file of a run after asking; false when the user said no. */
  async deleteRun(run: TraceRun): Promise<boolean> {
    const file = this.store.fileOf(run.id);
    if (!file) throw new Error(`The trace file of "${runName(run)}" is no longer on disk.`);
    const others = this.store.runsInFile(file).length - 1;
    if (!(await this.ctx.dialogs.confirmDelete(run, file, others))) return false;
    unlinkSync(file);
    await this.store.reload(file);
    return true;
  }
}

function matches(s: StepRecord, f: SessionsFilter): boolean {
  return (!f.decisions?.length || f.decisions.includes(s.decision)) && (!f.server || s.server === f.server) && (!f.tool || s.tool === f.tool);
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

export async function revealFile(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  // revealFileInOS is not available in a browser workbench; the Explorer reveal works in both.
  await vscode.commands.executeCommand('revealInExplorer', uri).then(undefined, () => vscode.commands.executeCommand('revealFileInOS', uri));
}

export async function confirmDeleteModal(run: TraceRun, file: string, otherRuns: number): Promise<boolean> {
  const del = 'Delete';
  const more = otherRuns ? ` The file also holds ${otherRuns} other run(s), which are deleted with it.` : '';
  const answer = await vscode.window.showWarningMessage(
    `Delete the run "${runName(run)}"?`,
    { modal: true, detail: `This deletes the trace file ${file}.${more} It cannot be undone.` },
    del,
  );
  return answer === del;
}
