// A server removed from the configuration while the gateway runs is no longer named by it: /health does not list
// it, the instructions a new client gets do not name it, and no current-state metric series speaks of it. The real
// gateway core and HTTP front over a real ServerManager running server-everything and the memory server; the
// workspace's .vscode/mcp.json is rewritten during the test and read again by the real discovery, whose
// definitions the manager takes (as a host applies an edited config; the gateway CLI itself does not reload).
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { discover } from '../../../src/core/config/discover';
import { GatewayCore } from '../../../src/core/gateway/core';
import { HttpGateway } from '../../../src/core/gateway/http';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService } from '../../../src/core/run/service';
import { ServerManager } from '../../../src/core/servers/manager';
import { nullLogger } from '../../../src/core/types';
import { EVERYTHING, MEMORY, makeWorkspace, textOf } from './helpers';

const TOKEN = 'removed-servers-token';

describe('gateway: /health, instructions and /metrics after a server leaves the configuration', function () {
  this.timeout(60_000);
  let ws: string;
  let manager: ServerManager;
  let core: GatewayCore;
  let http: HttpGateway;
  let url: string;
  const clients: { close(): Promise<void> }[] = [];

  /** Writes the workspace's .vscode/mcp.json with these servers, reads it back with the real discovery, applies it. */
  async function configure(servers: ('everything' | 'memory')[]): Promise<void> {
    const launch = {
      everything: { command: process.execPath, args: [EVERYTHING] },
      memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } },
    };
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: Object.fromEntries(servers.map((s) => [s, launch[s]])) }));
    const { definitions, problems } = await discover({ folders: [ws] });
    assert.deepEqual(problems, []);
    assert.deepEqual(definitions.map((d) => d.id).sort(), [...servers].sort());
    await manager.setDefinitions(definitions);
  }

  async function get(path: string): Promise<string> {
    const res = await fetch(url.replace(/\/mcp$/, path), { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    return res.text();
  }

  async function health(): Promise<{ id: string; status: string }[]> {
    return (JSON.parse(await get('/health')) as { upstreams: { id: string; status: string }[] }).upstreams;
  }

  /** The instructions a 2025 client and a 2026-07-28 client get when they connect now. */
  async function instructions(): Promise<string[]> {
    const auth = { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } };
    const client = new Client({ name: 'late', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), auth));
    const modern = new ModernClient({ name: 'late-2026', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
    await modern.connect(new ModernTransport(new URL(url), auth));
    clients.push(client, modern);
    return [client.getInstructions() ?? '', modern.getInstructions() ?? ''];
  }

  /** Series of the gauges (state now, unlike counters, which keep what happened) that name `server`. */
  function gaugeSeriesNaming(text: string, server: string): string[] {
    const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
    return text.split('\n').filter((line) => gauges.some((g) => line.startsWith(`${g}{`)) && line.includes(`"${server}"`));
  }

  before(async () => {
    ws = makeWorkspace();
    const { definitions } = await discover({ folders: [ws] });
    manager = new ServerManager({ definitions, logger: nullLogger, clientInfo: { name: 'mcp-harness-test', version: '0' }, stopGraceMs: 500 });
    const service = new RunService({ connections: manager, knownServers: ['everything', 'memory'], policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'memory'] }, guardrails: DEFAULT_GUARDRAILS, traceDir: join(ws, 'traces') });
    core = new GatewayCore({
      upstreams: manager,
      servers: ['everything', 'memory'],
      openRun: (r) => service.open({ name: r.name, servers: r.servers, signal: r.signal, dedup: r.dedup, kind: 'gateway', answerers: r.answerers }),
      version: '0',
      logger: nullLogger,
    });
    http = new HttpGateway({ core, token: TOKEN, port: 0 });
    ({ url } = await http.listen());
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await http?.shutdown(1000);
    await core?.close();
    await manager?.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  it('names both servers while both are configured', async () => {
    const client = new Client({ name: 'caller', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
    clients.push(client);
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'before' } });
    assert.equal(textOf(result), 'Echo: before');
    assert.deepEqual((await health()).map((u) => [u.id, u.status]), [['everything', 'running'], ['memory', 'running']]);
    for (const text of await instructions()) assert.match(text, /guards these servers: everything, memory\./);
  });

  it('after the config file drops a server, /health and new clients\' instructions no longer name it', async () => {
    await configure(['memory']);
    const upstreams = await health();
    assert.deepEqual(upstreams.map((u) => u.id), ['memory'], JSON.stringify(upstreams));
    for (const text of await instructions()) {
      assert.match(text, /guards these servers: memory\./);
      assert.doesNotMatch(text, /everything/);
    }
  });

  it('/metrics keeps no current-state series of the removed server (its call counts stay: they happened)', async () => {
    const text = await get('/metrics');
    assert.match(text, /mcp_gateway_calls_total\{server="everything",tool="echo",decision="ok"\} 1/);
    assert.deepEqual(gaugeSeriesNaming(text, 'everything'), []);
  });

  it('a server put back in the config file is named again', async () => {
    await configure(['everything', 'memory']);
    assert.deepEqual((await health()).map((u) => [u.id, u.status]), [['everything', 'stopped'], ['memory', 'running']]);
    for (const text of await instructions()) assert.match(text, /guards these servers: everything, memory\./);
  });
});
