// A server that leaves the configuration while the gateway runs (the host reloads its config: the
// ServerManager gets the new definitions, as VS Code applies an edited mcp.json): the gateway forgets that
// server's resource subscriptions, tells its clients the lists changed, and a subscription to the server's
// URIs is refused from then on; 2026-07-28 listen streams that followed it leave nothing behind either, so when
// the server comes back a new stream subscribes anew. The real gateway core (and its HTTP front) over a real
// ServerManager running server-everything and the memory server, real SDK clients: a 2025 one on an in-memory
// transport, a 2026 one over HTTP (the gateway CLI itself does not reload its config).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { GatewayCore } from '../../../src/core/gateway/core';
import { HttpGateway } from '../../../src/core/gateway/http';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService } from '../../../src/core/run/service';
import { ServerManager } from '../../../src/core/servers/manager';
import { nullLogger } from '../../../src/core/types';
import { EVERYTHING, stdioDefinition } from '../guards/helpers';
import { MEMORY } from './helpers';

describe('gateway: a server that leaves the configuration', function () {
  this.timeout(60_000);
  const everything = stdioDefinition('everything', EVERYTHING);
  const memory = stdioDefinition('memory', MEMORY);
  const resource = 'mcp-harness://everything/' + encodeURIComponent('demo://resource/dynamic/text/1');
  let traceDir: string;
  let manager: ServerManager;
  let core: GatewayCore;
  let client: Client;
  let http: HttpGateway;
  let modern: ModernClient;
  const followed: string[] = [];
  const updated = new Set<(server: string, uri: string) => void>();
  const heard: string[] = [];
  const warnings: string[] = [];

  before(async () => {
    traceDir = mkdtempSync(join(tmpdir(), 'mcp-harness-gw-reload-'));
    manager = new ServerManager({
      definitions: [everything, memory],
      logger: nullLogger,
      clientInfo: { name: 'mcp-harness-test', version: '0' },
      stopGraceMs: 500,
      serverNotifications: { onResourceUpdated: (server, uri) => updated.forEach((listener) => listener(server, uri)) },
    });
    const service = new RunService({ connections: manager, knownServers: ['everything', 'memory'], policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'memory'] }, guardrails: DEFAULT_GUARDRAILS, traceDir });
    core = new GatewayCore({
      upstreams: manager,
      servers: ['everything', 'memory'],
      openRun: (r) => service.open({ name: r.name, servers: r.servers, signal: r.signal, dedup: r.dedup, kind: 'gateway', answerers: r.answerers }),
      version: '0',
      logger: { ...nullLogger, warn: (m: string | Error) => void warnings.push(String(m)) },
      resourceUpdates: (listener) => (updated.add(listener), () => updated.delete(listener)),
    });
    const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'reload', version: '1.0.0' });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.push(`updated ${n.params.uri}`));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => void heard.push('resources changed'));
    await core.connect(gatewaySide, 'reload');
    await client.connect(clientSide);
    http = new HttpGateway({ core, token: 'reload-token', port: 0 });
    const { url } = await http.listen();
    modern = new ModernClient({ name: 'follower', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
    modern.setNotificationHandler('notifications/resources/updated', (n) => void followed.push(n.params.uri));
    await modern.connect(new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer reload-token' } } }));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await modern?.close().catch(() => undefined);
    await http?.shutdown(1000);
    await core?.close();
    await manager?.dispose();
    rmSync(traceDir, { recursive: true, force: true });
  });

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), `${what}: ${JSON.stringify({ heard, followed })}`);
  }

  /** server-everything sends an update for each subscribed resource when its simulated updates start (a new process has them off). */
  const startUpdates = () => manager.callTool('everything', 'toggle-subscriber-updates', {});
  let stream: { close(): Promise<void> };

  it('drops its subscriptions, tells the client, and refuses new ones', async () => {
    await client.subscribeResource({ uri: resource });
    stream = await modern.listen({ resourceSubscriptions: [resource] });
    await startUpdates();
    await until(() => heard.includes(`updated ${resource}`) && followed.includes(resource), 'the subscriptions work before the reload');
    assert.equal(core.subscriptions?.count, 1, 'one upstream subscription for the session and the stream');

    await manager.setDefinitions([memory]);
    await until(() => heard.includes('resources changed'), 'the client hears that the resources changed');
    assert.equal(core.subscriptions?.count, 0, 'nothing is kept for the server that left');
    await assert.rejects(client.subscribeResource({ uri: resource }), /There is no server named 'everything'/);
    assert.equal(core.subscriptions?.count, 0, 'a refused subscription is not kept either');
    await client.unsubscribeResource({ uri: resource });
  });

  it('lists only the servers still configured, without asking the one that left', async () => {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name.startsWith('memory__')), JSON.stringify(tools.map((t) => t.name)));
    assert.ok(!tools.some((t) => t.name.startsWith('everything__')), 'the tools of the server that left are gone');
    const { resources } = await client.listResources();
    assert.ok(!resources.some((r) => r.uri.startsWith('mcp-harness://everything/')));
    assert.deepEqual(warnings.filter((w) => w.includes("'everything'")), [], 'nothing tried to reach it');
  });

  it('when the server comes back, a new stream on the resource subscribes anew; the old one closing takes nothing', async () => {
    await manager.setDefinitions([everything, memory]);
    followed.length = 0;
    const again = await modern.listen({ resourceSubscriptions: [resource] });
    assert.equal(core.subscriptions?.count, 1, 'subscribed upstream again');
    await startUpdates();
    await until(() => followed.includes(resource), 'the new stream hears the server that came back');
    await stream.close();
    // The old stream's entry was forgotten with the server: its closing must not take the new stream's subscription.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(core.subscriptions?.count, 1, 'the old stream closing took the new subscription');
    // Updates are still on (the tool toggles them): the next one reaches the new stream.
    followed.length = 0;
    await until(() => followed.includes(resource), 'the new stream still hears updates after the old one closed');
    await again.close();
    await until(() => core.subscriptions?.count === 0, 'both streams closed, nothing is left');
  });
});
