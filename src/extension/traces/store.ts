// The runs of every trace file under each workspace folder's trace directory (`mcpHarness.traceDir`,
// `.mcp-harness/traces` by default). Traces written by the CLI show up through the file watcher (a growing
// file is read from where the last read stopped). Runs of this window come from the run service's events
// instead (runStarted / publishStep / runEnded): they are shown as they happen and their files are never
// read back. Changes are reported as run-level events (started, steps appended, ended, removed) so the
// tree and the panel can update without re-sending everything.
import { existsSync, readdirSync, statSync, watch } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { appendSteps, runStartMs, type TraceRun } from '../../core/report/model';
import type { BadLine } from '../../protocol/messages';
import type { SessionEnd, SessionHeader, StepRecord } from '../../protocol/trace';
import { readTraceFile, type TraceFileRead } from './fileTail';
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
  /** Written by a run of this window: its runs are fed by the run events, not by reading the file. */
  own?: boolean;
  /** What was read so far, so a growing file is read from where the last read stopped. */
  read?: TraceFileRead;
}

export type { TraceStoreChange } from './panelDiff';

export class TraceStore implements vscode.Disposable {
  private readonly files = new Map<string, FileEntry>();
  /** Files read from disk so far (own runs' files are not read). */
  private reads = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<TraceStoreChange[]>();
  private readonly stepEmitter = new vscode.EventEmitter<StepRecord>();
  private scanned: Promise<void> | undefined;

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
    for (const dir of this.traceDirs()) this.watchers.push(this.watch(dir));
    await this.scanFiles();
  }

  /**
   * Watches `dir`'s trace files with Node's flat (one-folder) watch: the extension host runs where the
   * files are (the store reads them with `fs` too), and VS Code's watcher proved unreliable for a folder
   * inside the workspace (folded into the recursive workspace watcher, or not yet started when a file
   * lands). The traces folder usually appears later (the first run, often the CLI's, creates it): while it
   * is missing, the closest existing ancestor is watched for the next folder on the way, and its creation
   * re-scans. Never a whole tree.
   */
  private watch(dir: string): vscode.Disposable {
    if (existsSync(dir)) {
      return this.watchFolder(dir, (name) => {
        const file = name?.endsWith('.jsonl') ? path.join(dir, name) : undefined;
        if (file) return existsSync(file) ? this.schedule(file) : this.forget(file);
        if (!existsSync(dir)) void this.rescan(); // the folder itself went away
      });
    }
    let next = dir;
    while (!existsSync(path.dirname(next)) && path.dirname(next) !== next) next = path.dirname(next);
    const watcher = this.watchFolder(path.dirname(next), (name) => {
      if (name === path.basename(next)) void this.rescan();
    });
    // Created between the check above and the watch starting: no event will come for it.
    if (existsSync(next)) setImmediate(() => void this.rescan());
    return watcher;
  }

  private watchFolder(folder: string, onEvent: (name: string | null) => void): vscode.Disposable {
    try {
      const watcher = watch(folder, (_event, name) => onEvent(name));
      watcher.on('error', () => watcher.close()); // e.g. the folder was deleted; a rescan watches again
      return { dispose: () => watcher.close() };
    } catch {
      return { dispose: () => undefined }; // gone already: "Refresh" re-reads and watches again
    }
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
    // A run of this window still going: its events are ahead of the file.
    if (old?.own && old.runs.some((r) => !r.end)) return;
    this.reads++;
    let entry: FileEntry;
    try {
      const read = await readTraceFile(file, old?.read);
      entry = { path: file, mtimeMs: st.mtimeMs, size: st.size, runs: read.runs, badLines: read.badLines, read };
    } catch (err) {
      entry = { path: file, mtimeMs: st.mtimeMs, size: st.size, runs: [], badLines: [], error: (err as Error).message };
    }
    this.files.set(file, entry);
    this.changeEmitter.fire(diffRuns(old?.runs ?? [], entry.runs));
  }

  private schedule(file: string): void {
    if (!this.scanned || this.files.get(file)?.own) return;
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

  /**
   * A run of this window began (the run service's onStart). It is shown at once when its trace goes to
   * one of the trace directories; `file` is where the writer puts it.
   */
  runStarted(header: SessionHeader, file: string | undefined): void {
    if (!file || !this.traceDirs().includes(path.dirname(file)) || this.run(header.session_id)) return;
    const run: TraceRun = { id: header.session_id, header, steps: [], source: file };
    const entry = this.files.get(file);
    if (entry) entry.runs.push(run);
    else this.files.set(file, { path: file, mtimeMs: 0, size: 0, runs: [run], badLines: [], own: true });
    this.changeEmitter.fire([{ kind: 'runStarted', run }]);
  }

  /** A step of a run of this window finished (the run service's onStep; child steps too). */
  publishStep(record: StepRecord): void {
    this.stepEmitter.fire(record);
    const run = this.run(record.session_id);
    if (run && appendSteps(run, [record])) this.changeEmitter.fire([{ kind: 'appendSteps', sessionId: run.id, steps: [record] }]);
  }

  /** A run of this window ended (the run service's onEnd): shown as finished at once. */
  runEnded(end: SessionEnd): void {
    const run = this.run(end.session_id);
    if (!run || run.end) return;
    run.end = end;
    const file = this.fileOf(run.id);
    const entry = file ? this.files.get(file) : undefined;
    if (entry?.own) {
      // The writer wrote the end line before onEnd: remember the file as read, so its watcher event is a no-op.
      try {
        const st = statSync(entry.path);
        entry.mtimeMs = st.mtimeMs;
        entry.size = st.size;
      } catch {
        // deleted already; the watcher forgets it
      }
    }
    this.changeEmitter.fire([{ kind: 'runEnded', end }]);
  }

  /** How many trace files were read from disk since activation. */
  fileReads(): number {
    return this.reads;
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
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

