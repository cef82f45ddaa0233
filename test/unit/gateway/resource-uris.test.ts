// Gateway resource URIs as the upstream sees them. A client fills a gateway resource template the way
// RFC 6570 says (the SDK's UriTemplate, as clients do): the upstream must be asked for exactly the URI its own
// template gives for those values — a space, `%`, `/`, `?`, `#` or non-ASCII encoded once, not decoded on the
// way. And one resource spelled two ways (percent-escapes in upper or lower case) is one subscription: a client
// ending its subscription does not end another's, which keeps hearing updates under its own spelling, for
// 2025 sessions (resources/subscribe) and 2026-07-28 streams (subscriptions/listen). Real `uris` fixture server
// (it echoes the URI string it was asked for and reports what is subscribed), real SDK clients.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { addFixtureServer, buildCli, httpClient, makeWorkspace, modernClient, startHttpGateway, stop, textOf, URIS, withStdioGateway, type HttpGatewayProcess } from './helpers';

const VALUES = ['alice', 'a b', '50%', '100%25', 'x/y', 'what?', 'c#d', 'naïve', 'a+b&c=d'];

function uriWorkspace(): string {
  const ws = makeWorkspace({ 'mcpHarness.policy.trustedServers': ['uris'] });
  addFixtureServer(ws, 'uris', URIS, true);
  return ws;
}

describe('gateway: a filled resource template reaches the upstream as the client meant it', function () {
  this.timeout(120_000);
  const gateway = withStdioGateway(uriWorkspace, 'filler');

  async function gatewayTemplate(upstream: string): Promise<string> {
    const { resourceTemplates } = await gateway.client.listResourceTemplates();
    const found = resourceTemplates.find((t) => t.name === (upstream.includes('{+') ? 'raw' : 'item'));
    assert.ok(found, `${JSON.stringify(resourceTemplates)}\n${gateway.stderr}`);
    return found.uriTemplate;
  }

  /** What the upstream got when the client read the gateway template filled with `values`. */
  async function upstreamSaw(gatewayTemplateUri: string, values: Record<string, string>): Promise<string> {
    const read = await gateway.client.readResource({ uri: new UriTemplate(gatewayTemplateUri).expand(values) });
    return (read.contents[0] as { text: string }).text;
  }

  for (const value of VALUES) {
    it(`{id} = ${JSON.stringify(value)}: the upstream gets its own template's expansion`, async () => {
      const template = 'echo://item/{id}';
      assert.equal(await upstreamSaw(await gatewayTemplate(template), { id: value }), new UriTemplate(template).expand({ id: value }), gateway.stderr);
    });
  }

  it('a reserved expansion ({+path}) keeps its slashes, `?` and `#`, with the rest encoded once', async () => {
    const template = 'echo://raw/{+path}';
    const path = 'dir/a b/50%?q=ü#frag';
    const saw = await upstreamSaw(await gatewayTemplate(template), { path });
    assert.equal(saw, new UriTemplate(template).expand({ path }));
    assert.equal(saw, 'echo://raw/dir/a%20b/50%25?q=%C3%BC#frag');
  });

  it('a listed resource still reads by its listed gateway URI', async () => {
    const { resources } = await gateway.client.listResources();
    const watched = resources.find((r) => r.name === 'watched');
    assert.equal(watched?.uri, `mcp-harness://uris/${encodeURIComponent('echo://watched')}`);
    const read = await gateway.client.readResource({ uri: watched!.uri });
    assert.equal((read.contents[0] as { text: string }).text, 'echo://watched');
  });
});

