// "MCP: Copy Gateway Config for…": the snippet that makes Claude Desktop, Cursor, Claude Code or VS Code's
// mcp.json use the gateway, copied to the clipboard. Over stdio the client starts `mcp-harness gateway
// --stdio` itself; over HTTP it connects to a gateway the user runs (`mcp-harness gateway --http PORT`) with
// the bearer token — referenced (a prompt, an environment variable) unless the user chooses to include it,
// since the snippet ends up in a file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  CLIENT_PORT_RULE,
  CLIENT_TARGETS,
  clientConfig,
  clientPort,
  clientConfigFile,
  defaultTokenFile,
  gatewayLaunch,
  httpClientConfig,
  httpGatewayUrl,
  httpSnippetText,
  readTokenIfPresent,
  TOKEN_ENV,
  type CliLaunch,
  type ClientTarget,
} from '../../core/gateway/index';
import type { GatewayContext } from './inHost';

/** The port an HTTP snippet suggests when the user does not choose one. */
export const SUGGESTED_HTTP_PORT = 8931;

/** What the command may be given instead of asking (the palette asks; other commands and tests pass them). */
export interface CopyGatewayOptions {
  transport?: 'stdio' | 'http';
  /** Checked by clientPort: a value that is not a port is refused with a message. */
  port?: unknown;
  /** true: the token itself goes into the snippet. */
  includeToken?: boolean;
}

/**
 * How another program starts this extension's bundled CLI: with this editor's runtime — Node itself in a
 * remote/server extension host, Electron told to act as Node in the desktop app.
 */
export function bundledCli(extensionPath: string, execPath = process.execPath, electron = process.versions.electron): CliLaunch {
  return { command: execPath, args: [join(extensionPath, 'dist', 'cli.js')], ...(electron ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}) };
}

/** The snippet's text for `target` (pretty JSON, ready to merge into the file). */
export function snippetFor(ctx: Pick<GatewayContext, 'extension'>, target: ClientTarget, workspace: string): string {
  const launch = gatewayLaunch(bundledCli(ctx.extension.extensionPath), { workspace });
  return JSON.stringify(clientConfig(target, launch), null, 2);
}

export async function copyGatewayConfig(ctx: GatewayContext, target?: unknown, options: CopyGatewayOptions = {}): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showWarningMessage('Open a folder first: the gateway serves the MCP servers configured in a workspace.');
    return undefined;
  }
  const chosen = isTarget(target) ? target : (await vscode.window.showQuickPick(CLIENT_TARGETS.map((t) => ({ id: t.id, label: t.label, description: t.detail })), { title: 'Copy Gateway Config for…', placeHolder: 'Which MCP client should use MCP Harness (guarded)?' }))?.id;
  if (!chosen) return undefined;
  // A caller that names the target (another command, a test) gets the defaults instead of questions: stdio,
  // or over HTTP the suggested port with the token referenced.
  const quiet = isTarget(target);
  const transport = options.transport ?? (quiet ? 'stdio' : await pickTransport());
  if (!transport) return undefined;
  if (transport === 'http') return copyHttp(ctx, chosen, folder, quiet ? { port: SUGGESTED_HTTP_PORT, includeToken: false, ...options } : options);
  const text = snippetFor(ctx, chosen, folder);
  await vscode.env.clipboard.writeText(text);
  offerFile(chosen, folder, 'the client then starts the gateway itself. After the extension updates, copy it again (the path names this version).');
  return text;
}

async function pickTransport(): Promise<'stdio' | 'http' | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { id: 'stdio' as const, label: 'stdio', detail: 'The client starts the gateway for this workspace (every client supports it).' },
      { id: 'http' as const, label: 'HTTP', detail: 'The client connects to a gateway you run with `mcp-harness gateway --http PORT`, with its bearer token (not Claude Desktop).' },
    ],
    { title: 'Copy Gateway Config for…', placeHolder: 'How should the client reach the gateway?' },
  );
  return picked?.id;
}

