// completion/complete through the gateway: a prompt argument (the gateway's `server__prompt` name) and a
// resource-template variable (its `mcp-harness://` template) are completed by the upstream server that owns
// them, for a 2025 session over stdio and a 2026-07-28 stateless client over HTTP; the policy refuses
// completions for what it denies; and the gateway offers `completions` only when an upstream does. Real `asks`
// fixture server (completable prompt argument and template variable), real SDK clients.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { addAsksServer, ASKS, buildCli, EVERYTHING, httpClient, httpGatewaySaid, makeWorkspace, MEMORY, modernClient, startHttpGateway, stdioGatewayTransport, stop, type HttpGatewayProcess } from './helpers';

const GREETING = 'mcp-harness://asks/=asks://greeting/{name}';

/** A workspace with the asks server beside everything and memory; `asks/greet` is denied. */
function asksWorkspace(): string {
  const ws = makeWorkspace({ 'mcpHarness.policy.deny': ['everything/get-env', 'asks/greet'], 'mcpHarness.policy.trustedServers': ['everything', 'memory', 'asks'] });
  addAsksServer(ws);
  return ws;
}

interface Completer {
  complete(params: { ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }; argument: { name: string; value: string } }): Promise<{ completion: { values: string[] } }>;
}

/** The same expectations for either client generation. */
function completesThroughTheGateway(client: () => Completer) {
  it('completes a resource-template variable from the upstream, by the gateway template URI', async () => {
    const { completion } = await client().complete({ ref: { type: 'ref/resource', uri: GREETING }, argument: { name: 'name', value: 'b' } });
    assert.deepEqual(completion.values, ['bob']);
    const all = await client().complete({ ref: { type: 'ref/resource', uri: GREETING }, argument: { name: 'name', value: '' } });
    assert.deepEqual(all.completion.values, ['alice', 'bob']);
  });

  it('refuses completions for a prompt the policy denies, saying which rule', async () => {
    await assert.rejects(client().complete({ ref: { type: 'ref/prompt', name: 'asks__greet' }, argument: { name: 'name', value: 'a' } }), /denied completions for this prompt \(denied_policy\).*deny rule/);
  });

  it('refuses an unknown prompt and a URI that is not the gateway\'s, saying what to list', async () => {
    await assert.rejects(client().complete({ ref: { type: 'ref/prompt', name: 'asks__nope' } , argument: { name: 'name', value: '' } }), /Unknown prompt 'asks__nope'; list the prompts/);
    await assert.rejects(client().complete({ ref: { type: 'ref/resource', uri: 'asks://greeting/{name}' }, argument: { name: 'name', value: '' } }), /not a resource template of this gateway.*list the resource templates/);
    await assert.rejects(client().complete({ ref: { type: 'ref/resource', uri: 'mcp-harness://elsewhere/x' }, argument: { name: 'name', value: '' } }), /not a resource template of this gateway/);
  });
}

describe('gateway: completions (2025 session over stdio)', function () {
  this.timeout(120_000);
  let ws: string;
  let client: Client;
  let stderr = '';

  before(async () => {
    buildCli();
    ws = asksWorkspace();
    client = new Client({ name: 'completer', version: '1.0.0' });
    await client.connect(stdioGatewayTransport(ws, (t) => (stderr += t)));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    rmSync(ws, { recursive: true, force: true });
  });

  it('offers completions, since an upstream does', () => {
    assert.deepEqual(client.getServerCapabilities()?.completions, {}, stderr);
  });

  completesThroughTheGateway(() => client as unknown as Completer);

  it('completes an allowed prompt argument under its gateway name (policy without the deny rule)', async () => {
    const allowed = asksWorkspace();
    writeFileSync(join(allowed, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.policy.trustedServers': ['everything', 'memory', 'asks'] }));
    const other = new Client({ name: 'completer-2', version: '1.0.0' });
    try {
      await other.connect(stdioGatewayTransport(allowed, () => undefined));
      const { completion } = await other.complete({ ref: { type: 'ref/prompt', name: 'asks__greet' }, argument: { name: 'name', value: 'a' } });
      assert.deepEqual(completion.values, ['alice']);
      const { completion: none } = await other.complete({ ref: { type: 'ref/prompt', name: 'asks__greet' }, argument: { name: 'name', value: 'z' } });
      assert.deepEqual(none.values, []);
    } finally {
      await other.close().catch(() => undefined);
      rmSync(allowed, { recursive: true, force: true });
    }
  });
});

describe('gateway: completions (2026-07-28 stateless client over HTTP)', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let client: ModernClient;

  before(async () => {
    buildCli();
    ws = asksWorkspace();
    gw = await startHttpGateway(ws);
    client = await modernClient(gw, 'completer-2026');
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('speaks 2026-07-28 and is offered completions', () => {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.deepEqual(client.getServerCapabilities()?.completions, {}, gw.stderr());
  });

  completesThroughTheGateway(() => client as unknown as Completer);
});

describe('gateway: no completions without an upstream that completes', function () {
  this.timeout(120_000);
  let ws: string;
  let client: Client;

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    // memory declares no completions.
    const file = join(ws, '.vscode/mcp.json');
    writeFileSync(file, JSON.stringify({ servers: { memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } } } }));
    client = new Client({ name: 'no-completions', version: '1.0.0' });
    await client.connect(stdioGatewayTransport(ws, () => undefined));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    rmSync(ws, { recursive: true, force: true });
  });

  it('does not declare completions, and refuses completion/complete as an unknown method', async () => {
    assert.ok(client.getServerCapabilities()?.tools, 'the gateway answered initialize');
    assert.equal(client.getServerCapabilities()?.completions, undefined);
    // The SDK client checks the server's capabilities before asking (enforceStrictCapabilities is off: it asks).
    await assert.rejects(client.request({ method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'memory__x' }, argument: { name: 'a', value: '' } } }, (await import('@modelcontextprotocol/sdk/types.js')).CompleteResultSchema), /Method not found/);
  });
});

