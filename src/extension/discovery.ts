// Runs the core's discovery over the workspace folders, keeps the result, watches every candidate
// config file, and publishes config problems to the Problems panel at their exact ranges.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfigProblem, ServerDefinition, SourceRange } from '../core/config/types';
import type { Logger } from '../core/types';
import { Disposable } from './disposable';

export interface DiscoveryOutput {
  definitions: ServerDefinition[];
  problems: ConfigProblem[];
  /** Config files that exist and were read. */
  files: string[];
  /** Every file whose creation, change or deletion changes the result (candidates and envFiles). */
  watch: string[];
  /** The `inputs` declared by the config files (file and id of each). */
  inputs: { file: string; id: string }[];
}

export interface DiscoveryPorts {
  /**
   * Runs the core's discover() over these folders (absolute paths). `askInputs(id)` says whether a
   * server's `${input:…}` values may be asked for now; the others stay pending, so a refresh never prompts.
   */
  discover(folders: string[], askInputs: (serverId: string) => boolean): Promise<DiscoveryOutput>;
  /** Whether every listed input of a config file already has a stored value (using it asks nothing). */
  inputsStored(file: string, ids: string[]): Promise<boolean>;
  /** Hands the new definitions to the connection layer before anyone hears of them. */
  apply(out: DiscoveryOutput): Promise<void>;
  debounceMs: number;
}

/** Converts a 0-based offset range to a vscode.Range using the file's text. */
export function offsetRangeToRange(text: string, range: SourceRange): vscode.Range {
  const start = offsetToPosition(text, range.offset);
  const end = offsetToPosition(text, range.offset + Math.max(0, range.length));
  return new vscode.Range(start, end);
}

export function offsetToPosition(text: string, offset: number): vscode.Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let character = clamped - lineStart;
  // A CRLF file's line ends before the \r: never point between \r and \n.
  if (character > 0 && text.charCodeAt(clamped - 1) === 13 && text.charCodeAt(clamped) === 10) character--;
  return new vscode.Position(line, character);
}

