// Editor support for *.mcp-session.json: CodeLens (Run Session / Run Step), live diagnostics against
// the live tool schemas, completion of `server/tool` names and argument keys, hovers.
// Tool lists come only from servers that are running or have a cached list: nothing is spawned here.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Node } from 'jsonc-parser';
import * as vscode from 'vscode';
import { parseSession } from '../../core/session/parse';
import type { HarnessContext } from '../context';
import { Disposable } from '../disposable';
import { toolBadges } from '../serversView';
import {
  hasRuntimeReference,
  keyNodeOf,
  layoutOf,
  locationAt,
  nodeAtJsonPath,
  nodeValue,
  splitToolRef,
} from './document';

export const SESSION_SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.mcp-session.json' },
];

export function isSessionDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith('.mcp-session.json');
}

export interface SchemaError {
  /** JSON path into the args, e.g. `$.items[0].id`. */
  path: string;
  message: string;
}

export interface LanguagePorts {
  /** Validates literal args against a tool's inputSchema. */
  validateArgs(schema: unknown, args: unknown): SchemaError[];
  /**
   * Why the policy would deny this call before it runs (undefined when it would not). `args` are the
   * step's literal arguments (references left as written), for the argument rules such as noNetwork.
   */
  policyConflict(server: string, tool: Tool, sessionPolicy: unknown, stepPolicy: unknown, args: Record<string, unknown>): string | undefined;
}

function rangeOf(doc: vscode.TextDocument, node: Node): vscode.Range {
  return new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length));
}

/** The inner range of a string node (without its quotes). */
function stringInner(doc: vscode.TextDocument, node: Node): vscode.Range {
  return new vscode.Range(doc.positionAt(node.offset + 1), doc.positionAt(node.offset + node.length - 1));
}