async function copyHttp(ctx: GatewayContext, target: ClientTarget, folder: string, options: CopyGatewayOptions): Promise<string | undefined> {
  const port = options.port === undefined ? await askPort() : clientPort(options.port);
  if (port === undefined) {
    if (options.port !== undefined) void vscode.window.showErrorMessage(`The gateway port must be ${CLIENT_PORT_RULE} (it is ${JSON.stringify(options.port)}); nothing was copied.`);
    return undefined;
  }
  const probe = httpClientConfig(target, { url: httpGatewayUrl(port) });
  if (probe.kind === 'unsupported') {
    void vscode.window.showWarningMessage(probe.reason);
    return undefined;
  }
  const includeToken = options.includeToken ?? (await ctx.dialogs.includeGatewayToken());
  if (includeToken === undefined) return undefined;
  const tokenFile = defaultTokenFile(process.env);
  let token: string | undefined;
  if (includeToken) {
    try {
      token = readTokenIfPresent(tokenFile);
    } catch (err) {
      void vscode.window.showErrorMessage((err as Error).message);
      return undefined;
    }
    if (!token) {
      void vscode.window.showWarningMessage(`There is no gateway token yet (${tokenFile}). Start the gateway once with ${startCommand(ctx, port, folder)}: it creates the token; then copy the config again.`);
      return undefined;
    }
  }
  const snippet = httpClientConfig(target, { url: httpGatewayUrl(port), ...(token ? { token } : {}) });
  if (snippet.kind === 'unsupported') return undefined;
  const text = httpSnippetText(snippet);
  await vscode.env.clipboard.writeText(text);
  const tokenNote = token
    ? 'The snippet holds the token: keep that file private.'
    : target === 'vscode'
      ? 'VS Code asks for the token when it starts the server.'
      : `Set ${TOKEN_ENV} to the token (it is in ${tokenFile}) where the client runs.`;
  const run = `Start the gateway with ${startCommand(ctx, port, folder)}. ${tokenNote}`;
  if (snippet.kind === 'command') void vscode.window.showInformationMessage(`Copied the Claude Code command for MCP Harness (guarded) over HTTP: run it in a terminal in this folder. ${run}`);
  else offerFile(target, folder, run);
  return text;
}

async function askPort(): Promise<number | undefined> {
  const raw = await vscode.window.showInputBox({
    title: 'Copy Gateway Config for… (HTTP)',
    prompt: 'The port the gateway listens on (mcp-harness gateway --http PORT)',
    value: String(SUGGESTED_HTTP_PORT),
    validateInput: (v) => (clientPort(v) === undefined ? `The port must be ${CLIENT_PORT_RULE}.` : undefined),
  });
  return raw === undefined ? undefined : clientPort(raw);
}

/** Whether the token goes into the snippet (the Dialogs' default for includeGatewayToken). */
export async function askIncludeToken(): Promise<boolean | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { include: false, label: 'Refer to the token', detail: `VS Code prompts for it; Cursor and Claude Code read ${TOKEN_ENV}. Nothing secret is in the snippet.` },
      { include: true, label: 'Include the token', detail: 'The token itself goes into the snippet, and into any file you paste it in.' },
    ],
    { title: 'Copy Gateway Config for… (HTTP)', placeHolder: 'The gateway needs its bearer token' },
  );
  return picked?.include;
}

/** The command line that runs the HTTP gateway for this workspace with the bundled CLI. */
function startCommand(ctx: GatewayContext, port: number, folder: string): string {
  const cli = bundledCli(ctx.extension.extensionPath);
  const env = cli.env ? Object.entries(cli.env).map(([k, v]) => `${k}=${v} `).join('') : '';
  return `\`${env}"${cli.command}" "${cli.args[0]}" gateway --http ${port} --workspace "${folder}"\``;
}

function offerFile(target: ClientTarget, folder: string, after: string): void {
  const file = clientConfigFile(target, folder);
  const label = CLIENT_TARGETS.find((t) => t.id === target)!.label;
  const exists = existsSync(file);
  const open = 'Open the File';
  void vscode.window
    .showInformationMessage(`Copied the ${label} config for MCP Harness (guarded). Merge it into ${file}${exists ? '' : ' (it does not exist yet)'}; ${after}`, open)
    .then(async (b) => {
      // A file that does not exist yet opens as an unsaved editor at its path.
      if (b === open) await vscode.window.showTextDocument(exists ? vscode.Uri.file(file) : vscode.Uri.file(file).with({ scheme: 'untitled' }));
    });
}

function isTarget(v: unknown): v is ClientTarget {
  return typeof v === 'string' && CLIENT_TARGETS.some((t) => t.id === v);
}
