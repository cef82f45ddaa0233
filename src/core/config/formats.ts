// Where each client keeps its MCP config, and which keys its format knows.
import * as path from 'node:path';
import type { ConfigKind } from './types';

export interface ConfigFileCandidate {
  path: string;
  kind: ConfigKind;
}

export interface FormatSpec {
  kind: ConfigKind;
  /** Path relative to the workspace folder (workspace formats only). */
  relativePath?: string;
  /** Client name for messages. */
  client: string;
  /** The key that holds the servers object. */
  serversKey: 'servers' | 'mcpServers';
  /** Whether `${input:id}` and the `inputs` list exist in this format. */
  hasInputs: boolean;
  /** Claude-style `${VAR}` / `${VAR:-default}` environment references. */
  bareEnvVariables: boolean;
  /** Gemini CLI's unbraced `$VAR` environment references. */
  dollarEnvVariables: boolean;
  /** Top-level keys that are fine; undefined means the file holds other settings too (no warnings). */
  knownTopLevelKeys?: readonly string[];
  /** Server-level keys the format knows. */
  knownServerKeys: readonly string[];
  /** The keys that give a remote server's address, and the transport each implies when `type` is absent. */
  urlKeys: Readonly<Record<string, 'http' | 'sse'>>;
  /**
   * How strictly the client itself reads the file: 'jsonc' accepts comments and trailing commas,
   * 'json-with-comments' strips comments then uses JSON.parse (Gemini CLI), 'json' is JSON.parse.
   * MCP Harness reads all of them leniently but warns where the client would fail.
   */
  dialect: 'jsonc' | 'json-with-comments' | 'json';
}

export const FORMATS: Readonly<Record<ConfigKind, FormatSpec>> = {
  vscode: {
    kind: 'vscode',
    relativePath: '.vscode/mcp.json',
    client: 'VS Code',
    serversKey: 'servers',
    hasInputs: true,
    bareEnvVariables: false,
    dollarEnvVariables: false,
    knownTopLevelKeys: ['servers', 'inputs', '$schema'],
    knownServerKeys: ['type', 'command', 'args', 'env', 'envFile', 'cwd', 'url', 'headers', 'dev', 'gallery', 'version'],
    urlKeys: { url: 'http' },
    dialect: 'jsonc',
  },
  'mcp-json': {
    kind: 'mcp-json',
    relativePath: '.mcp.json',
    client: 'Claude Code',
    serversKey: 'mcpServers',
    hasInputs: false,
    bareEnvVariables: true,
    dollarEnvVariables: false,
    knownTopLevelKeys: ['mcpServers', '$schema'],
    knownServerKeys: ['type', 'command', 'args', 'env', 'cwd', 'url', 'headers'],
    urlKeys: { url: 'http' },
    dialect: 'json',
  },
  cursor: {
    kind: 'cursor',
    relativePath: '.cursor/mcp.json',
    client: 'Cursor',
    serversKey: 'mcpServers',
    hasInputs: false,
    bareEnvVariables: true,
    dollarEnvVariables: false,
    knownTopLevelKeys: ['mcpServers', '$schema'],
    knownServerKeys: ['type', 'command', 'args', 'env', 'envFile', 'cwd', 'url', 'headers', 'auth'],
    urlKeys: { url: 'http' },
    dialect: 'jsonc',
  },
  gemini: {
    kind: 'gemini',
    relativePath: '.gemini/settings.json',
    client: 'Gemini CLI',
    serversKey: 'mcpServers',
    hasInputs: false,
    bareEnvVariables: true,
    dollarEnvVariables: true,
    knownTopLevelKeys: undefined,
    knownServerKeys: [
      'type', 'command', 'args', 'env', 'cwd', 'url', 'httpUrl', 'headers', 'timeout', 'trust', 'description',
      'includeTools', 'excludeTools', 'oauth', 'authProviderType', 'targetAudience', 'targetServiceAccount',
    ],
    urlKeys: { url: 'sse', httpUrl: 'http' },
    dialect: 'json-with-comments',
  },
  windsurf: {
    kind: 'windsurf',
    relativePath: '.windsurf/mcp_config.json',
    client: 'Windsurf',
    serversKey: 'mcpServers',
    hasInputs: false,
    bareEnvVariables: true,
    dollarEnvVariables: false,
    knownTopLevelKeys: ['mcpServers', '$schema'],
    knownServerKeys: ['type', 'command', 'args', 'env', 'cwd', 'serverUrl', 'url', 'headers', 'disabled', 'disabledTools'],
    urlKeys: { serverUrl: 'http', url: 'http' },
    dialect: 'jsonc',
  },
  'claude-desktop': {
    kind: 'claude-desktop',
    client: 'Claude Desktop',
    serversKey: 'mcpServers',
    hasInputs: false,
    bareEnvVariables: true,
    dollarEnvVariables: false,
    knownTopLevelKeys: undefined,
    knownServerKeys: ['type', 'command', 'args', 'env', 'cwd', 'url', 'headers'],
    urlKeys: { url: 'http' },
    dialect: 'json',
  },
};

/** Workspace formats in the order their files are read (and listed). */
export const WORKSPACE_KINDS: readonly ConfigKind[] = ['vscode', 'mcp-json', 'cursor', 'gemini', 'windsurf'];

/** The MCP config files that apply to a workspace folder, whether or not they exist (for watching). */
export function configFileCandidates(folder: string): ConfigFileCandidate[] {
  return WORKSPACE_KINDS.map((kind) => ({ kind, path: path.join(folder, ...FORMATS[kind].relativePath!.split('/')) }));
}

/**
 * User-level config files (Claude Desktop's), read only when user configs are included.
 * Linux honours XDG_CONFIG_HOME; Windows uses APPDATA, falling back to <home>\AppData\Roaming.
 */
export function userConfigCandidates(
  home: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): ConfigFileCandidate[] {
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return [{ kind: 'claude-desktop', path: path.win32.join(appData, 'Claude', 'claude_desktop_config.json') }];
  }
  if (platform === 'darwin') {
    return [{ kind: 'claude-desktop', path: path.posix.join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json') }];
  }
  const configHome = env.XDG_CONFIG_HOME && path.posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.posix.join(home, '.config');
  return [{ kind: 'claude-desktop', path: path.posix.join(configHome, 'Claude', 'claude_desktop_config.json') }];
}

/** How a config file is named in messages and notes: relative to its folder, or with ~ for the home. */
export function displayPath(file: string, folder: string | undefined, home: string | undefined, multiRoot: boolean): string {
  if (folder) {
    const rel = path.relative(folder, file).split(path.sep).join('/');
    return multiRoot ? `${path.basename(folder)}/${rel}` : rel;
  }
  if (home && (file === home || file.startsWith(home + path.sep) || file.startsWith(home + '/') || file.startsWith(home + '\\'))) {
    return '~' + file.slice(home.length).split('\\').join('/');
  }
  return file;
}
