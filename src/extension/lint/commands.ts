// The lint and pinning commands: Open Tool Schema, Review Tool Changes (diff + Accept / Reject /
// Accept All), Pin Tools and Disable Lint Rule. They work on ctx.lint.
import * as vscode from 'vscode';
import type { CommandEntry } from '../commands';
import type { LintService } from './service';
import { parseToolUri, toolUri } from './toolDocuments';

function toolArgs(args: unknown[]): { server?: string; tool?: string; range?: vscode.Range } {
  const [a, b, c] = args;
  // From the Servers view: the tool node.
  if (a && typeof a === 'object' && (a as { kind?: string }).kind === 'tool') {
    const node = a as { serverId: string; tool: { name: string } };
    return { server: node.serverId, tool: node.tool.name };
  }
  if (a instanceof vscode.Uri) {
    const parsed = parseToolUri(a);
    if (parsed) return { server: parsed.server, tool: parsed.tool };
  }
  return {
    server: typeof a === 'string' ? a : undefined,
    tool: typeof b === 'string' ? b : undefined,
    range: c instanceof vscode.Range ? c : undefined,
  };
}

async function pickTool(svc: LintService): Promise<{ server: string; tool: string } | undefined> {
  const items = svc.servers().flatMap((server) =>
    (svc.liveTools(server) ?? []).map((t) => ({
      label: t.name,
      description: server,
      detail: svc.current(server).filter((f) => f.tool === t.name).length ? `${svc.current(server).filter((f) => f.tool === t.name).length} finding(s)` : undefined,
      server,
    })),
  );
  if (!items.length) {
    void vscode.window.showInformationMessage('MCP Harness: no server has listed tools yet. Start a server in the MCP Servers view, then open its tools.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Open Tool Schema', placeHolder: 'Which tool?', matchOnDescription: true });
  return pick && { server: pick.server, tool: pick.label };
}

export async function openToolSchema(server: string, tool: string, range?: vscode.Range): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(toolUri(server, tool));
  if (doc.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(doc, 'json');
  return vscode.window.showTextDocument(doc, { preview: true, ...(range ? { selection: range } : {}) });
}

async function review(svc: LintService, server?: string, tool?: string): Promise<void> {
  const pending = svc.pending(server).filter((p) => tool === undefined || p.tool === tool);
  if (!pending.length) {
    void vscode.window.showInformationMessage(
      server ? `MCP Harness: no tool of server "${server}" changed since it was pinned.` : 'MCP Harness: no tool changed since it was pinned.',
    );
    return;
  }
  let target = pending[0];
  if (pending.length > 1) {
    const acceptAll = { label: '$(check-all) Accept All', description: `${pending.length} changed tools`, all: true as const };
    const pick = await vscode.window.showQuickPick(
      [
        ...pending.map((p) => ({ label: p.tool, description: p.server + (p.rejected ? ' · rejected' : ''), all: false as const, p })),
        acceptAll,
      ],
      { title: 'Review Tool Changes', placeHolder: 'Which changed tool?' },
    );
    if (!pick) return;
    if (pick.all) {
      const servers = [...new Set(pending.map((p) => p.server))];
      for (const s of servers) await svc.accept(s);
      void vscode.window.showInformationMessage(`MCP Harness: pinned the new definitions of ${pending.length} tool(s).`);
      return;
    }
    target = pick.p;
  }
  await vscode.commands.executeCommand(
    'vscode.diff',
    toolUri(target.server, target.tool, 'pinned'),
    toolUri(target.server, target.tool, 'pending'),
    `${target.server}/${target.tool}: pinned ↔ now`,
    { preview: true },
  );
  const accept = 'Accept';
  const reject = 'Reject';
  const all = 'Accept All';
  const buttons = pending.length > 1 ? [accept, reject, all] : [accept, reject];
  void vscode.window
    .showInformationMessage(`MCP Harness: the definition of "${target.tool}" on "${target.server}" changed since it was pinned. Accept the new definition?`, ...buttons)
    .then(async (b) => {
      if (b === accept) await svc.accept(target.server, target.tool);
      else if (b === reject) await svc.reject(target.server, target.tool);
      else if (b === all) for (const s of new Set(pending.map((p) => p.server))) await svc.accept(s);
    });
}

