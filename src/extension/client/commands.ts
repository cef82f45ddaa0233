// Commands of the client features: open a resource or a resource template, run a prompt (Servers view nodes,
// or a server id and a name from the palette or a test), and forget the remembered sampling permissions.
import type { Prompt } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import type { ServersNode } from '../serversView';

type ResourceNode = Extract<ServersNode, { kind: 'resource' }>;
type PromptNode = Extract<ServersNode, { kind: 'prompt' }>;

function isNode<K extends ServersNode['kind']>(arg: unknown, kind: K): arg is Extract<ServersNode, { kind: K }> {
  return !!arg && typeof arg === 'object' && (arg as ServersNode).kind === kind;
}

async function runningServer(ctx: HarnessContext, arg: unknown, what: string): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  const fromNode = arg && typeof arg === 'object' ? (arg as { serverId?: unknown }).serverId : undefined;
  if (typeof fromNode === 'string') return fromNode;
  const running = ctx.servers.list().filter((s) => s.status === 'running');
  if (!running.length) {
    void vscode.window.showInformationMessage(`MCP Harness: no server is running. Start one in the Servers view to ${what}.`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(running.map((s) => s.id), { placeHolder: `Which server? (to ${what})` })) ?? undefined;
}

async function pickFrom<T>(items: T[], label: (t: T) => string, what: string): Promise<T | undefined> {
  if (!items.length) {
    void vscode.window.showInformationMessage(`MCP Harness: the server offers no ${what}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items.map((t) => ({ label: label(t), item: t })), { placeHolder: `Which ${what.replace(/s$/, '')}?` });
  return picked?.item;
}

export const clientCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.openResource',
    async run(ctx, arg, uriArg) {
      const server = await runningServer(ctx, arg, 'read a resource');
      if (!server) return undefined;
      let uri = isNode(arg, 'resource') ? (arg as ResourceNode).resource.uri : typeof uriArg === 'string' ? uriArg : undefined;
      uri ??= (await pickFrom(ctx.servers.state(server)?.resources ?? [], (r) => r.uri, 'resources'))?.uri;
      return uri === undefined ? undefined : ctx.client.openResource(server, uri);
    },
  },
  {
    id: 'mcpHarness.openResourceTemplate',
    async run(ctx, arg, templateArg) {
      const server = await runningServer(ctx, arg, 'open a resource template');
      return server ? ctx.client.openTemplate(server, typeof templateArg === 'string' ? templateArg : undefined) : undefined;
    },
  },
  {
    id: 'mcpHarness.runPrompt',
    async run(ctx, arg, nameArg, argsArg) {
      const server = await runningServer(ctx, arg, 'run a prompt');
      if (!server) return undefined;
      const prompts = ctx.servers.state(server)?.prompts ?? [];
      let prompt: Prompt | undefined = isNode(arg, 'prompt') ? (arg as PromptNode).prompt : prompts.find((p) => p.name === nameArg);
      if (!prompt && typeof nameArg === 'string') throw new Error(`The server '${server}' has no prompt '${nameArg}'.`);
      prompt ??= await pickFrom(prompts, (p) => p.name, 'prompts');
      const args = argsArg && typeof argsArg === 'object' ? (argsArg as Record<string, string>) : undefined;
      return prompt ? ctx.client.runPrompt(server, prompt, args) : undefined;
    },
  },
  {
    id: 'mcpHarness.resetSamplingConsent',
    async run(ctx) {
      const n = await ctx.clientHost.samplingConsent.reset();
      void vscode.window.showInformationMessage(
        n ? `MCP Harness: forgot the sampling permission of ${n} server(s); they will be asked for again.` : 'MCP Harness: no sampling permission was remembered.',
      );
      return n;
    },
  },
];