export class SessionLanguageFeatures extends Disposable
  implements vscode.CodeLensProvider, vscode.CompletionItemProvider, vscode.HoverProvider
{
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('mcp-harness-session'));
  private readonly lensesChanged = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: HarnessContext,
    private readonly ports: LanguagePorts,
  ) {
    super();
    this._register(vscode.languages.registerCodeLensProvider(SESSION_SELECTOR, this));
    this._register(vscode.languages.registerCompletionItemProvider(SESSION_SELECTOR, this, '"', '/'));
    this._register(vscode.languages.registerHoverProvider(SESSION_SELECTOR, this));
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)));
    // New tool lists (a server started, tools/list_changed) or new definitions change what is valid.
    this._register(ctx.onDidChangeServers(() => this.revalidateAll()));
    this._register(ctx.discovery.onDidChange(() => this.revalidateAll()));
    this._register({ dispose: () => this.timers.forEach((t) => clearTimeout(t)) });
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  private revalidateAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isSessionDocument(doc)) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.validate(doc);
      }, 150),
    );
  }

  /** Tools of a server when they are known without starting it. */
  private toolsOf(server: string): Tool[] | undefined {
    return this.ctx.servers.state(server)?.tools;
  }

  validate(doc: vscode.TextDocument): vscode.Diagnostic[] {
    if (doc.isClosed) return [];
    const text = doc.getText();
    const layout = layoutOf(text);
    const out: vscode.Diagnostic[] = [];
    const known = new Set(this.ctx.discovery.definitions.map((d) => d.id));
    const add = (range: vscode.Range, message: string, severity = vscode.DiagnosticSeverity.Error, code?: string) => {
      const d = new vscode.Diagnostic(range, message, severity);
      d.source = 'MCP Harness';
      if (code) d.code = code;
      out.push(d);
    };
    // The run-time parser's own problems (duplicate ids, unknown step kinds, bad references...) at its ranges.
    // Syntax errors are left to the JSON language service, which already shows them.
    for (const p of parseSession(text).problems) {
      if (p.code === 'syntax') continue;
      const range = new vscode.Range(doc.positionAt(p.range.offset), doc.positionAt(p.range.offset + p.range.length));
      add(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning, p.code);
    }
    for (const step of layout.steps) {
      if (!step.tool || !step.toolNode) continue;
      const ref = splitToolRef(step.tool);
      const toolRange = stringInner(doc, step.toolNode);
      if (!ref) {
        add(toolRange, `"${step.tool}" is not a tool reference: write it as "server/tool".`, undefined, 'tool-format');
        continue;
      }
      if (!known.has(ref.server)) {
        const names = [...known];
        add(
          toolRange,
          `Unknown server "${ref.server}". ${names.length ? `Servers in this workspace: ${names.join(', ')}.` : 'No servers are configured in this workspace.'}`,
          vscode.DiagnosticSeverity.Error,
          'unknown-server',
        );
        continue;
      }
      if (layout.servers && !layout.servers.includes(ref.server)) {
        add(
          toolRange,
          `Server "${ref.server}" is not in this session's "servers" list (${layout.servers.join(', ')}); add it there or the step cannot run.`,
          vscode.DiagnosticSeverity.Error,
          'server-not-listed',
        );
      }
      const tools = this.toolsOf(ref.server);
      if (!tools) continue; // not started and nothing cached: unknown, and not worth a process
      const tool = tools.find((t) => t.name === ref.tool);
      if (!tool) {
        add(
          toolRange,
          `Server "${ref.server}" has no tool "${ref.tool}". Its tools: ${tools.map((t) => t.name).join(', ') || 'none'}.`,
          vscode.DiagnosticSeverity.Error,
          'unknown-tool',
        );
        continue;
      }
      const args = step.argsNode ? nodeValue(step.argsNode) : {};
      const literalArgs = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
      const conflict = this.ports.policyConflict(ref.server, tool, layout.policy, step.policy, literalArgs);
      if (conflict) add(toolRange, conflict, vscode.DiagnosticSeverity.Warning, 'policy-conflict');
      if (step.argsNode && step.argsNode.type !== 'object') {
        add(rangeOf(doc, step.argsNode), '"args" must be an object of the tool\'s arguments.', undefined, 'args-type');
        continue;
      }
      if (hasRuntimeReference(args)) continue; // checked when the step runs, once the references resolve
      for (const err of this.ports.validateArgs(tool.inputSchema, args)) {
        const node = step.argsNode ? nodeAtJsonPath(step.argsNode, err.path) : undefined;
        const range = node ? rangeOf(doc, node.parent?.type === 'property' && node === node.parent.children?.[1] ? node.parent : node) : toolRange;
        const where = err.path === '$' ? 'args' : `args${err.path.slice(1)}`;
        add(range, `${ref.tool}: ${where} ${err.message}.`, vscode.DiagnosticSeverity.Error, 'schema');
      }
    }
    this.diagnostics.set(doc.uri, out);
    return out;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const layout = layoutOf(doc.getText());
    if (!layout.root) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: '$(play) Run Session', command: 'mcpHarness.runSession', arguments: [doc.uri] }),
    ];
    for (const step of layout.steps) {
      if (!step.id) continue;
      const pos = doc.positionAt(step.node.offset);
      lenses.push(
        new vscode.CodeLens(new vscode.Range(pos, pos), {
          title: `$(run) Run Step "${step.id}"`,
          tooltip: 'Runs this step alone (after the steps it references), through all guards.',
          command: 'mcpHarness.runSessionStep',
          arguments: [doc.uri, step.id],
        }),
      );
    }
    return lenses;
  }

  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    const text = doc.getText();
    const offset = doc.offsetAt(position);
    const loc = locationAt(text, offset);
    const p = loc.path;
    // "tool": "|"
    if (p.length === 3 && p[0] === 'steps' && p[2] === 'tool' && !loc.isAtPropertyKey) {
      const node = loc.previousNode;
      const range = node && node.type === 'string' ? stringInner(doc, node) : undefined;
      const items: vscode.CompletionItem[] = [];
      for (const def of this.ctx.discovery.definitions) {
        const tools = this.toolsOf(def.id);
        if (!tools) {
          const item = new vscode.CompletionItem(`${def.id}/`, vscode.CompletionItemKind.Module);
          item.detail = 'Start the server to complete its tool names';
          item.range = range;
          items.push(item);
          continue;
        }
        for (const t of tools) {
          const item = new vscode.CompletionItem(`${def.id}/${t.name}`, vscode.CompletionItemKind.Function);
          item.detail = toolBadges(t).join(' · ');
          item.documentation = t.description ? new vscode.MarkdownString().appendText(t.description) : undefined;
          item.range = range;
          items.push(item);
        }
      }
      return items;
    }
    // "args": { "|" }
    if (p.length === 4 && p[0] === 'steps' && p[2] === 'args' && loc.isAtPropertyKey) {
      const layout = layoutOf(text);
      const step = layout.steps[p[1] as number];
      const tool = this.toolFor(step?.tool);
      const props = (tool?.inputSchema as { properties?: Record<string, { description?: string; type?: unknown }> })?.properties ?? {};
      const required = new Set((tool?.inputSchema as { required?: string[] })?.required ?? []);
      const present = new Set(Object.keys((nodeValue(step?.argsNode) as Record<string, unknown>) ?? {}));
      const node = loc.previousNode;
      const range = node && node.type === 'string' ? rangeOf(doc, node) : undefined;
      return Object.entries(props)
        .filter(([k]) => !present.has(k) || (typeof p[3] === 'string' && p[3] === k))
        .map(([k, schema]) => {
          const item = new vscode.CompletionItem(k, vscode.CompletionItemKind.Property);
          item.detail = `${typeof schema?.type === 'string' ? schema.type : 'value'}${required.has(k) ? ' (required)' : ''}`;
          item.documentation = schema?.description ? new vscode.MarkdownString().appendText(schema.description) : undefined;
          item.insertText = new vscode.SnippetString(`"${k}": $0`);
          item.range = range;
          item.sortText = `${required.has(k) ? 0 : 1}${k}`;
          return item;
        });
    }
    return [];
  }

  private toolFor(ref: string | undefined): Tool | undefined {
    const r = ref ? splitToolRef(ref) : undefined;
    return r ? this.toolsOf(r.server)?.find((t) => t.name === r.tool) : undefined;
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const text = doc.getText();
    const loc = locationAt(text, doc.offsetAt(position));
    const p = loc.path;
    const node = loc.previousNode;
    if (p.length === 3 && p[0] === 'steps' && p[2] === 'tool' && node?.type === 'string') {
      const tool = this.toolFor(node.value as string);
      if (!tool) return undefined;
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**${tool.name}**${toolBadges(tool).length ? ` — *${toolBadges(tool).join(', ')}*` : ''}\n\n`);
      if (tool.description) md.appendText(tool.description);
      return new vscode.Hover(md, rangeOf(doc, node));
    }
    if (p.length >= 4 && p[0] === 'steps' && p[2] === 'args' && typeof p[3] === 'string') {
      const layout = layoutOf(text);
      const tool = this.toolFor(layout.steps[p[1] as number]?.tool);
      const schema = (tool?.inputSchema as { properties?: Record<string, { description?: string; type?: unknown; default?: unknown }> })
        ?.properties?.[p[3]];
      if (!schema) return undefined;
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**${p[3]}**${typeof schema.type === 'string' ? `: \`${schema.type}\`` : ''}\n\n`);
      if (schema.description) md.appendText(schema.description);
      if (schema.default !== undefined) md.appendMarkdown(`\n\nDefault: \`${JSON.stringify(schema.default)}\``);
      return new vscode.Hover(md, node ? rangeOf(doc, node) : undefined);
    }
    return undefined;
  }
}

export { keyNodeOf };
