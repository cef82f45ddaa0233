// Lints the tools of every server whenever their lists arrive (start, list_changed, restart) and keeps
// the tool pins: diagnostics go to the config file (on the server's name), to the `mcp-tool:` documents
// (at the exact range of the offending keyword or string) and to the server's own source when it lives
// in the workspace. Pin drift becomes a `pin-changed` finding plus a notification with "Review".
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { applySeverities, checkRuleSettings, ruleInfo, RULE_IDS, scanToolSources, ToolLinter, type LintFinding, type RuleSetting, type ToolSourceLocation } from '../../core/lint';
import { describeChange, type PinStore, pinnableDefinition } from '../../core/pin/store';
import type { ServerDefinition } from '../../core/config/types';
import type { HarnessCore } from '../context';
import { Disposable } from '../disposable';
import { offsetRangeToRange, offsetToPosition } from '../discovery';
import type { WorkspacePins } from './pins';
import { ToolDocumentProvider, toolUri, type ToolVariant } from './toolDocuments';

export const SOURCE = 'MCP Harness lint';

/** What a code action needs to know about a diagnostic it did not create itself. */
export interface DiagnosticMeta {
  server: string;
  tool: string;
  rule: string;
  finding: LintFinding;
  /** Where the finding is in the tool's document. */
  toolRange: vscode.Range;
  /** Set for diagnostics in the server's source. */
  source?: ToolSourceLocation;
}

