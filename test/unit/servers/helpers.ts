// Shared by the connection tests: definitions built directly (no discovery), fixture paths, a recording logger.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ServerDefinition } from '../../../src/core/config/types';
import { ServerError } from '../../../src/core/servers/errors';
import { isAlive } from '../../../src/core/servers/processTree';
import { ServerManager, type ServerManagerOptions } from '../../../src/core/servers/manager';
import type { Logger } from '../../../src/core/types';

export const ROOT = resolve(__dirname, '../../..');
export const FIXTURES = join(ROOT, 'test/fixtures/servers');
export const NODE = process.execPath;

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function realServer(pkg: 'server-everything' | 'server-filesystem' | 'server-memory'): string {
  return join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');
}

export function makeDefinition(partial: Partial<ServerDefinition> & { id: string }): ServerDefinition {
  const transport = partial.transport ?? 'stdio';
  const launch = { transport, command: partial.command, args: partial.args, env: partial.env, cwd: partial.cwd, url: partial.url, headers: partial.headers };
  return {
    name: partial.id,
    source: {
      file: join(ROOT, 'test/fixtures/workspace/.vscode/mcp.json'),
      kind: 'vscode',
      workspaceFolder: ROOT,
      nameRange: { offset: 0, length: 0 },
      range: { offset: 0, length: 0 },
    },
    notes: [],
    hash: createHash('sha256').update(JSON.stringify(launch)).digest('hex'),
    ...partial,
    transport,
  };
}

/** A stdio definition running a fixture server with node. */
export function fixtureDefinition(id: string, file: string, args: string[] = [], extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return makeDefinition({ id, command: NODE, args: [fixture(file), ...args], ...extra });
}

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  trace(m: string) { this.lines.push(`trace ${m}`); }
  debug(m: string) { this.lines.push(`debug ${m}`); }
  info(m: string) { this.lines.push(`info ${m}`); }
  warn(m: string) { this.lines.push(`warn ${m}`); }
  error(m: string | Error) { this.lines.push(`error ${m instanceof Error ? m.message : m}`); }
  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }
}

const managers: ServerManager[] = [];
const children: ChildProcess[] = [];

export function newManager(definitions: ServerDefinition[], options: Partial<ServerManagerOptions> = {}): { manager: ServerManager; logger: RecordingLogger } {
  const logger = new RecordingLogger();
  const manager = new ServerManager({
    definitions,
    logger,
    clientInfo: { name: 'mcp-harness-test', version: '0.0.0' },
    retry: { backoffInitialMs: 0 },
    ...options,
  });
  managers.push(manager);
  return { manager, logger };
}

/** Every test file calls this in afterEach so no server outlives its test. */
export async function cleanup(): Promise<void> {
  await Promise.all(managers.splice(0).map((m) => m.dispose()));
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/** Starts an HTTP fixture (http.mjs unless named) and resolves with its port; cleanup() ends it. */
export async function startHttpFixture(args: string[], file = 'http.mjs'): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(NODE, [fixture(file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PORT=(\d+)/.exec(out);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`http fixture exited with ${code}`)));
  });
  return { port, child };
}

export async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function textOf(result: { content?: unknown }): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.filter((c) => c.type === 'text').map((c) => c.text).join('');
}

export { isAlive };

/** Awaits a promise that must reject with a ServerError of that code (and message, when given). */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<ServerError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ServerError, `expected a ServerError, got ${(err as Error)?.stack}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail('expected a rejection');
}
