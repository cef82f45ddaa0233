// The trace explorer panel: serves dist/webview.js under a nonce CSP, answers every `ready` with a
// full `init`, streams live changes from the TraceStore, and is restored after a window reload by
// the WebviewPanelSerializer (which reloads the traces from disk; the webview keeps its own UI state).
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadTraceFile } from '../../core/report/load';
import { diffRunsForPanel } from './panelDiff';
import type { TraceRun } from '../../core/report/model';
import {
  createHostChannel,
  type BadLine,
  type HostChannel,
  type HostToWebview,
  type ThemeKind,
  WEBVIEW_ROOT_ID,
  type WebviewPersistedState,
} from '../../protocol/messages';
import type { LabResults } from '../lab/results';
import type { TraceStore } from './store';

export const TRACE_PANEL_VIEW_TYPE = 'mcpHarness.tracePanel';
const SOURCE_KEY = 'mcpHarness.tracePanel.source';
/** The host's copy of the selection, for a restore whose webview state was not saved in time. */
const SELECTION_KEY = 'mcpHarness.tracePanel.selection';

/** What the panel shows: every run in the workspace's trace directories, or the runs of one file. */
export type PanelSource = { kind: 'workspace' } | { kind: 'file'; path: string };

export interface PanelActions {
  rerun(sessionId: string): Promise<string | undefined>;
  exportReport(sessionIds: string[], runs: TraceRun[]): Promise<{ path?: string; cancelled?: boolean }>;
  revealTraceFile(file: string): Promise<void>;
}

