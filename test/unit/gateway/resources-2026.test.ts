// Resource updates for a 2026-07-28 (stateless) client: it follows a gateway resource on a
// subscriptions/listen stream (that revision has no resources/subscribe), the gateway subscribes upstream
// while the stream is open, and the upstream's notifications/resources/updated reaches the stream under the
// gateway URI. Streams following one resource share one upstream subscription; the last to close ends it.
// The policy applies as to reading. Real `asks` fixture server (it sends an update right after each upstream
// subscribe), real v2 SDK client over HTTP.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { addAsksServer, buildCli, makeWorkspace, modernClient, startHttpGateway, stop, type HttpGatewayProcess } from './helpers';

const gatewayUri = (server: string, uri: string) => `mcp-harness://${server}/${encodeURIComponent(uri)}`;
const COUNTER = gatewayUri('asks', 'asks://counter');

describe('gateway: a 2026-07-28 client follows resource updates on subscriptions/listen', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let client: ModernClient;
  const updates: string[] = [];

  before(async () => {
    buildCli();
    ws = makeWorkspace({ 'mcpHarness.policy.deny': ['asks/asks://greeting/mallory'], 'mcpHarness.policy.trustedServers': ['everything', 'memory', 'asks'] });
    addAsksServer(ws, true);
    gw = await startHttpGateway(ws);
    client = await modernClient(gw, 'follower');
    client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  async function until(count: number, polls = 400): Promise<string[]> {
    for (let i = 0; i < polls && updates.length < count; i++) await new Promise((r) => setTimeout(r, 25));
    return updates.slice();
  }

  it('declares resource subscriptions to the 2026 client', () => {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
  });

  it('delivers the upstream update of a followed resource under its gateway URI', async () => {
    const listening = await client.listen({ resourceSubscriptions: [COUNTER] });
    assert.deepEqual(listening.honoredFilter.resourceSubscriptions, [COUNTER]);
    assert.deepEqual(await until(1), [COUNTER], gw.stderr());
    // A second stream on the same resource shares the upstream subscription: the upstream is not asked again.
    const second = await client.listen({ resourceSubscriptions: [COUNTER] });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(updates, [COUNTER], 'one upstream subscription for both streams');
    await second.close();
    await listening.close();
  });

  it('the last stream closing ends the upstream subscription: following again subscribes upstream again', async () => {
    // The gateway releases a stream once its response has ended: a listen made before that still shares the
    // old subscription (no update), so it is closed and made again.
    let again: Awaited<ReturnType<ModernClient['listen']>> | undefined;
    for (let attempt = 0; attempt < 20 && updates.length < 2; attempt++) {
      again = await client.listen({ resourceSubscriptions: [COUNTER] });
      await until(2, 40);
      if (updates.length < 2) await again.close();
    }
    assert.deepEqual(updates, [COUNTER, COUNTER], gw.stderr());
    await again?.close();
  });

  it('refuses to follow a resource the policy denies, or a URI that is not the gateway\'s, saying why', async () => {
    await assert.rejects(client.listen({ resourceSubscriptions: [gatewayUri('asks', 'asks://greeting/mallory')] }), /denied this subscription \(denied_policy\).*deny rule/);
    await assert.rejects(client.listen({ resourceSubscriptions: ['asks://counter'] }), /is not a resource of this gateway/);
    await assert.rejects(client.listen({ resourceSubscriptions: [COUNTER, gatewayUri('elsewhere', 'x://y')] }), /is not a resource of this gateway/);
  });
});
