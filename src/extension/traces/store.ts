// The runs of every trace file under each workspace folder's trace directory (`mcpHarness.traceDir`,
// `.mcp-harness/traces` by default). Traces written by the CLI show up through the file watcher; steps
// of a session running in this window arrive sooner through `publishStep` (the runner's onStep).
// Changes are reported as run-level events (started, steps appended, ended, removed) so the tree and
// the panel can update without re-sending everything.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadTraceFile } from '../../core/report/load';
import { appendSteps, runStartMs, type TraceRun } from '../../core/report/model';
import type { BadLine } from '../../protocol/messages';
import type { StepRecord } from '../../protocol/trace';
import { diffRuns, type TraceStoreChange } from './panelDiff';

/** Only the newest trace files are read; older ones stay on disk (open them with "Open Trace File…"). */
export const MAX_TRACE_FILES = 500;
/** File events within this window are coalesced into one re-read. */
const RELOAD_DELAY_MS = 150;

interface FileEntry {
  path: string;
  mtimeMs: number;
  size: number;
  runs: TraceRun[];
  badLines: BadLine[];
  error?: string;
}

export type { TraceStoreChange } from './panelDiff';

export class TraceStore implements vscode.Disposable {
  private readonly files = new Map<string, FileEntry>();
  /** Steps published live before the file that holds them was read. */
  private readonly pending = new Map<string, StepRecord[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<TraceStoreChange[]>();
  private readonly stepEmitter = new vscode.EventEmitter<StepRecord>();
  private scanned: Promise<void> | undefined;
  private scanTimer: NodeJS.Timeout | undefined;

  /** Fires with what changed, after the runs were updated. */
  readonly onDidChange = this.changeEmitter.event;
  /** Fires for every step record a session in this window records (child steps too), as it is recorded. */
  readonly onDidRecordStep = this.stepEmitter.event;

  constructor(private readonly traceDirSetting: () => string) {
    this.disposables.push(
      this.changeEmitter,
      this.stepEmitter,
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mcpHarness.traceDir')) void this.rescan();
      }),
    );
  }

  /** The directories traces are read from: one per workspace folder. */
  traceDirs(): string[] {
    const setting = this.traceDirSetting();
    return (vscode.workspace.workspaceFolders ?? []).map((f) => path.resolve(f.uri.fsPath, setting));
  }

  /** Reads the trace directories the first time it is called (nothing is read at activation). */
  ready(): Promise<void> {
    this.scanned ??= this.rescan();
    return this.scanned;
  }

  /** Re-creates the watchers (folders or the setting changed) and re-reads the directories. */
  async rescan(): Promise<void> {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const dir of this.traceDirs()) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.jsonl'));
      watcher.onDidCreate((u) => this.schedule(u.fsPath));
      watcher.onDidChange((u) => this.schedule(u.fsPath));
      watcher.onDidDelete((u) => this.forget(u.fsPath));
      this.watchers.push(watcher);
    }
    await this.scanFiles();
  }

  /** Lists the trace directories and reads new or changed files (the newest MAX_TRACE_FILES). */
  async scanFiles(): Promise<void> {
    const found: { path: string; mtimeMs: number }[] = [];
    for (const dir of this.traceDirs()) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
      } catch {
        continue; // no traces yet in this folder
      }
      for (const n of names) {
        try {
          const p = path.join(dir, n);
          const st = statSync(p);
          if (st.isFile()) found.push({ path: p, mtimeMs: st.mtimeMs });
        } catch {
          // deleted while listing
        }
      }
    }
    found.sort((a, b) => b.mtimeMs - a.mtimeMs);
    const keep = new Set(found.slice(0, MAX_TRACE_FILES).map((f) => f.path));
    for (const p of [...this.files.keys()]) if (!keep.has(p)) this.forget(p);
    for (const p of keep) await this.reload(p);
  }

  /** Re-reads one file now (the watcher calls it debounced). */
  async reload(file: string): Promise<void> {
    let st;
    try {
      st = statSync(file);
    } catch {
      this.forget(file);
      return;
    }
    const old = this.files.get(file);
    if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) return;
    let entry: FileEntry;
    try {
      const load = await loadTraceFile(file);
      entry = { path: file, mtimeMs: st.mtimeMs, size: st.size, runs: load.runs, badLines: load.badLines };
    } catch (err) {
      entry = { path: file, mtimeMs: st.mtimeMs, size: st.size, runs: [], badLines: [], error: (err as Error).message };
    }
    // Live steps published before this read keep their place; the file has them too once flushed.
    for (const run of entry.runs) {
      const early = this.pending.get(run.id);
      if (early) appendSteps(run, early);
      if (run.end) this.pending.delete(run.id);
    }
    this.files.set(file, entry);
    this.changeEmitter.fire(diffRuns(old?.runs ?? [], entry.runs));
  }

  private schedule(file: string): void {
    if (!this.scanned) return;
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        void this.reload(file);
      }, RELOAD_DELAY_MS),
    );
  }

  private forget(file: string): void {
    const old = this.files.get(file);
    if (!old) return;
    this.files.delete(file);
    this.changeEmitter.fire(old.runs.map((r) => ({ kind: 'removeRun', sessionId: r.id })));
  }

  /** Called by the session runner's onStep: shows the step before the trace writer flushes it. */
  publishStep(record: StepRecord): void {
    this.stepEmitter.fire(record);
    const run = this.run(record.session_id);
    if (run) {
      if (appendSteps(run, [record])) this.changeEmitter.fire([{ kind: 'appendSteps', sessionId: run.id, steps: [record] }]);
      return;
    }
    const list = this.pending.get(record.session_id) ?? [];
    list.push(record);
    this.pending.set(record.session_id, list);
    // The header is already on disk (written when the run opened its trace): look for the new file.
    if (!this.scanTimer) {
      this.scanTimer = setTimeout(() => {
        this.scanTimer = undefined;
        void (this.scanned ? this.scanFiles() : this.ready());
      }, 0);
    }
  }

  /** Every run, newest first. */
  runs(): TraceRun[] {
    const all: TraceRun[] = [];
    for (const f of this.files.values()) all.push(...f.runs);
    return all.sort((a, b) => runStartMs(b) - runStartMs(a));
  }

  run(sessionId: string): TraceRun | undefined {
    for (const f of this.files.values()) {
      const r = f.runs.find((x) => x.id === sessionId);
      if (r) return r;
    }
    return undefined;
  }

  fileOf(sessionId: string): string | undefined {
    for (const f of this.files.values()) if (f.runs.some((r) => r.id === sessionId)) return f.path;
    return undefined;
  }

  /** Runs that share the file of `sessionId` (a trace file may hold several runs). */
  runsInFile(file: string): TraceRun[] {
    return this.files.get(file)?.runs ?? [];
  }

  badLines(file?: string): BadLine[] {
    if (file) return this.files.get(file)?.badLines ?? [];
    return [...this.files.values()].flatMap((f) => f.badLines);
  }

  /** Files that could not be read at all (too large, unreadable), with the reason. */
  fileErrors(): { path: string; error: string }[] {
    return [...this.files.values()].filter((f) => f.error).map((f) => ({ path: f.path, error: f.error! }));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    clearTimeout(this.scanTimer);
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