function themeKind(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    // Audio in tool results plays from the recorded base64 only.
    'media-src data:',
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="${csp};">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>MCP Trace</title>
  <style nonce="${nonce}">html, body { margin: 0; padding: 0; height: 100%; }</style>
</head>
<body>
  <div id="${WEBVIEW_ROOT_ID}"></div>
  <script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** Where a panel reads and what it shows first. */
export interface PanelSetup {
  ext: vscode.ExtensionContext;
  store: TraceStore;
  actions: PanelActions;
  source: PanelSource;
  select?: { runId?: string; stepId?: string; tab?: 'lab' };
  /** The lab results of this window, for the Lab tab. */
  lab?: LabResults;
}

export class TracePanel implements vscode.Disposable {
  private readonly channel: HostChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly postEmitter = new vscode.EventEmitter<HostToWebview>();
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  private fileRuns: TraceRun[] = [];
  private fileBadLines: BadLine[] = [];
  private fileError: string | undefined;
  private fileWatcher: FSWatcher | undefined;
  private fileTimer: NodeJS.Timeout | undefined;
  private selectedRunId: string | undefined;
  private selectedStepId: string | undefined;
  /** Shown by the first init only: a reload of the page keeps the tab the user was on. */
  private openingTab: 'lab' | undefined;
  private disposed = false;
  /** Every message posted to the webview, as it is posted. */
  readonly onDidPost = this.postEmitter.event;
  readonly onDidDispose = this.disposeEmitter.event;

  /** A new panel on `setup.source`; call start() once its owner listens to it. */
  static create(setup: PanelSetup): TracePanel {
    const panel = vscode.window.createWebviewPanel(TRACE_PANEL_VIEW_TYPE, 'MCP Trace', vscode.ViewColumn.Active, panelOptions(setup.ext.extensionUri));
    const created = new TracePanel(panel, setup, setup.source, setup.select?.runId, setup.select?.stepId);
    created.openingTab = setup.select?.tab;
    return created;
  }

  /** The panel the serializer hands back after a window reload, on the source and selection it had. */
  static restored(panel: vscode.WebviewPanel, setup: Omit<PanelSetup, 'source' | 'select'>, state: WebviewPersistedState | undefined): TracePanel {
    const { ext } = setup;
    const source = ext.workspaceState.get<PanelSource>(SOURCE_KEY) ?? { kind: 'workspace' };
    panel.webview.options = panelOptions(ext.extensionUri);
    const saved = ext.workspaceState.get<{ runId?: string; stepId?: string }>(SELECTION_KEY);
    const runId = state?.selectedRunId ?? saved?.runId;
    const stepId = state?.selectedStepId ?? (runId === saved?.runId ? saved?.stepId : undefined);
    return new TracePanel(panel, setup, source, runId, stepId);
  }

  private readonly ext: vscode.ExtensionContext;
  private readonly store: TraceStore;
  private readonly actions: PanelActions;
  private readonly lab: LabResults | undefined;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    setup: Omit<PanelSetup, 'source' | 'select'>,
    readonly source: PanelSource,
    selectedRunId: string | undefined,
    selectedStepId: string | undefined,
  ) {
    ({ ext: this.ext, store: this.store, actions: this.actions, lab: this.lab } = setup);
    const ext = this.ext;
    this.selectedRunId = selectedRunId;
    this.selectedStepId = selectedStepId;
    panel.iconPath = vscode.Uri.joinPath(ext.extensionUri, 'media', 'mcp-harness.svg');
    const webview = panel.webview;
    this.channel = createHostChannel({
      postMessage: (m) => {
        this.postEmitter.fire(m as HostToWebview);
        return webview.postMessage(m);
      },
      onDidReceiveMessage: (l) => webview.onDidReceiveMessage(l),
    });
    this.channel.onReady(() => this.channel.post(this.initMessage()));
    this.channel.onMessage((m) => void this.onMessage(m));
    this.channel.handle('exportReport', ({ sessionIds }) => this.actions.exportReport(sessionIds, this.runs().filter((r) => !sessionIds.length || sessionIds.includes(r.id))));
    this.channel.handle('rerun', async ({ sessionId }) => ({ sessionId: await this.actions.rerun(sessionId) }));
    const lab = this.lab;
    if (lab) {
      this.channel.handle('saveLabReport', ({ key }) => lab.saveReportCard(key));
      this.disposables.push(lab.onDidAdd((result) => this.channel.post({ type: 'labResult', result, reveal: true })));
    }
    this.disposables.push(
      { dispose: () => this.channel.dispose() },
      panel.onDidDispose(() => this.dispose()),
      vscode.window.onDidChangeActiveColorTheme((t) => this.channel.post({ type: 'theme', theme: themeKind(t.kind) })),
    );
    panel.title = source.kind === 'file' ? `MCP Trace: ${path.basename(source.path)}` : 'MCP Trace';
  }

  async start(): Promise<void> {
    await this.ext.workspaceState.update(SOURCE_KEY, this.source);
    if (this.source.kind === 'workspace') {
      // Subscribed only after the first read: the runs it finds are in the init, and a `runStarted`
      // for a run the webview already has would make it jump to that run and drop the selection.
      await this.store.ready();
      this.disposables.push(
        this.store.onDidChange((changes) => {
          for (const c of changes) {
            if (c.kind === 'runStarted') this.channel.post({ type: 'runStarted', run: c.run });
            else if (c.kind === 'appendSteps') this.channel.post({ type: 'appendSteps', sessionId: c.sessionId, steps: c.steps });
            else if (c.kind === 'runEnded') this.channel.post({ type: 'runEnded', end: c.end });
            else this.channel.post({ type: 'removeRun', sessionId: c.sessionId });
          }
        }),
      );
    } else {
      await this.loadFile();
      this.watchFile();
    }
    this.selectedRunId ??= this.runs()[0]?.id;
    this.panel.webview.html = panelHtml(this.panel.webview, this.ext.extensionUri);
  }

  private async loadFile(): Promise<void> {
    if (this.source.kind !== 'file') return;
    try {
      const load = await loadTraceFile(this.source.path);
      const before = this.fileRuns;
      this.fileRuns = load.runs;
      this.fileBadLines = load.badLines;
      this.fileError = undefined;
      return void (this.channel.isReady && before.length ? this.postDiff(before, load.runs) : undefined);
    } catch (err) {
      this.fileRuns = [];
      this.fileBadLines = [];
      this.fileError = (err as Error).message;
    }
  }

  private postDiff(before: TraceRun[], after: TraceRun[]): void {
    for (const m of diffRunsForPanel(before, after)) this.channel.post(m);
  }

  /** A file outside the trace directories is watched by the panel itself (appends from a running CLI). */
  private watchFile(): void {
    if (this.source.kind !== 'file') return;
    try {
      this.fileWatcher = watch(this.source.path, () => {
        clearTimeout(this.fileTimer);
        this.fileTimer = setTimeout(() => void this.loadFile(), 150);
      });
      this.fileWatcher.on('error', () => undefined);
    } catch {
      // the file is gone; the init already says so
    }
  }

  runs(): TraceRun[] {
    return this.source.kind === 'workspace' ? this.store.runs() : this.fileRuns;
  }

  badLines(): BadLine[] {
    return this.source.kind === 'workspace' ? this.store.badLines() : this.fileBadLines;
  }

  private initMessage(): Extract<HostToWebview, { type: 'init' }> {
    const runs = this.runs();
    const badLines = this.badLines();
    if (this.fileError) setTimeout(() => this.channel.post({ type: 'notice', level: 'error', message: this.fileError! }), 0);
    return {
      type: 'init',
      runs,
      ...(this.selectedRunId && runs.some((r) => r.id === this.selectedRunId) ? { selectedRunId: this.selectedRunId } : {}),
      ...(this.selectedStepId ? { selectedStepId: this.selectedStepId } : {}),
      theme: themeKind(vscode.window.activeColorTheme.kind),
      capabilities: { rerun: true, exportReport: true, revealTraceFile: true, openFile: true, openResource: true, saveLabReport: !!this.lab },
      ...(badLines.length ? { badLines } : {}),
      ...(this.lab?.all().length ? { labResults: this.lab.all() } : {}),
      ...this.takeOpeningTab(),
    };
  }

  private takeOpeningTab(): { tab?: 'lab' } {
    const tab = this.openingTab;
    this.openingTab = undefined;
    return tab ? { tab } : {};
  }

  select(runId: string, stepId?: string): void {
    this.selectedRunId = runId;
    this.selectedStepId = stepId;
    this.channel.post({ type: 'selectRun', sessionId: runId, ...(stepId ? { stepId } : {}) });
  }

  private traceFileOf(sessionId: string): string | undefined {
    return this.source.kind === 'file' ? this.source.path : this.store.fileOf(sessionId);
  }

  private async onMessage(m: Parameters<Parameters<HostChannel['onMessage']>[0]>[0]): Promise<void> {
    switch (m.type) {
      case 'selectRun':
        this.selectedRunId = m.sessionId;
        this.selectedStepId = undefined;
        await this.ext.workspaceState.update(SELECTION_KEY, { runId: m.sessionId });
        return;
      case 'selectStep':
        this.selectedRunId = m.sessionId;
        this.selectedStepId = m.stepId;
        await this.ext.workspaceState.update(SELECTION_KEY, { runId: m.sessionId, stepId: m.stepId });
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.setStatusBarMessage(`Copied ${m.what ?? 'text'} to the clipboard.`, 3000);
        return;
      case 'revealTraceFile': {
        const file = this.traceFileOf(m.sessionId);
        if (file) await this.actions.revealTraceFile(file);
        else void vscode.window.showWarningMessage('The trace file of this run is no longer on disk.');
        return;
      }
      case 'openResource':
        // The Servers view's command: it starts nothing the user has not allowed, and reports its own errors.
        try {
          await vscode.commands.executeCommand('mcpHarness.openResource', m.server, m.uri);
        } catch (err) {
          void vscode.window.showWarningMessage(`${m.uri} could not be read from ${m.server}: ${(err as Error).message}`);
        }
        return;
      case 'openFile': {
        const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
        const uri = vscode.Uri.file(path.isAbsolute(m.path) ? m.path : path.resolve(base, m.path));
        try {
          const doc = await vscode.workspace.openTextDocument(uri);
          const line = Math.max(0, (m.line ?? 1) - 1);
          await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.Beside });
        } catch {
          void vscode.window.showWarningMessage(`${m.path} could not be opened; it may have been moved or deleted.`);
        }
        return;
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.fileTimer);
    this.fileWatcher?.close();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
    this.postEmitter.dispose();
  }
}

function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // State survives hide/show through the webview's getState/setState, not a kept-alive page.
    retainContextWhenHidden: false,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function sameSource(a: PanelSource, b: PanelSource): boolean {
  return a.kind === b.kind && (a.kind === 'workspace' || (b.kind === 'file' && path.resolve(a.path) === path.resolve(b.path)));
}