/** The diff editor's tool (for the Accept / Reject buttons in its title bar). */
function activeToolArgs(args: unknown[]): { server?: string; tool?: string } {
  const given = toolArgs(args);
  if (given.server) return given;
  const uri = vscode.window.activeTextEditor?.document.uri;
  const parsed = uri && parseToolUri(uri);
  return parsed ? { server: parsed.server, tool: parsed.tool } : {};
}

export const lintCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.openToolSchema',
    run: async (ctx, ...args) => {
      const svc = ctx.lint;
      let { server, tool, range } = toolArgs(args);
      if (!server || !tool) {
        const picked = await pickTool(svc);
        if (!picked) return undefined;
        ({ server, tool } = picked);
      }
      return openToolSchema(server, tool, range);
    },
  },
  {
    id: 'mcpHarness.reviewToolChanges',
    run: async (ctx, ...args) => {
      const { server, tool } = toolArgs(args);
      await review(ctx.lint, server, tool);
    },
  },
  {
    id: 'mcpHarness.acceptToolChange',
    run: async (ctx, ...args) => {
      const { server, tool } = activeToolArgs(args);
      if (!server) throw new Error('Accept Tool Change needs a changed tool; run "MCP: Review Tool Changes" first.');
      const names = await ctx.lint.accept(server, tool);
      if (names.length) void vscode.window.showInformationMessage(`MCP Harness: pinned the new definition of ${names.join(', ')} on "${server}".`);
      return names;
    },
  },
  {
    id: 'mcpHarness.rejectToolChange',
    run: async (ctx, ...args) => {
      const { server, tool } = activeToolArgs(args);
      if (!server) throw new Error('Reject Tool Change needs a changed tool; run "MCP: Review Tool Changes" first.');
      const names = await ctx.lint.reject(server, tool);
      if (names.length) {
        void vscode.window.showWarningMessage(
          `MCP Harness: kept the pinned definition of ${names.join(', ')} on "${server}". With mcpHarness.guardrails.mode "hard_gate" calls to ${names.length === 1 ? 'it' : 'them'} are denied until accepted.`,
        );
      }
      return names;
    },
  },
  {
    id: 'mcpHarness.acceptAllToolChanges',
    run: async (ctx) => {
      const svc = ctx.lint;
      const servers = [...new Set(svc.pending().map((p) => p.server))];
      const names: string[] = [];
      for (const s of servers) names.push(...(await svc.accept(s)));
      void vscode.window.showInformationMessage(names.length ? `MCP Harness: pinned the new definitions of ${names.length} tool(s).` : 'MCP Harness: no tool changed since it was pinned.');
      return names;
    },
  },
  {
    id: 'mcpHarness.pinTools',
    run: async (ctx, ...args) => {
      const svc = ctx.lint;
      const arg = args[0];
      const server = typeof arg === 'string' ? arg : arg && typeof arg === 'object' && (arg as { kind?: string }).kind === 'server' ? (arg as { definition: { id: string } }).definition.id : undefined;
      if (server && !svc.liveTools(server)) {
        throw new Error(`The server "${server}" has not listed its tools yet; start it first (MCP Harness: Start Server).`);
      }
      if (!svc.servers().length) {
        const start = 'Start All Servers';
        const b = await vscode.window.showInformationMessage('MCP Harness: no server has listed tools yet, so there is nothing to pin. Start the servers first.', start);
        if (b !== start) return [];
        await ctx.servers.startAll();
        await svc.settled();
      }
      const pinned = await svc.pinAll(server ? [server] : undefined);
      const total = pinned.reduce((n, p) => n + p.count, 0);
      void vscode.window.showInformationMessage(`MCP Harness: pinned ${total} tool(s) of ${pinned.length} server(s) in .mcp-harness/tools.lock.json.`);
      return pinned;
    },
  },
  {
    id: 'mcpHarness.disableLintRule',
    run: async (_ctx, rule) => {
      if (typeof rule !== 'string') throw new Error('Disable Lint Rule needs a rule id, e.g. hidden-instructions.');
      const config = vscode.workspace.getConfiguration('mcpHarness');
      const current = config.get<Record<string, string>>('lint.rules') ?? {};
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await config.update('lint.rules', { ...current, [rule]: 'off' }, target);
    },
  },
];

