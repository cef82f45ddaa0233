// list_changed for a 2026-07-28 (stateless) client: it listens (subscriptions/listen, opened by the v2 SDK
// client for its listChanged handlers) and hears each upstream list change, tools, resources and prompts.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { buildCli, makeWorkspace, startHttpGateway, stop, textOf, type HttpGatewayProcess } from './helpers';

type Kind = 'tools' | 'resources' | 'prompts';

describe('gateway: list_changed reaches a listening 2026-07-28 client', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let client: ModernClient;
  const heard: Record<Kind, string[][]> = { tools: [], resources: [], prompts: [] };
  const waiters: (() => void)[] = [];

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { changing: { command: process.execPath, args: [join(__dirname, 'fixtures/changing.mjs')] } } }));
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.policy.trustedServers': ['changing'] }));
    gw = await startHttpGateway(ws);
    const on = (kind: Kind, names: (items: unknown[]) => string[]) => ({
      onChanged: (error: Error | null, items: unknown[] | null) => {
        heard[kind].push(error ? [`error: ${error.message}`] : names(items ?? []));
        for (const wake of waiters.splice(0)) wake();
      },
    });
    client = new ModernClient(
      { name: 'listener', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
        listChanged: {
          tools: on('tools', (items) => items.map((t) => (t as { name: string }).name).sort()),
          resources: on('resources', (items) => items.map((r) => (r as { uri: string }).uri)),
          prompts: on('prompts', (items) => items.map((p) => (p as { name: string }).name)),
        },
      } as never,
    );
    await client.connect(new ModernTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  async function until(kind: Kind, count: number): Promise<string[][]> {
    const deadline = Date.now() + 15_000;
    while (heard[kind].length < count && Date.now() < deadline) await new Promise<void>((resolve) => (waiters.push(resolve), setTimeout(resolve, 100)));
    return heard[kind];
  }

  it('hears tools, resources and prompts list changes with the new lists', async () => {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.ok(client.autoOpenedSubscription, 'the client listens for list changes');
    assert.equal(textOf(await client.callTool({ name: 'changing__add_tool', arguments: { name: 'late' } })), 'added added_late');
    assert.ok((await until('tools', 1)).some((names) => names.includes('changing__added_late')), JSON.stringify(heard.tools) + gw.stderr());
    await client.callTool({ name: 'changing__add_resource', arguments: { name: 'fresh' } });
    assert.ok((await until('resources', 1)).some((uris) => uris.includes(`mcp-harness://changing/${encodeURIComponent('changing://fresh')}`)), JSON.stringify(heard.resources));
    await client.callTool({ name: 'changing__add_prompt', arguments: { name: 'fresh' } });
    assert.ok((await until('prompts', 1)).some((names) => names.includes('changing__prompt_fresh')), JSON.stringify(heard.prompts));
  });
});
