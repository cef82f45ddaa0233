// "MCP: Copy Gateway Config for…": the snippet that makes Claude Desktop, Cursor, Claude Code or VS Code's
// mcp.json start `mcp-harness gateway --stdio` for this workspace, copied to the clipboard, with an offer
// to open the file it belongs in.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CLIENT_TARGETS, clientConfig, clientConfigFile, gatewayLaunch, type CliLaunch, type ClientTarget } from '../../core/gateway/index';
import type { GatewayContext } from './inHost';

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

export async function copyGatewayConfig(ctx: GatewayContext, target?: unknown): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showWarningMessage('Open a folder first: the gateway serves the MCP servers configured in a workspace.');
    return undefined;
  }
  const chosen = isTarget(target) ? target : (await vscode.window.showQuickPick(CLIENT_TARGETS.map((t) => ({ ...t, description: t.detail })), { title: 'Copy Gateway Config for…', placeHolder: 'Which MCP client should use MCP Harness (guarded)?' }))?.id;
  if (!chosen) return undefined;
  const text = snippetFor(ctx, chosen, folder);
  await vscode.env.clipboard.writeText(text);
  const file = clientConfigFile(chosen, folder);
  const label = CLIENT_TARGETS.find((t) => t.id === chosen)!.label;
  const exists = existsSync(file);
  const open = 'Open the File';
  void vscode.window
    .showInformationMessage(
      `Copied the ${label} config for MCP Harness (guarded). Merge it into ${file}${exists ? '' : ' (it does not exist yet)'}; the client then starts the gateway itself. After the extension updates, copy it again (the path names this version).`,
      open,
    )
    .then(async (b) => {
      // A file that does not exist yet opens as an unsaved editor at its path.
      if (b === open) await vscode.window.showTextDocument(exists ? vscode.Uri.file(file) : vscode.Uri.file(file).with({ scheme: 'untitled' }));
    });
  return text;
}

function isTarget(v: unknown): v is ClientTarget {
  return typeof v === 'string' && CLIENT_TARGETS.some((t) => t.id === v);
}
