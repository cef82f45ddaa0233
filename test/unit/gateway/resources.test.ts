// Resources through the gateway beyond list and read: resource templates under the gateway's scheme (filled
// by the client, read back through the guards), and subscriptions — the upstream's
// notifications/resources/updated forwarded to the subscribed client under the gateway URI, the policy
// applied to subscribing as to reading; one client holding a resource under two spellings of its gateway URI.
// Real `asks` fixture server and server-everything, real SDK client over stdio.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { addAsksServer, buildCli, makeWorkspace, stdioGatewayTransport } from './helpers';

const gatewayUri = (server: string, uri: string) => `mcp-harness://${server}/${encodeURIComponent(uri)}`;

describe('gateway: resource templates and subscriptions (stdio)', function () {
  this.timeout(120_000);
  let ws: string;
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';
  const updates: string[] = [];

  before(async () => {
    buildCli();
    ws = makeWorkspace({ 'mcpHarness.policy.deny': ['everything/get-env', 'asks/asks://greeting/mallory'] });
    addAsksServer(ws);
    client = new Client({ name: 'subscriber', version: '1.0.0' });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void updates.push(n.params.uri));
    transport = stdioGatewayTransport(ws, (t) => (stderr += t));
    await client.connect(transport);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    rmSync(ws, { recursive: true, force: true });
  });

  async function nextUpdate(count: number): Promise<string[]> {
    for (let i = 0; i < 200 && updates.length < count; i++) await new Promise((r) => setTimeout(r, 25));
    return updates.slice();
  }

  it('declares resource subscriptions', () => {
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
  });

  it('lists upstream resource templates under the gateway scheme; a filled template reads through the guards', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    const greeting = resourceTemplates.find((t) => t.uriTemplate.startsWith('mcp-harness://asks/'));
    assert.ok(greeting, JSON.stringify(resourceTemplates));
    assert.equal(greeting.uriTemplate, 'mcp-harness://asks/=asks://greeting/{name}');
    assert.ok(resourceTemplates.some((t) => t.uriTemplate.startsWith('mcp-harness://everything/')), 'the other server\'s templates are listed too');
    const uri = greeting.uriTemplate.replace('{name}', 'alice');
    const read = await client.readResource({ uri });
    assert.deepEqual(read.contents, [{ uri: gatewayUri('asks', 'asks://greeting/alice'), text: 'hello alice' }]);
    await assert.rejects(client.readResource({ uri: greeting.uriTemplate.replace('{name}', 'mallory') }), /denied this resource \(denied_policy\).*deny rule/);
  });

  it('forwards notifications/resources/updated for a subscribed resource under its gateway URI', async () => {
    const counter = gatewayUri('asks', 'asks://counter');
    await client.subscribeResource({ uri: counter });
    assert.deepEqual(await nextUpdate(1), [counter], stderr);
  });

  it('unsubscribing ends the upstream subscription: subscribing again subscribes upstream again', async () => {
    const counter = gatewayUri('asks', 'asks://counter');
    await client.unsubscribeResource({ uri: counter });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(updates.length, 1, 'no update after unsubscribing');
    await client.subscribeResource({ uri: counter });
    assert.deepEqual(await nextUpdate(2), [counter, counter]);
  });

  it('subscribes upstream again after the upstream server restarted (its subscriptions went with the old process)', async () => {
    const counter = gatewayUri('asks', 'asks://counter');
    const seen = updates.length;
    const asksPid = Number(execFileSync('pgrep', ['-P', String(transport.pid), '-f', 'asks.mjs'], { encoding: 'utf8' }).trim().split('\n')[0]);
    assert.ok(asksPid > 0, 'the asks server runs under the gateway');
    process.kill(asksPid, 'SIGKILL');
    // The next request starts the server again; the fixture answers a (new) subscription with an update at once.
    for (let i = 0; i < 200; i++) {
      const read = await client.readResource({ uri: counter }).catch(() => undefined);
      if (read) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual((await nextUpdate(seen + 1)).slice(seen), [counter], stderr);
  });

  it('one client subscribed under two spellings of a resource keeps the other when it unsubscribes one', async () => {
    // server-everything: each start of its simulated updates sends one update per subscribed resource at once,
    // in the order subscribed, so the marker's update (subscribed last) closes each round.
    const resource = 'demo://resource/dynamic/text/1';
    const encoded = gatewayUri('everything', resource);
    const asIs = `mcp-harness://everything/=${resource}`;
    const marker = gatewayUri('everything', 'demo://resource/dynamic/text/2');
    const toggle = () => client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    async function round(): Promise<string[]> {
      const from = updates.length;
      await toggle();
      try {
        for (let i = 0; i < 400 && !updates.slice(from).includes(marker); i++) await new Promise((r) => setTimeout(r, 25));
      } finally {
        await toggle();
      }
      const heard = updates.slice(from).filter((u) => [encoded, asIs, marker].includes(u));
      assert.ok(heard.includes(marker), `the marker's update arrived\n${stderr}`);
      return [...new Set(heard)].sort();
    }
    await client.subscribeResource({ uri: encoded });
    await client.subscribeResource({ uri: asIs });
    await client.subscribeResource({ uri: marker });
    assert.deepEqual(await round(), [asIs, encoded, marker].sort(), 'an update reaches the client under each spelling');
    await client.unsubscribeResource({ uri: encoded });
    assert.deepEqual(await round(), [asIs, marker].sort(), 'the spelling still subscribed keeps hearing updates');
    await client.unsubscribeResource({ uri: asIs });
    assert.deepEqual(await round(), [marker], 'with its last spelling gone the resource is heard no more');
    await client.unsubscribeResource({ uri: marker });
  });

  it('refuses a subscription the policy denies, and a URI that is not the gateway\'s', async () => {
    await assert.rejects(client.subscribeResource({ uri: gatewayUri('asks', 'asks://greeting/mallory') }), /denied this subscription \(denied_policy\).*deny rule/);
    await assert.rejects(client.subscribeResource({ uri: 'asks://counter' }), /is not a resource of this gateway/);
    await assert.rejects(client.subscribeResource({ uri: gatewayUri('elsewhere', 'x://y') }), /is not a resource of this gateway/);
  });
});
