// The config snippets that make other MCP clients use the gateway: each client starts
// `mcp-harness gateway --stdio --workspace DIR` itself (stdio is what every one of them supports in its
// config file). Host-neutral: the host says where its CLI is and how to run it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ClientTarget = 'claude-desktop' | 'cursor' | 'claude-code' | 'vscode';

export const CLIENT_TARGETS: readonly { id: ClientTarget; label: string; detail: string }[] = [
  { id: 'claude-desktop', label: 'Claude Desktop', detail: 'claude_desktop_config.json → mcpServers' },
  { id: 'cursor', label: 'Cursor', detail: '.cursor/mcp.json → mcpServers' },
  { id: 'claude-code', label: 'Claude Code', detail: '.mcp.json → mcpServers (type stdio)' },
  { id: 'vscode', label: 'VS Code mcp.json', detail: '.vscode/mcp.json → servers (type stdio)' },
];

/** The entry's key in the client's config. */
export const GATEWAY_ENTRY = 'mcp-harness';

/** How to start the CLI: `command args… gateway …`; env for runtimes that need it (Electron as Node). */
export interface CliLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface GatewayLaunchOptions {
  workspace: string;
  mode?: 'direct' | 'code';
  servers?: string[];
}

/** The stdio entry every target's snippet is built from. */
export function gatewayLaunch(cli: CliLaunch, options: GatewayLaunchOptions): CliLaunch {
  const args = [...cli.args, 'gateway', '--stdio', '--workspace', options.workspace];
  if (options.mode === 'code') args.push('--mode', 'code');
  if (options.servers?.length) args.push('--servers', options.servers.join(','));
  return { command: cli.command, args, ...(cli.env && Object.keys(cli.env).length ? { env: cli.env } : {}) };
}

/** The JSON object to merge into the target's config file. */
export function clientConfig(target: ClientTarget, launch: CliLaunch): Record<string, unknown> {
  const entry = { command: launch.command, args: launch.args, ...(launch.env ? { env: launch.env } : {}) };
  switch (target) {
    case 'claude-desktop':
    case 'cursor':
      return { mcpServers: { [GATEWAY_ENTRY]: entry } };
    case 'claude-code':
      return { mcpServers: { [GATEWAY_ENTRY]: { type: 'stdio', ...entry } } };
    case 'vscode':
      return { servers: { [GATEWAY_ENTRY]: { type: 'stdio', ...entry } } };
  }
}

/**
 * Where the target reads its config: a file of the workspace for the project-scoped clients, the user's
 * Claude Desktop file otherwise (per platform, as Claude Desktop documents it).
 */
export function clientConfigFile(target: ClientTarget, workspace: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (target) {
    case 'cursor':
      return join(workspace, '.cursor', 'mcp.json');
    case 'claude-code':
      return join(workspace, '.mcp.json');
    case 'vscode':
      return join(workspace, '.vscode', 'mcp.json');
    case 'claude-desktop':
      if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
      if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Claude', 'claude_desktop_config.json');
  }
}
