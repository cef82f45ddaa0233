// "MCP: Call Tool…": pick a server, pick a tool, edit JSON args pre-filled from the schema, and run the
// call through the run service as a one-step session: the same guards as a session step, a trace, and
// a run in the Sessions view; the step record is shown. A server that answers that the user must first open a
// page (URLElicitationRequiredError, -32042) gets a notification naming the page's host with Open Page and Retry.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import { sampleFromSchema } from '../../core/guards/schema';
import type { CallResult } from '../../core/run/types';
import type { PageToOpen } from '../../core/servers';
import type { StepRecord } from '../../protocol/trace';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import type { PageFirstRequest } from '../dialogs';
import { prepareToStart } from '../serverCommands';
import type { ServersNode } from '../serversView';
import { toolBadges } from '../serversView';

/** Arguments to start editing from: every property, its default or a value of the right type. */
export function argsTemplate(tool: Tool): Record<string, unknown> {
  const schema = tool.inputSchema as { properties?: Record<string, Record<string, unknown>> };
  const out: Record<string, unknown> = {};
  const required = sampleFromSchema(tool.inputSchema);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop && 'default' in prop) out[key] = prop.default;
    else if (required && typeof required === 'object' && key in (required as object)) out[key] = (required as Record<string, unknown>)[key];
    else out[key] = sampleFromSchema(prop);
  }
  return out;
}

export function describeRecord(record: StepRecord): string {
  const parts = [`${record.server}/${record.tool}: ${record.decision}`, `${Math.round(record.latency_ms)} ms`];
  if (record.reasons.length) parts.push(record.reasons.join(' '));
  if (record.error) parts.push(record.error);
  return parts.join(' — ');
}

async function pickToolArgs(ctx: HarnessContext, arg: unknown): Promise<{ server: string; tool: Tool } | undefined> {
  await ctx.discovery.ready();
  if (arg && typeof arg === 'object' && (arg as ServersNode).kind === 'tool') {
    const node = arg as Extract<ServersNode, { kind: 'tool' }>;
    return { server: node.serverId, tool: node.tool };
  }
  const defs = ctx.discovery.definitions;
  if (!defs.length) {
    void vscode.window.showInformationMessage('No MCP servers are configured in this workspace. Use "MCP Harness: Add Server…" to add one.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    defs.map((def) => ({
      label: def.id,
      description: `${ctx.servers.state(def.id)?.status ?? 'stopped'} · ${def.transport}`,
      detail: def.error,
      def,
    })),
    { title: 'Call Tool (1/3)', placeHolder: 'Which server?' },
  );
  if (!pick) return undefined;
  const def = await prepareToStart(ctx, pick.def);
  if (!def) return undefined;
  const conn = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Starting ${def.id}…` },
    () => ctx.servers.ensureStarted(def.id),
  );
  const tools = await conn.listTools();
  if (!tools.length) {
    void vscode.window.showInformationMessage(`${def.id} offers no tools.`);
    return undefined;
  }
  const toolPick = await vscode.window.showQuickPick(
    tools.map((tool) => ({ label: tool.name, description: toolBadges(tool).join(' · '), detail: tool.description, tool })),
    { title: 'Call Tool (2/3)', placeHolder: `Which tool of ${def.id}?`, matchOnDetail: true },
  );
  return toolPick && { server: def.id, tool: toolPick.tool };
}

/** The arguments box of Call Tool (3/3): JSON text, checked to be an object as it is typed. */
export async function askCallToolArgs(server: string, tool: string, template: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `Call Tool (3/3): arguments for ${server}/${tool}`,
    prompt: 'JSON object of arguments, checked against the tool\'s input schema before the call.',
    value: template,
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        const parsed = JSON.parse(v);
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? undefined : 'Arguments must be a JSON object, e.g. {"message": "hi"}.';
      } catch (err) {
        return `Not valid JSON: ${(err as Error).message}`;
      }
    },
  });
}

export const OPEN_PAGE = 'Open Page';
export const RETRY = 'Retry';

/** The notification's text: the hosts only, never a URL (it may carry a one-time token). */
export function pageFirstMessage(r: PageFirstRequest): string {
  const where = `a page on ${r.hosts.join(', ')}`;
  return r.opened
    ? `When you have finished on ${r.hosts.join(', ')}, choose ${RETRY} to call ${r.server}/${r.tool} again.`
    : `${r.server}/${r.tool} needs you to open ${where} first (the server answered "URL elicitation required"). Choose ${OPEN_PAGE}, finish there, then choose ${RETRY}.`;
}

/** The offer when a server wants a page opened first: Open Page, then Retry once the user is done there. */
export async function askPageFirst(r: PageFirstRequest): Promise<'open' | 'retry' | undefined> {
  const buttons = r.opened ? [RETRY, OPEN_PAGE] : [OPEN_PAGE, RETRY];
  const answer = await vscode.window.showWarningMessage(pageFirstMessage(r), ...buttons);
  return answer === OPEN_PAGE ? 'open' : answer === RETRY ? 'retry' : undefined;
}

/** The pages of a -32042 answer that can be opened in a browser: web pages only, not a file: or command: URI. */
function webPages(pages: PageToOpen[] | undefined): PageToOpen[] {
  return (pages ?? []).filter((p) => /^https?:$/.test(new URL(p.url).protocol));
}

async function callTool(ctx: HarnessContext, arg: unknown): Promise<StepRecord | undefined> {
  const picked = await pickToolArgs(ctx, arg);
  if (!picked) return undefined;
  const { server, tool } = picked;
  const text = await ctx.dialogs.callToolArgs(server, tool.name, JSON.stringify(argsTemplate(tool)));
  if (text === undefined) return undefined;
  const args = JSON.parse(text) as Record<string, unknown>;
  const out = ctx.sessionsOutput.get();
  const folder = ctx.discovery.definition(server)?.source.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const call = async (): Promise<CallResult> => {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Calling ${server}/${tool.name}…`, cancellable: true },
      (_p, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
        return ctx.runs.for(folder).callTool(server, tool.name, args, { signal: abort.signal });
      },
    );
    out.appendLine(`── Call Tool ${server}/${tool.name} ──`);
    out.appendLine(JSON.stringify(outcome.record, null, 2));
    if (outcome.session.trace_file) out.appendLine(`  trace: ${outcome.session.trace_file}`);
    out.show(true);
    return outcome;
  };
  let outcome = await call();
  // The server wants the user on a page first: offer to open it, and to call again once they are done there.
  let pages = webPages(outcome.pagesToOpen);
  let opened = false;
  while (pages.length) {
    const answer = await ctx.dialogs.pageFirst({ server, tool: tool.name, hosts: [...new Set(pages.map((p) => p.host))], opened });
    if (answer === 'open') {
      for (const page of pages) await ctx.clientHost.elicitation.openPage(vscode.Uri.parse(page.url, true));
      opened = true;
      continue;
    }
    if (answer !== 'retry') return outcome.record;
    outcome = await call();
    pages = webPages(outcome.pagesToOpen);
    opened = false;
  }
  const record = outcome.record;
  const msg = describeRecord(record);
  if (record.decision === 'ok') void vscode.window.showInformationMessage(msg);
  else void vscode.window.showWarningMessage(msg);
  return record;
}

export const callToolCommands: CommandEntry[] = [{ id: 'mcpHarness.callTool', run: (ctx, arg) => callTool(ctx, arg) }];