function lintSettings(): { enabled: boolean; rules: Partial<Record<string, RuleSetting>>; pinning: boolean; threshold?: number } {
  const c = vscode.workspace.getConfiguration('mcpHarness');
  const rules = c.get<unknown>('lint.rules');
  const threshold = c.get<unknown>('lint.descriptionTokenThreshold');
  return {
    ...(typeof threshold === 'number' && threshold >= 1 ? { threshold } : {}),
    enabled: c.get<boolean>('lint.enabled') !== false,
    rules: rules && typeof rules === 'object' && !Array.isArray(rules) ? (rules as Partial<Record<string, RuleSetting>>) : {},
    pinning: c.get<boolean>('pinning.enabled') !== false,
  };
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function metaKey(uri: vscode.Uri, range: vscode.Range, message: string): string {
  return `${uri.toString()}|${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}|${message}`;
}

/** The directory holding a server's own code, when the server is started from a file inside a workspace folder. */
export function serverSourceDir(def: ServerDefinition): string | undefined {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const inside = (p: string) => folders.some((f) => p === f || p.startsWith(f + path.sep));
  const isNodeModules = (p: string) => p.split(path.sep).includes('node_modules');
  if (def.transport !== 'stdio') return undefined;
  for (const arg of def.args ?? []) {
    if (arg.startsWith('-')) continue;
    const p = path.isAbsolute(arg) ? arg : path.resolve(def.cwd ?? def.source.workspaceFolder ?? folders[0] ?? '.', arg);
    const real = path.normalize(p);
    if (!inside(real) || isNodeModules(real)) continue;
    try {
      const st = statSync(real);
      if (st.isFile()) return path.dirname(real);
      if (st.isDirectory()) return real;
    } catch {
      // not a path
    }
  }
  return undefined;
}

/** Pending pin changes as `pin-changed` findings, so drift shows through the same diagnostics path. */
function pinFindingsOf(store: PinStore, rules: Partial<Record<string, RuleSetting>>): LintFinding[] {
  const findings: LintFinding[] = store.pendingChanges().map(({ server, change, rejected }) => ({
    server,
    tool: change.tool,
    rule: 'pin-changed',
    severity: ruleInfo('pin-changed').defaultSeverity,
    path: '',
    message: rejected
      ? `${describeChange(change).replace(/; review.*$/, '')}; you rejected this change, so the tool stays denied in hard_gate mode`
      : `${describeChange(change)} (MCP: Review Tool Changes)`,
  }));
  return applySeverities(findings, rules);
}

export class LintService extends Disposable {
  readonly docs: ToolDocumentProvider;
  private readonly configDiagnostics = vscode.languages.createDiagnosticCollection('mcpHarness.lint.config');
  private readonly toolDiagnostics = vscode.languages.createDiagnosticCollection('mcpHarness.lint.tools');
  private readonly sourceDiagnostics = vscode.languages.createDiagnosticCollection('mcpHarness.lint.source');
  private readonly linter = new ToolLinter();
  /** The tools each server listed last (unfiltered by nothing: what the model sees). */
  private readonly tools = new Map<string, Tool[]>();
  /** Identity of the tool array last processed per server, to skip state events that did not change tools. */
  private readonly seen = new Map<string, Tool[] | undefined>();
  private readonly sources = new Map<string, Map<string, ToolSourceLocation[]>>();
  private readonly meta = new Map<string, DiagnosticMeta>();
  private readonly notified = new Set<string>();
  private findings: LintFinding[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after diagnostics were published (tests wait for it). */
  readonly onDidUpdate = this.changed.event;

  constructor(
    private readonly ctx: HarnessCore,
    /** The lockfiles: drift and pins are recorded in the stores the run environment checks against. */
    readonly pins: WorkspacePins,
  ) {
    super();
    this.docs = this._register(new ToolDocumentProvider({ definition: (s, t, v) => this.definition(s, t, v) }));
    this._register(this.configDiagnostics);
    this._register(this.toolDiagnostics);
    this._register(this.sourceDiagnostics);
    this._register(this.changed);
    const unsubscribe = ctx.servers.onDidChange((state) => {
      if (state.tools !== this.seen.get(state.id)) this.schedule();
    });
    this._register({ dispose: unsubscribe });
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mcpHarness.lint') || e.affectsConfiguration('mcpHarness.pinning')) this.schedule(true);
      }),
    );
    this._register(ctx.discovery.onDidChange(() => this.schedule()));
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  private definition(server: string, tool: string, variant: ToolVariant): unknown {
    if (variant === 'live') return this.tools.get(server)?.find((t) => t.name === tool);
    const store = this.pins.storeSync(server);
    if (!store) return undefined;
    if (variant === 'pinned') return store.pinned(server, tool)?.definition;
    return store.pendingChanges(server).find((c) => c.change.tool === tool)?.change.new.definition;
  }

  schedule(force = false): void {
    if (force) this.seen.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.queue = this.queue.then(() => this.update()).catch((err) => this.ctx.log.error(err as Error));
    }, 50);
  }

  /** Resolves once every scheduled update has run. */
  async settled(): Promise<void> {
    while (this.timer) await new Promise((r) => setTimeout(r, 20));
    await this.queue;
  }

  private async update(): Promise<void> {
    const settings = lintSettings();
    const changedServers: string[] = [];
    for (const state of this.ctx.servers.list()) {
      if (this.seen.has(state.id) && this.seen.get(state.id) === state.tools) continue;
      this.seen.set(state.id, state.tools);
      if (!state.tools) continue; // keep the last known list while a server is stopped
      this.tools.set(state.id, state.tools);
      changedServers.push(state.id);
    }
    const known = new Set(this.ctx.servers.definitions().map((d) => d.id));
    for (const id of [...this.tools.keys()]) if (!known.has(id)) this.tools.delete(id);

    if (settings.pinning) {
      for (const server of changedServers) {
        const store = await this.pins.store(server);
        if (!store) continue;
        const result = await store.observe(server, this.tools.get(server) ?? []);
        const fresh = result.changed.filter((c) => !this.notified.has(`${server}\n${c.tool}\n${c.new.sha256}`));
        for (const c of fresh) this.notified.add(`${server}\n${c.tool}\n${c.new.sha256}`);
        if (fresh.length) this.notifyDrift(server, fresh.map((c) => c.tool));
      }
    }
    for (const server of changedServers) await this.scanSources(server);

    const bad = checkRuleSettings(settings.rules, RULE_IDS);
    if (bad.length) this.ctx.log.warn(`mcpHarness.lint.rules: ${bad.join(' ')}`);
    this.findings = settings.enabled
      ? this.linter.lint([...this.tools].map(([server, tools]) => ({ server, tools })), { rules: settings.rules, ...(settings.threshold ? { descriptionTokenThreshold: settings.threshold } : {}) })
      : [];
    if (settings.pinning) {
      for (const store of this.pins.stores()) this.findings.push(...pinFindingsOf(store, settings.rules).filter((f) => this.tools.has(f.server)));
    }
    for (const server of changedServers) this.docs.refresh(server);
    this.publish();
    this.changed.fire();
  }

  private notifyDrift(server: string, tools: string[]): void {
    const review = 'Review';
    const list = tools.length > 3 ? `${tools.slice(0, 3).join(', ')} and ${tools.length - 3} more` : tools.join(', ');
    void vscode.window
      .showWarningMessage(
        `MCP Harness: the definition of ${tools.length === 1 ? 'tool' : 'tools'} ${list} on server "${server}" changed since ${tools.length === 1 ? 'it was' : 'they were'} pinned. Review the change before the model uses ${tools.length === 1 ? 'it' : 'them'}.`,
        review,
      )
      .then((b) => b === review && vscode.commands.executeCommand('mcpHarness.reviewToolChanges', server));
  }

  private async scanSources(server: string): Promise<void> {
    const def = this.ctx.servers.definition(server);
    const dir = def && serverSourceDir(def);
    if (!dir) {
      this.sources.delete(server);
      return;
    }
    const names = (this.tools.get(server) ?? []).map((t) => t.name);
    try {
      const result = await scanToolSources(dir, names);
      this.sources.set(server, result.locations);
    } catch (err) {
      this.ctx.log.warn(`Could not scan the source of server "${server}" in ${dir}: ${(err as Error).message}`);
      this.sources.delete(server);
    }
  }

  /** Findings for one server (or all), as last computed. */
  current(server?: string): LintFinding[] {
    return server === undefined ? [...this.findings] : this.findings.filter((f) => f.server === server);
  }

  metaFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): DiagnosticMeta | undefined {
    return this.meta.get(metaKey(uri, diagnostic.range, diagnostic.message));
  }

  private readmeLink(rule: string): vscode.Uri {
    return vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'README.md').with({ fragment: `rule-${rule}` });
  }

  private diagnostic(uri: vscode.Uri, range: vscode.Range, message: string, f: LintFinding, toolRange: vscode.Range, source?: ToolSourceLocation): vscode.Diagnostic {
    const d = new vscode.Diagnostic(range, message, SEVERITY[f.severity] ?? vscode.DiagnosticSeverity.Warning);
    d.source = SOURCE;
    d.code = { value: f.rule, target: this.readmeLink(f.rule) };
    if (f.rule === 'hidden-unicode' && f.hidden?.decoded) d.message += ` (hidden text: ${JSON.stringify(f.hidden.decoded.slice(0, 200))})`;
    this.meta.set(metaKey(uri, range, d.message), { server: f.server, tool: f.tool, rule: f.rule, finding: f, toolRange, source });
    return d;
  }

  private publish(): void {
    this.meta.clear();
    this.configDiagnostics.clear();
    this.toolDiagnostics.clear();
    this.sourceDiagnostics.clear();
    const config = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    const toolDocs = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    const sources = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    const texts = new Map<string, string | undefined>();
    const readText = (file: string) => {
      if (!texts.has(file)) {
        let text: string | undefined;
        const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
        if (open) text = open.getText();
        else if (existsSync(file)) text = readFileSync(file, 'utf8');
        texts.set(file, text);
      }
      return texts.get(file);
    };
    const push = (map: Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>, uri: vscode.Uri, d: vscode.Diagnostic) => {
      const entry = map.get(uri.toString()) ?? { uri, list: [] };
      entry.list.push(d);
      map.set(uri.toString(), entry);
    };
    for (const f of this.findings) {
      const uri = toolUri(f.server, f.tool);
      const doc = this.docs.document(f.server, f.tool);
      let toolRange = new vscode.Range(0, 0, 0, 0);
      if (doc) {
        const r = doc.rangeOf(f.path, f.range ? { substring: f.range } : {});
        toolRange = offsetRangeToRange(doc.text, r);
      }
      const related = new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toolRange), `${f.tool} in the tool's schema document`);
      push(toolDocs, uri, this.diagnostic(uri, toolRange, f.message, f, toolRange));

      const def = this.ctx.servers.definition(f.server);
      const text = def && readText(def.source.file);
      if (def && text !== undefined) {
        const configUri = vscode.Uri.file(def.source.file);
        const range = offsetRangeToRange(text, def.source.nameRange);
        const d = this.diagnostic(configUri, range, `${f.tool}: ${f.message}`, f, toolRange);
        d.relatedInformation = [related];
        push(config, configUri, d);
      }

      for (const loc of this.sources.get(f.server)?.get(f.tool) ?? []) {
        const srcUri = vscode.Uri.file(loc.file);
        const onDescription = loc.description && f.path === '/description';
        const start = onDescription ? loc.description! : loc;
        const stext = readText(loc.file);
        const range = stext !== undefined
          ? offsetRangeToRange(stext, { offset: start.offset, length: start.length })
          : new vscode.Range(start.line, start.character, start.line, start.character + start.length);
        const d = this.diagnostic(srcUri, range, `${f.tool}: ${f.message}`, f, toolRange, loc);
        d.relatedInformation = [related];
        push(sources, srcUri, d);
      }
    }
    for (const { uri, list } of config.values()) this.configDiagnostics.set(uri, list);
    for (const { uri, list } of toolDocs.values()) this.toolDiagnostics.set(uri, list);
    for (const { uri, list } of sources.values()) this.sourceDiagnostics.set(uri, list);
  }

  /** Tool definitions of a server for the diff and "Pin Tools" (canonical). */
  liveTools(server: string): Tool[] | undefined {
    return this.tools.get(server);
  }

  servers(): string[] {
    return [...this.tools.keys()];
  }

  /** Pins every listed tool of the given servers (all with tools when absent). */
  async pinAll(servers = this.servers()): Promise<{ server: string; count: number }[]> {
    const out: { server: string; count: number }[] = [];
    for (const server of servers) {
      const store = await this.pins.store(server);
      const tools = this.tools.get(server);
      if (!store || !tools) continue;
      await store.pinAll(server, tools);
      out.push({ server, count: tools.length });
      this.docs.refresh(server);
    }
    this.schedule(true);
    await this.settled();
    return out;
  }

  async accept(server: string, tool?: string): Promise<string[]> {
    const store = await this.pins.store(server);
    const names = store ? await store.accept(server, tool) : [];
    this.docs.refresh(server);
    this.schedule(true);
    await this.settled();
    return names;
  }

  async reject(server: string, tool?: string): Promise<string[]> {
    const store = await this.pins.store(server);
    const names = store ? store.reject(server, tool) : [];
    this.schedule(true);
    await this.settled();
    return names;
  }

  /** Every pending change across the workspace's lockfiles. */
  pending(server?: string): { server: string; tool: string; rejected: boolean }[] {
    const out: { server: string; tool: string; rejected: boolean }[] = [];
    for (const store of this.pins.stores()) {
      for (const p of store.pendingChanges(server)) out.push({ server: p.server, tool: p.change.tool, rejected: p.rejected });
    }
    return out;
  }

  /** The canonical pinned form of a live tool (used by tests and the diff). */
  static canonical(tool: unknown): unknown {
    return pinnableDefinition(tool);
  }

  /** Position helper for code actions on source files. */
  static position(text: string, offset: number): vscode.Position {
    return offsetToPosition(text, offset);
  }
}
