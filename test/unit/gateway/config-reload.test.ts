// A server that leaves the configuration while the gateway runs (the host reloads its config: the
// ServerManager gets the new definitions, as VS Code applies an edited mcp.json): the gateway forgets that
// server's resource subscriptions, tells its clients the lists changed, and a subscription to the server's
// URIs is refused from then on. The real gateway core over a real ServerManager running server-everything and
// the memory server, a real SDK client on an in-memory transport (the gateway CLI does not reload its config).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { GatewayCore } from '../../../src/core/gateway/core';
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
  const updated = new Set<(server: string, uri: string) => void>();
  const heard: string[] = [];

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
      resourceUpdates: (listener) => (updated.add(listener), () => updated.delete(listener)),
    });
    const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'reload', version: '1.0.0' });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.push(`updated ${n.params.uri}`));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => void heard.push('resources changed'));
    await core.connect(gatewaySide, 'reload');
    await client.connect(clientSide);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await core?.close();
    await manager?.dispose();
    rmSync(traceDir, { recursive: true, force: true });
  });

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), `${what}: ${JSON.stringify(heard)}`);
  }

  it('drops its subscriptions, tells the client, and refuses new ones', async () => {
    await client.subscribeResource({ uri: resource });
    // server-everything sends an update for each subscribed resource when its simulated updates start.
    await manager.callTool('everything', 'toggle-subscriber-updates', {});
    await until(() => heard.includes(`updated ${resource}`), 'the subscription works before the reload');
    assert.equal(core.subscriptions?.count, 1);

    await manager.setDefinitions([memory]);
    await until(() => heard.includes('resources changed'), 'the client hears that the resources changed');
    assert.equal(core.subscriptions?.count, 0, 'nothing is kept for the server that left');
    await assert.rejects(client.subscribeResource({ uri: resource }), /There is no server named 'everything'/);
    assert.equal(core.subscriptions?.count, 0, 'a refused subscription is not kept either');
    await client.unsubscribeResource({ uri: resource });
  });
});
