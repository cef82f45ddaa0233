// Shared by the gateway tests: a temporary workspace over the real reference servers, the built CLI,
// and an SDK client for the gateway over stdio or Streamable HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { EVERYTHING, ROOT } from '../guards/helpers';

export { ROOT, EVERYTHING };
export const CLI = join(ROOT, 'dist/cli.js');
export const MEMORY = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
/** A GitHub token shape the secret scanner knows; never a real one. */
export const FAKE_SECRET = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';

export function buildCli(): void {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`esbuild failed: ${b.stderr}`);
}

/** A workspace with everything + memory; `everything/get-env` is denied, both servers' hints are trusted. */
export function makeWorkspace(settings: Record<string, unknown> = {}): string {
  const ws = mkdtempSync(join(tmpdir(), 'mcp-harness-gw-'));
  mkdirSync(join(ws, '.vscode'));
  writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
    servers: {
      everything: { command: process.execPath, args: [EVERYTHING] },
      memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } },
    },
  }));
  writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({
    'mcpHarness.policy.trustedServers': ['everything', 'memory'],
    'mcpHarness.policy.deny': ['everything/get-env'],
    ...settings,
  }));
  return ws;
}

export function traceFiles(ws: string): string[] {
  const dir = join(ws, '.mcp-harness/traces');
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

/** `mcp-harness gateway --stdio --workspace ws` as a client's transport (Claude Desktop's way); stderr goes to `onStderr`. */
export function stdioGatewayTransport(ws: string, onStderr: (text: string) => void): StdioClientTransport {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--stdio', '--workspace', ws], stderr: 'pipe', env: { ...process.env, MCP_HARNESS_VERBOSE: '' } as Record<string, string> });
  transport.stderr!.on('data', (d) => onStderr(String(d)));
  return transport;
}

export interface HttpGatewayProcess {
  child: ChildProcess;
  url: string;
  base: string;
  token: string;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts `mcp-harness gateway --http 0` and waits for its address line. */
export async function startHttpGateway(ws: string, extra: string[] = []): Promise<HttpGatewayProcess> {
  const tokenFile = join(ws, 'token');
  const child = spawn(process.execPath, [CLI, 'gateway', '--workspace', ws, '--http', '0', '--token-file', tokenFile, ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MCP_HARNESS_VERBOSE: '' } });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start within 20 s:\n${err}`)), 20_000);
    const check = () => {
      const m = /at (http:\/\/\S+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', check);
    exited.then((code) => reject(new Error(`the gateway exited (${code}) before listening:\n${err}`)));
  });
  return { child, url, base: url.replace(/\/mcp$/, ''), token: readFileSync(tokenFile, 'utf8').trim(), stderr: () => err, exited };
}

/** Resolves once the HTTP gateway's stderr matches `pattern` (with the match). */
export async function httpGatewaySaid(gw: HttpGatewayProcess, pattern: RegExp): Promise<string> {
  const child = gw.child;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; the gateway said:\n${gw.stderr()}`)), 20_000);
    const check = () => {
      const m = pattern.exec(gw.stderr());
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve(m[0]);
    };
    child.stderr!.on('data', check);
    check();
  });
}

export async function httpClient(gw: HttpGatewayProcess, name = 'test-client'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
  return client;
}

export async function stop(gw: HttpGatewayProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (gw.child.exitCode === null) gw.child.kill(signal);
  return gw.exited;
}

/**
 * Registers before/after hooks that run `mcp-harness gateway --http 0` (with `args`) on a fresh workspace for
 * the enclosing suite, and stop it and remove the workspace afterwards.
 */
export function withHttpGateway(args: string[] = [], settings: Record<string, unknown> = {}): { readonly gw: HttpGatewayProcess; readonly ws: string } {
  const state: { gw?: HttpGatewayProcess; ws?: string } = {};
  before(async () => {
    buildCli();
    state.ws = makeWorkspace(settings);
    state.gw = await startHttpGateway(state.ws, args);
  });
  after(async () => {
    if (state.gw) await stop(state.gw);
    if (state.ws) rmSync(state.ws, { recursive: true, force: true });
  });
  return {
    get gw() {
      return state.gw!;
    },
    get ws() {
      return state.ws!;
    },
  };
}