describe('gateway: one resource spelled two ways is one subscription', function () {
  this.timeout(120_000);
  const UPPER = `mcp-harness://uris/${encodeURIComponent('echo://watched')}`;
  const LOWER = UPPER.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  const OTHER = `mcp-harness://uris/${encodeURIComponent('echo://other')}`;
  let ws: string;
  let gw: HttpGatewayProcess;

  before(async () => {
    buildCli();
    assert.notEqual(UPPER, LOWER);
    ws = uriWorkspace();
    gw = await startHttpGateway(ws);
  });
  after(async () => {
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  /** Asks the upstream to announce every subscribed URI; returns them (what the gateway subscribed upstream). */
  async function touch(client: { callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown> }): Promise<string[]> {
    return JSON.parse(textOf(await client.callTool({ name: 'uris__touch', arguments: {} })));
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), `${what}\n${gw.stderr()}`);
  }

  it('2025 sessions: one unsubscribing leaves the other subscribed, hearing updates under its own spelling', async () => {
    const first = await httpClient(gw, 'first');
    const second = await httpClient(gw, 'second');
    const heard: Record<string, string[]> = { first: [], second: [] };
    first.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.first.push(n.params.uri));
    second.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.second.push(n.params.uri));
    try {
      await first.subscribeResource({ uri: UPPER });
      await second.subscribeResource({ uri: LOWER });
      assert.deepEqual(await touch(first), ['echo://watched'], 'one upstream subscription for both spellings');
      await until(() => heard.first.length > 0 && heard.second.length > 0, 'both clients hear the update');
      assert.deepEqual([heard.first, heard.second], [[UPPER], [LOWER]], 'each hears it under the URI it subscribed to');
      await first.unsubscribeResource({ uri: UPPER });
      assert.deepEqual(await touch(second), ['echo://watched'], 'the other client keeps the upstream subscription');
      await until(() => heard.second.length > 1, 'the client still subscribed hears the next update');
      assert.deepEqual(heard.second, [LOWER, LOWER]);
      assert.deepEqual(heard.first, [UPPER], 'the client that unsubscribed hears no more');
      await second.unsubscribeResource({ uri: LOWER });
      assert.deepEqual(await touch(second), [], 'the last one unsubscribing ends the upstream subscription');
    } finally {
      await first.close().catch(() => undefined);
      await second.close().catch(() => undefined);
    }
  });

  it('one 2025 session under both spellings: unsubscribing one keeps the upstream subscription for the other', async () => {
    const client = await httpClient(gw, 'both');
    const heard: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.push(n.params.uri));
    try {
      await client.subscribeResource({ uri: UPPER });
      await client.subscribeResource({ uri: LOWER });
      await client.unsubscribeResource({ uri: UPPER });
      assert.deepEqual(await touch(client), ['echo://watched'], 'the spelling still subscribed keeps the upstream subscription');
      await until(() => heard.includes(LOWER), 'the update reaches the client under the spelling still subscribed');
      await client.unsubscribeResource({ uri: LOWER });
      assert.deepEqual(await touch(client), [], 'its last spelling gone, the upstream subscription ends');
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('one 2025 session under both spellings: unsubscribing by a spelling it never used ends them all', async () => {
    const client = await httpClient(gw, 'third');
    try {
      await client.subscribeResource({ uri: UPPER });
      await client.subscribeResource({ uri: LOWER });
      await client.unsubscribeResource({ uri: 'mcp-harness://uris/=echo://watched' });
      assert.deepEqual(await touch(client), [], 'the resource named another way is ended as a whole');
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('2026-07-28 streams: one closing leaves the other following, hearing updates under its own spelling', async () => {
    const client: ModernClient = await modernClient(gw, 'follower');
    const heard: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    try {
      // The first stream also follows `other`, followed by no one else: its end upstream shows the stream was released.
      const upper = await client.listen({ resourceSubscriptions: [UPPER, OTHER] });
      const lower = await client.listen({ resourceSubscriptions: [LOWER] });
      assert.deepEqual(await touch(client), ['echo://other', 'echo://watched'], 'one upstream subscription per resource');
      await until(() => heard.includes(UPPER), 'the first stream hears the update');
      await upper.close();
      let upstream: string[] = [];
      for (let i = 0; i < 200 && (upstream = await touch(client)).includes('echo://other'); i++) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(upstream, ['echo://watched'], 'the stream still open keeps the upstream subscription');
      await touch(client);
      await until(() => heard.includes(LOWER), 'the stream still open hears the updates, under its own spelling');
      await lower.close();
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