describe('gateway: completions once a server that failed to start at the first ask starts', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let marker: string;
  const clients: { close(): Promise<void> }[] = [];

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    marker = join(ws, 'may-start');
    // The asks server, but its process exits before the handshake until the marker file exists.
    const launch = `if (!require('fs').existsSync(${JSON.stringify(marker)})) process.exit(1); import(${JSON.stringify(pathToFileURL(ASKS).href)});`;
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { late: { command: process.execPath, args: ['-e', launch] } } }));
    gw = await startHttpGateway(ws);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('is not offered while the server cannot start, and is offered and forwarded once it does (2025 and 2026 clients)', async () => {
    const early = await httpClient(gw, 'early');
    clients.push(early);
    assert.equal(early.getServerCapabilities()?.completions, undefined, gw.stderr());
    assert.match(gw.stderr(), /could not ask 'late' whether it completes/);
    assert.ok(!existsSync(marker));
    writeFileSync(marker, '');
    // A new session does not wait for the servers to be asked again (the next one after they answer is offered).
    let later = await httpClient(gw, 'later');
    clients.push(later);
    for (let i = 0; i < 50 && !later.getServerCapabilities()?.completions; i++) {
      await new Promise((r) => setTimeout(r, 100));
      later = await httpClient(gw, `later-${i}`);
      clients.push(later);
    }
    assert.deepEqual(later.getServerCapabilities()?.completions, {}, gw.stderr());
    const template = 'mcp-harness://late/=asks://greeting/{name}';
    const { completion } = await later.complete({ ref: { type: 'ref/resource', uri: template }, argument: { name: 'name', value: 'b' } });
    assert.deepEqual(completion.values, ['bob']);
    const modern = await modernClient(gw, 'later-2026');
    clients.push(modern);
    assert.deepEqual(modern.getServerCapabilities()?.completions, {}, gw.stderr());
    const answer = await modern.complete({ ref: { type: 'ref/resource', uri: template }, argument: { name: 'name', value: 'a' } });
    assert.deepEqual(answer.completion.values, ['alice']);
  });
});

describe('gateway: completions follow the servers of a reloaded configuration, for clients that connect after it', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  const clients: { close(): Promise<void> }[] = [];
  const config = (servers: string[]) => {
    const all: Record<string, unknown> = {
      everything: { command: process.execPath, args: [EVERYTHING] },
      memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } },
    };
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: Object.fromEntries(servers.map((s) => [s, all[s]])) }));
  };
  const connect = async (name: string) => {
    const client = await httpClient(gw, name);
    clients.push(client);
    return client;
  };

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    config(['memory']);
    gw = await startHttpGateway(ws);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('offers completions once a server that completes is added, and no longer once it is removed; a connected client keeps what it was told', async () => {
    // server-memory declares no completions.
    const early = await connect('early');
    assert.equal(early.getServerCapabilities()?.completions, undefined, gw.stderr());
    config(['memory', 'everything']);
    await httpGatewaySaid(gw, /the configuration changed: added everything/);
    const later = await connect('later');
    assert.deepEqual(later.getServerCapabilities()?.completions, {}, gw.stderr());
    const { completion } = await later.complete({ ref: { type: 'ref/prompt', name: 'everything__completable-prompt' }, argument: { name: 'department', value: 'Eng' } });
    assert.deepEqual(completion.values, ['Engineering']);
    const modern = await modernClient(gw, 'later-2026');
    clients.push(modern);
    assert.deepEqual(modern.getServerCapabilities()?.completions, {}, gw.stderr());
    // The protocol fixes a session's capabilities at initialize: the early client was told there are none.
    assert.equal(early.getServerCapabilities()?.completions, undefined);
    config(['memory']);
    await httpGatewaySaid(gw, /the configuration changed: removed everything/);
    const last = await connect('last');
    assert.equal(last.getServerCapabilities()?.completions, undefined, gw.stderr());
    const lastModern = await modernClient(gw, 'last-2026');
    clients.push(lastModern);
    assert.equal(lastModern.getServerCapabilities()?.completions, undefined, gw.stderr());
  });
});
