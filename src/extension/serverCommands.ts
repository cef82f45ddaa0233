// Commands of the Servers view: start/stop/restart, output, open definition, add a server, consent.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { applyEdits, modify, parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { ConfigProblem, ServerDefinition, SourceRange } from '../core/config/types';
import { parseCommandLine, serverNameProblem, serverUrlProblem, suggestServerName } from '../core/config/newServer';
import { ServerError } from '../core/servers';
import type { CommandEntry } from './commands';
import type { HarnessContext } from './context';
import { offsetRangeToRange } from './discovery';
import { reconnectText, type ServersNode } from './serversView';

const TRUST_BUTTON = 'Manage Workspace Trust';

/** How the quick pick of pickServer shows its servers. */
export interface PickLook {
  /** The item's description (default: the server's status and transport). */
  describe?: (def: ServerDefinition) => string;
  /** What to say instead of showing the pick when no configured server passes the filter. */
  none?: string;
}

/** Accepts a tree node, a server id, or nothing (then asks with a quick pick). */
export async function pickServer(
  ctx: HarnessContext,
  arg: unknown,
  placeHolder: string,
  filter: (def: ServerDefinition) => boolean = () => true,
  look: PickLook = {},
): Promise<ServerDefinition | undefined> {
  await ctx.discovery.ready();
  if (arg && typeof arg === 'object' && (arg as ServersNode).kind === 'server') {
    return ctx.discovery.definition((arg as Extract<ServersNode, { kind: 'server' }>).definition.id);
  }
  const nodeServer = arg && typeof arg === 'object' ? (arg as { serverId?: unknown }).serverId : undefined;
  const id = typeof arg === 'string' ? arg : typeof nodeServer === 'string' ? nodeServer : undefined;
  if (id) {
    const def = ctx.discovery.definition(id);
    if (!def) throw new Error(`There is no server "${id}" in this workspace. Check the Servers view for the names that were found.`);
    return def;
  }
  const defs = ctx.discovery.definitions.filter(filter);
  if (!defs.length) {
    void vscode.window.showInformationMessage(
      ctx.discovery.definitions.length
        ? (look.none ?? 'No server is in a state where this applies.')
        : 'No MCP servers are configured in this workspace. Use "MCP Harness: Add Server…" to add one.',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    defs.map((def) => ({
      label: def.id,
      description: look.describe?.(def) ?? `${ctx.servers.state(def.id)?.status ?? 'stopped'} · ${def.transport}`,
      detail: def.source.file,
      def,
    })),
    { placeHolder },
  );
  return pick?.def;
}

/** True when the server may run here; otherwise tells the user why not and what to do. */
export function checkTrusted(def: ServerDefinition): boolean {
  if (vscode.workspace.isTrusted || !def.source.workspaceFolder) return true;
  void vscode.window
    .showWarningMessage(
      `"${def.name}" was not started: this workspace is in Restricted Mode, and MCP Harness never starts servers a workspace defines until you trust it.`,
      TRUST_BUTTON,
    )
    .then((b) => b === TRUST_BUTTON && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

async function reportStartFailure(ctx: HarnessContext, def: ServerDefinition, err: unknown): Promise<void> {
  const message = ctx.servers.state(def.id)?.error ?? (err instanceof Error ? err.message : String(err));
  const output = 'Show Output';
  const picked = await vscode.window.showErrorMessage(message, output);
  if (picked === output) ctx.serverOutput.show(def.id);
}

/** Resolves pending `${input:…}` values (asking once) and returns a definition that can start, or undefined. */
export async function prepareToStart(ctx: HarnessContext, def: ServerDefinition): Promise<ServerDefinition | undefined> {
  if (!checkTrusted(def)) return undefined;
  let current: ServerDefinition | undefined = def;
  if (def.pendingInputs?.length) current = await ctx.discovery.resolveInputsFor(def.id);
  if (!current) {
    void vscode.window.showErrorMessage(`"${def.id}" is no longer defined; refresh the Servers view.`);
    return undefined;
  }
  if (current.error) {
    const open = 'Open Definition';
    void vscode.window
      .showErrorMessage(`"${current.id}" cannot start: ${current.error}`, open)
      .then((b) => b === open && vscode.commands.executeCommand('mcpHarness.openServerDefinition', current!.id));
    return undefined;
  }
  return current;
}

export async function startServer(ctx: HarnessContext, original: ServerDefinition, restart = false): Promise<boolean> {
  const def = await prepareToStart(ctx, original);
  if (!def) return false;
  // Starting by hand is a fresh question: a remembered "Deny" would otherwise make Start do nothing.
  if (ctx.consent.decisionFor(def) === 'deny') await ctx.consent.forget(def);
  try {
    await vscode.window.withProgress(
      { location: { viewId: 'mcpHarness.servers' }, title: `${restart ? 'Restarting' : 'Starting'} ${def.id}…` },
      () => (restart ? ctx.servers.restart(def.id) : ctx.servers.start(def.id)),
    );
    return true;
  } catch (err) {
    if (err instanceof ServerError && err.code === 'stopped') {
      // Stopped while it was starting (the user's Stop, a changed definition): what was asked for, not a failure.
      ctx.log.info(`Start of ${def.id} ended: ${err.message}`);
      return false;
    }
    ctx.log.warn(`Start of ${def.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    void reportStartFailure(ctx, def, err);
    return false;
  }
}

/**
 * What the server is doing that Stop would end, as the Stop picker says it; undefined when nothing is under way. A
 * start waiting out the reconnect backoff or for consent has not changed the server's state yet ('stopped' or
 * 'error'), but it is under way all the same.
 */
export function underWay(ctx: HarnessContext, def: ServerDefinition): string | undefined {
  const state = ctx.servers.state(def.id);
  if (state?.status === 'running' || state?.status === 'starting') return state.status;
  if (!ctx.servers.isStarting(def.id)) return undefined;
  if (ctx.consent.isAsking(def)) return 'waiting for your consent';
  return state?.reconnect ? reconnectText(state.reconnect) : 'waiting to reconnect';
}

async function stopServer(ctx: HarnessContext, arg: unknown): Promise<boolean> {
  const def = await pickServer(ctx, arg, 'Stop which server?', (d) => underWay(ctx, d) !== undefined, {
    describe: (d) => `${underWay(ctx, d)} · ${d.transport}`,
    none: 'No server is running or starting: there is nothing to stop.',
  });
  if (!def) return false;
  await ctx.servers.stop(def.id);
  return true;
}

async function revealRange(file: string, range: SourceRange): Promise<void> {
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(`${file} no longer exists. Refresh the Servers view to see the current servers.`);
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const sel = offsetRangeToRange(text, range);
  await vscode.window.showTextDocument(doc, { selection: sel, preview: false });
}

const KINDS = [
  {
    serverKind: 'stdio' as const,
    label: '$(terminal) Local command (stdio)',
    detail: 'Runs a program on this machine and talks to it over stdin/stdout.',
  },
  {
    serverKind: 'http' as const,
    label: '$(globe) Remote server (HTTP)',
    detail: 'Connects to a Streamable HTTP endpoint (falls back to SSE).',
  },
];

/** What "Add Server…" may be given instead of asking (the palette asks; tests and other commands pass them). */
export interface AddServerOptions {
  kind?: 'stdio' | 'http';
  /** stdio: the command line, split like the one typed in (see parseCommandLine). */
  command?: string;
  url?: string;
  name?: string;
}

/**
 * The answer given (by a caller) or typed (checked as it is typed); undefined when the user cancelled. A given
 * answer that `problem` refuses throws with what is wrong.
 */
async function answer(given: string | undefined, problem: (value: string) => string | undefined, box: vscode.InputBoxOptions): Promise<string | undefined> {
  const value = given ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, ...box, validateInput: problem }));
  if (value === undefined) return undefined;
  const wrong = problem(value);
  if (wrong) throw new Error(wrong);
  return value;
}

/** Asks what starts the server (command line or URL) and its name, then adds it to the folder's .vscode/mcp.json. */
async function addServer(ctx: HarnessContext, options: AddServerOptions = {}): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) {
    void vscode.window.showInformationMessage('Open a folder first: MCP servers are configured per workspace folder.');
    return undefined;
  }
  const folder =
    folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Add the server to which folder?' });
  if (!folder) return undefined;
  const kind = options.kind ?? (await vscode.window.showQuickPick(KINDS, { title: 'Add MCP Server', placeHolder: 'What kind of server?' }))?.serverKind;
  if (!kind) return undefined;
  const file = path.join(folder.uri.fsPath, '.vscode', 'mcp.json');
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    text = undefined;
  }
  const existing = text ? (parse(text) as { servers?: Record<string, unknown> } | undefined) : undefined;
  const taken = new Set(Object.keys(existing?.servers ?? {}));

  let value: { type: 'stdio'; command: string; args: string[] } | { type: 'http'; url: string };
  if (kind === 'stdio') {
    const line = await answer(options.command, (v) => parseCommandLine(v).error, {
      title: 'Add MCP Server (1/2): command',
      prompt: 'The command that starts the server, with its arguments (run directly, not through a shell; quote an argument that has spaces).',
      placeHolder: 'npx -y @modelcontextprotocol/server-everything',
    });
    if (line === undefined) return undefined;
    const parsed = parseCommandLine(line) as { command: string; args: string[] };
    value = { type: 'stdio', command: parsed.command, args: parsed.args };
  } else {
    const url = await answer(options.url, serverUrlProblem, {
      title: 'Add MCP Server (1/2): URL',
      prompt: 'The URL of the server\'s MCP endpoint.',
      placeHolder: 'https://example.com/mcp',
    });
    if (url === undefined) return undefined;
    value = { type: 'http', url: url.trim() };
  }

  const name = await answer(options.name, (v) => serverNameProblem(v, taken, file), {
    title: 'Add MCP Server (2/2): name',
    prompt: 'How the server is named in the Servers view, in traces and in tool names (server/tool).',
    value: suggestServerName(value.type === 'stdio' ? value : { url: value.url }, taken),
  });
  if (name === undefined) return undefined;
  const id = name.trim();

  const base = text ?? '{\n  "servers": {},\n  "inputs": []\n}\n';
  const edits = modify(base, ['servers', id], value, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' },
  });
  const updated = applyEdits(base, edits);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, updated, 'utf8');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const at = updated.indexOf(JSON.stringify(id));
  const pos = doc.positionAt(Math.max(0, at));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
  await ctx.discovery.refresh();
  const start = 'Start Now';
  void vscode.window
    .showInformationMessage(`Added "${id}" to .vscode/mcp.json. Start it from the Servers view (you are asked to allow it first).`, start)
    .then((b) => {
      if (b !== start) return;
      const def = ctx.discovery.definitions.find((d) => d.name === id && d.source.file === file);
      if (def) void startServer(ctx, def);
    });
  return id;
}

export const serverCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.refreshServers',
    run: async (ctx) => {
      ctx.inputs.resetCancelled();
      await ctx.discovery.refresh();
    },
  },
  {
    id: 'mcpHarness.startServer',
    run: async (ctx, arg) => {
      const def = await pickServer(ctx, arg, 'Start which server?', (d) => ctx.servers.state(d.id)?.status !== 'running');
      return def ? startServer(ctx, def) : false;
    },
  },
  {
    id: 'mcpHarness.restartServer',
    run: async (ctx, arg) => {
      const def = await pickServer(ctx, arg, 'Restart which server?');
      return def ? startServer(ctx, def, true) : false;
    },
  },
  {
    id: 'mcpHarness.stopServer',
    run: (ctx, arg) => stopServer(ctx, arg),
  },
  {
    id: 'mcpHarness.stopAllServers',
    run: async (ctx) => {
      await ctx.servers.stopAll();
    },
  },
  {
    id: 'mcpHarness.showServerOutput',
    run: async (ctx, arg) => {
      const def = await pickServer(ctx, arg, 'Show the output of which server?');
      if (!def) return;
      if (!ctx.serverOutput.has(def.id)) ctx.serverOutput.note(def.id, `No output from ${def.id} yet; its stderr appears here once it runs.`);
      ctx.serverOutput.show(def.id);
    },
  },
  {
    id: 'mcpHarness.openServerDefinition',
    run: async (ctx, arg) => {
      if (arg && typeof arg === 'object' && (arg as ServersNode).kind === 'problem') {
        const p = (arg as { problem: ConfigProblem }).problem;
        await revealRange(p.file, p.range);
        return;
      }
      const def = await pickServer(ctx, arg, 'Open the definition of which server?');
      if (def) await revealRange(def.source.file, def.source.nameRange);
    },
  },
  { id: 'mcpHarness.addServer', run: (ctx, arg) => addServer(ctx, arg && typeof arg === 'object' ? (arg as AddServerOptions) : {}) },
  {
    id: 'mcpHarness.resetConsent',
    run: async (ctx) => {
      const n = await ctx.consent.forget();
      void vscode.window.showInformationMessage(
        n
          ? `Forgot ${n} server consent decision(s) for this workspace. You will be asked again before each server starts.`
          : 'There were no remembered server consent decisions for this workspace.',
      );
      return n;
    },
  },
  {
    id: 'mcpHarness.forgetInputs',
    run: async (ctx) => {
      const n = await ctx.inputs.forgetAll(ctx.discovery.inputs);
      ctx.discovery.forgetInputPermissions();
      void vscode.window.showInformationMessage(
        n ? `Forgot ${n} saved input value(s). You will be asked again when a server needs them.` : 'No input values were saved.',
      );
      await ctx.discovery.refresh();
      return n;
    },
  },
  { id: 'mcpHarness.showLog', run: (ctx) => ctx.logChannel.show() },
];