const SEVERITY: Record<ConfigProblem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class DiscoveryService extends Disposable {
  private result: DiscoveryOutput = { definitions: [], problems: [], files: [], watch: [], inputs: [] };
  /** Servers whose inputs may be asked: the user started them (or their values are stored). */
  private readonly inputsAllowed = new Set<string>();
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('mcp-harness-config'));
  private readonly changed = this._register(new vscode.EventEmitter<DiscoveryOutput>());
  readonly onDidChange = this.changed.event;
  private watchers: vscode.Disposable[] = [];
  private watchedKey = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private firstRun: Promise<void> | undefined;
  private generation = 0;

  constructor(
    private readonly ports: DiscoveryPorts,
    private readonly log: Logger,
  ) {
    super();
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule('workspace folders changed')));
    this._register({ dispose: () => this.disposeWatchers() });
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  get definitions(): readonly ServerDefinition[] {
    return this.result.definitions;
  }

  get problems(): readonly ConfigProblem[] {
    return this.result.problems;
  }

  get inputs(): readonly { file: string; id: string }[] {
    return this.result.inputs;
  }

  get files(): readonly string[] {
    return this.result.files;
  }

  /** Increases with every completed discovery run (tests wait on it). */
  get runs(): number {
    return this.generation;
  }

  definition(id: string): ServerDefinition | undefined {
    return this.result.definitions.find((d) => d.id === id);
  }

  /** Resolves once the first discovery finished (starting it when nobody has yet). */
  ready(): Promise<void> {
    this.firstRun ??= this.refresh();
    return this.firstRun;
  }

  /** Coalesces bursts of file events (editors save in several writes) into one run. */
  schedule(reason: string): void {
    this.log.debug(`Discovery scheduled: ${reason}`);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.ports.debounceMs);
  }

  /** Runs discovery now; a call while one runs queues exactly one more run after it. */
  refresh(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          await this.runOnce();
        } while (this.rerun);
      } finally {
        this.running = undefined;
      }
    })();
    this.firstRun ??= this.running;
    return this.running;
  }

  /**
   * Resolves the `${input:…}` values of one server (asking the user for those not stored yet) and
   * returns its definition as it is then. Called before a server with pending inputs starts.
   */
  async resolveInputsFor(id: string): Promise<ServerDefinition | undefined> {
    const def = this.definition(id);
    if (!def?.pendingInputs?.length) return def;
    this.inputsAllowed.add(id);
    await this.refresh();
    // A refresh already running when we asked may have used the old set: make sure one ran after.
    if (this.definition(id)?.pendingInputs?.length) {
      this.rerun = true;
      await this.refresh();
    }
    return this.definition(id);
  }

  /** After saved inputs are forgotten: servers go back to pending until they are started again. */
  forgetInputPermissions(): void {
    this.inputsAllowed.clear();
  }

  private async discoverOnce(folders: string[]): Promise<DiscoveryOutput> {
    try {
      return await this.ports.discover(folders, (id) => this.inputsAllowed.has(id));
    } catch (err) {
      // discover() reports bad input as problems; reaching here is a bug, which must not kill the view.
      this.log.error(err instanceof Error ? err : String(err));
      return { definitions: [], problems: [], files: [], watch: [], inputs: [] };
    }
  }

  private async runOnce(): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    let out = await this.discoverOnce(folders);
    // Servers whose inputs all have stored values resolve without asking: no reason to keep them pending.
    let more = false;
    for (const def of out.definitions) {
      if (def.pendingInputs?.length && !this.inputsAllowed.has(def.id) && (await this.ports.inputsStored(def.source.file, def.pendingInputs))) {
        this.inputsAllowed.add(def.id);
        more = true;
      }
    }
    if (more) out = await this.discoverOnce(folders);
    // The connection layer gets the definitions first, so nobody can start a server it does not know yet.
    try {
      await this.ports.apply(out);
    } catch (err) {
      this.log.error(err instanceof Error ? err : String(err));
    }
    this.result = out;
    this.generation++;
    this.updateWatchers(out.watch);
    await this.publishDiagnostics(out.problems);
    this.log.info(
      `Discovered ${out.definitions.length} server(s) in ${out.files.length} config file(s)` +
        (out.problems.length ? `, ${out.problems.length} problem(s).` : '.'),
    );
    this.changed.fire(out);
  }

  private updateWatchers(files: string[]): void {
    const paths = new Set<string>(files);
    const key = [...paths].sort().join('\n');
    if (key === this.watchedKey) return;
    this.disposeWatchers();
    this.watchedKey = key;
    for (const file of paths) {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
      );
      const on = (what: string) => () => this.schedule(`${path.basename(file)} ${what}`);
      watcher.onDidCreate(on('created'));
      watcher.onDidChange(on('changed'));
      watcher.onDidDelete(on('deleted'));
      this.watchers.push(watcher);
    }
  }

  private disposeWatchers(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    this.watchedKey = '';
  }

  private async publishDiagnostics(problems: ConfigProblem[]): Promise<void> {
    const byFile = new Map<string, ConfigProblem[]>();
    for (const p of problems) {
      const list = byFile.get(p.file) ?? [];
      list.push(p);
      byFile.set(p.file, list);
    }
    const entries: [vscode.Uri, vscode.Diagnostic[]][] = [];
    for (const [file, list] of byFile) {
      let text = '';
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        // The file vanished between discovery and now: ranges fall back to the first character.
      }
      entries.push([
        vscode.Uri.file(file),
        list.map((p) => {
          const d = new vscode.Diagnostic(offsetRangeToRange(text, p.range), p.message, SEVERITY[p.severity]);
          d.source = 'MCP Harness';
          d.code = p.code;
          return d;
        }),
      ]);
    }
    this.diagnostics.clear();
    this.diagnostics.set(entries);
  }
}