/**
 * Registers before/after hooks that connect an SDK client named `name` to `mcp-harness gateway --stdio` on the
 * workspace `makeWorkspace` makes, for the enclosing suite, and close it and remove the workspace afterwards.
 */
export function withStdioGateway(makeWorkspace: () => string, name: string): { readonly client: Client; readonly stderr: string } {
  const state: { client?: Client; ws?: string; stderr: string } = { stderr: '' };
  before(async () => {
    buildCli();
    state.ws = makeWorkspace();
    state.client = new Client({ name, version: '1.0.0' });
    await state.client.connect(stdioGatewayTransport(state.ws, (t) => (state.stderr += t)));
  });
  after(async () => {
    await state.client?.close().catch(() => undefined);
    if (state.ws) rmSync(state.ws, { recursive: true, force: true });
  });
  return {
    get client() {
      return state.client!;
    },
    get stderr() {
      return state.stderr;
    },
  };
}

export const ASKS = join(ROOT, 'test/fixtures/servers/asks.mjs');
export const URIS = join(ROOT, 'test/fixtures/servers/uris.mjs');

/** Adds the fixture server `script` to the workspace as `id` (as its one server with `only`). */
export function addFixtureServer(ws: string, id: string, script: string, only = false): void {
  const file = join(ws, '.vscode/mcp.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const entry = { command: process.execPath, args: [script] };
  config.servers = only ? { [id]: entry } : { ...config.servers, [id]: entry };
  writeFileSync(file, JSON.stringify(config));
}

/** Adds the `asks` fixture server to the workspace (as its one server with `only`). */
export function addAsksServer(ws: string, only = false): void {
  addFixtureServer(ws, 'asks', ASKS, only);
}

/** A v2 SDK client speaking 2026-07-28 to an HTTP gateway, with its bearer token. */
export async function modernClient(gw: HttpGatewayProcess, name: string, options: Record<string, unknown> = {}): Promise<ModernClient> {
  const client = new ModernClient({ name, version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...options } as never);
  await client.connect(new ModernTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
  return client;
}

export type ListKind = 'tools' | 'resources' | 'prompts';

/** A stdio client of the gateway that counts each list_changed it hears and keeps the gateway's stderr. */
export interface WatchedGateway {
  client: Client;
  heard: Record<ListKind, number>;
  stderr(): string;
  /** Resolves once `kind` list_changed has been heard `count` times in all. */
  changed(kind: ListKind, count?: number): Promise<void>;
  /** Resolves once the gateway's stderr matches. */
  said(pattern: RegExp): Promise<string>;
}

/** `mcp-harness gateway --workspace ws …extra` over stdio, as a WatchedGateway. */
export async function watchedStdioGateway(ws: string, extra: string[] = []): Promise<WatchedGateway> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--workspace', ws, ...extra], stderr: 'pipe', env: { ...process.env, MCP_HARNESS_VERBOSE: '' } as Record<string, string> });
  let err = '';
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  transport.stderr!.on('data', (d) => {
    err += String(d);
    wake();
  });
  const client = new Client({ name: 'watch-test', version: '1.0.0' });
  const heard: Record<ListKind, number> = { tools: 0, resources: 0, prompts: 0 };
  const count = (kind: ListKind) => async () => {
    heard[kind]++;
    wake();
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, count('tools'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, count('resources'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, count('prompts'));
  await client.connect(transport);
  const until = <T>(what: string, check: () => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(new Error(`timed out waiting for ${what}; the gateway said:\n${err}`));
      }, 20_000);
      const test = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(test);
        resolve(value);
      };
      waiters.add(test);
      test();
    });
  return {
    client,
    heard,
    stderr: () => err,
    changed: (kind, n = 1) => until(`${kind} list_changed #${n}`, () => (heard[kind] >= n ? true : undefined)).then(() => undefined),
    said: (pattern) => until(`stderr ${pattern}`, () => pattern.exec(err)?.[0]),
  };
}
