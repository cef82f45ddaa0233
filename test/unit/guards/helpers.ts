// Real servers for the guard and session tests: a ServerManager over definitions built here.
import { join } from 'node:path';
import type { ServerDefinition } from '../../../src/core/config/types';
import { ServerManager } from '../../../src/core/servers/manager';
import { isAlive } from '../../../src/core/servers/processTree';
import { nullLogger } from '../../../src/core/types';

export const ROOT = join(__dirname, '..', '..', '..');
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const FIXTURES = join(ROOT, 'test/fixtures/servers');

export function stdioDefinition(id: string, script: string, args: string[] = []): ServerDefinition {
  return {
    id,
    name: id,
    source: { file: join(ROOT, 'test/fixtures/virtual-mcp.json'), kind: 'mcp-json', nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } },
    transport: 'stdio',
    command: process.execPath,
    args: [script, ...args],
    hash: `${id}:${script}:${args.join(' ')}`,
    notes: [],
  };
}

export function makeManager(defs: ServerDefinition[], requestTimeoutMs = 30_000): ServerManager {
  return new ServerManager({ definitions: defs, logger: nullLogger, clientInfo: { name: 'mcp-harness-test', version: '0' }, requestTimeoutMs, stopGraceMs: 500 });
}

// The product's own check, which also counts a zombie (exited, not yet reaped) as ended.
export { isAlive };
