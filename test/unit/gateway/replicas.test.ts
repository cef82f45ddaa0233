// Two gateway replicas behind a small loopback load balancer that routes the way a standard one can be told
// to: a request with an Mcp-Session-Id goes to the replica named before the id's first dot, anything else
// round-robin. Each client's session lives on one replica; both serve calls; a session id sent to the
// other replica is refused (which is why the balancer must route on the header). A 2026-07-28 client has no
// session: its requests go round-robin and either replica answers each.
import * as assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { buildCli, CLI, jsonLines, makeWorkspace, startHttpGateway, stop, textOf, type HttpGatewayProcess } from './helpers';
import { spawnSync } from 'node:child_process';

/** The balancer: routes by the session id's replica prefix, round-robin without one. Counts where requests went. */
function balancer(replicas: Record<string, URL>): { server: Server; routed: Record<string, number>; listen(): Promise<string> } {
  const names = Object.keys(replicas);
  const routed: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let next = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const id = req.headers['mcp-session-id'];
    const pinned = typeof id === 'string' ? id.slice(0, id.indexOf('.')) : undefined;
    const name = pinned && replicas[pinned] ? pinned : names[next++ % names.length];
    routed[name]++;
    const target = replicas[name];
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return {
    server,
    routed,
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`))),
  };
}

describe('gateway replicas behind a load balancer that routes on Mcp-Session-Id', function () {
  this.timeout(120_000);
  let ws: string;
  const replicas: Record<string, HttpGatewayProcess> = {};
  let lb: ReturnType<typeof balancer>;
  let url: string;

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    // Same workspace, same token file: any replica can take a new client.
    replicas.a = await startHttpGateway(ws, ['--replica-id', 'a', '--trace-dir', join(ws, 'traces-a')]);
    replicas.b = await startHttpGateway(ws, ['--replica-id', 'b', '--trace-dir', join(ws, 'traces-b')]);
    lb = balancer({ a: new URL(replicas.a.url), b: new URL(replicas.b.url) });
    url = await lb.listen();
  });
  after(async () => {
    lb?.server.close();
    for (const gw of Object.values(replicas)) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('pins each client\'s session to one replica, and both replicas serve their clients\' calls', async () => {
    assert.equal(replicas.a.token, replicas.b.token, 'the replicas share the token file');
    const clients: Client[] = [];
    const transports: StreamableHTTPClientTransport[] = [];
    const sessions: string[] = [];
    for (let c = 0; c < 4; c++) {
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${replicas.a.token}` } } });
      const client = new Client({ name: `lb-${c}`, version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      transports.push(transport);
      sessions.push(transport.sessionId!);
    }
    assert.deepEqual(sessions.map((s) => s.split('.')[0]).sort(), ['a', 'a', 'b', 'b'], `session ids name their replica: ${sessions.join(', ')}`);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(clients.map((client, c) => client.callTool({ name: 'everything__echo', arguments: { message: `c${c} r${round}` } })));
      results.forEach((r, c) => assert.equal(textOf(r), `Echo: c${c} r${round}`));
    }
    assert.ok(lb.routed.a > 10 && lb.routed.b > 10, `both replicas answered: ${JSON.stringify(lb.routed)}`);
    // DELETE through the balancer, routed like every request of the session: the replica ends its run.
    for (const transport of transports) await transport.terminateSession();
    for (const client of clients) await client.close();
    // Each replica traced the sessions it held: two runs of five calls each, ended when their clients left.
    for (const name of ['a', 'b']) {
      const dir = join(ws, `traces-${name}`);
      const ended = () => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => jsonLines(join(dir, f)));
      for (let i = 0; i < 200 && !ended().every((lines) => lines.at(-1)?.type === 'end'); i++) await new Promise((r) => setTimeout(r, 50));
      const runs = ended();
      assert.equal(runs.length, 2, `replica ${name} has two sessions`);
      for (const lines of runs) {
        assert.equal(lines.at(-1)?.type, 'end');
        assert.equal(lines.filter((l) => l.type === 'step' && l.tool === 'echo' && l.decision === 'ok').length, 5);
      }
    }
  });

  it('refuses a session id of the other replica: without routing on the header a session breaks', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${replicas.a.token}` } } });
    const client = new Client({ name: 'misrouted', version: '1.0.0' });
    await client.connect(transport);
    const id = transport.sessionId!;
    const other = id.startsWith('a.') ? replicas.b : replicas.a;
    const answer = await fetch(other.url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${other.token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(answer.status, 404);
    assert.match(await answer.text(), /Session not found/);
    await client.close();
  });

  it('serves a 2026-07-28 client statelessly: its requests alternate between the replicas, no session is pinned, each call is guarded and traced', async () => {
    const before = { ...lb.routed };
    const transport = new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${replicas.a.token}` } } });
    const client = new ModernClient({ name: 'modern-agent', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(transport.sessionId, undefined, 'no session: nothing for a balancer to pin');
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'everything__echo'), 'the namespaced tools are listed');
    for (let i = 0; i < 6; i++) {
      const r = await client.callTool({ name: 'everything__echo', arguments: { message: `modern ${i}` } });
      assert.equal(textOf(r), `Echo: modern ${i}`);
    }
    const denied = await client.callTool({ name: 'everything__nonexistent', arguments: {} }).catch((err: Error) => err);
    assert.match(String((denied as Error).message ?? JSON.stringify(denied)), /Unknown tool 'everything__nonexistent'/);
    await client.close();
    const a = lb.routed.a - before.a;
    const b = lb.routed.b - before.b;
    assert.ok(a >= 4 && b >= 4, `round-robin sent requests of one client to both replicas: a ${a}, b ${b}`);
    // Each replica traced the calls it answered, under the client's name, as the guards decided them. A
    // gateway answers before it writes the call's trace line (one turn later), so the last line may still be
    // on its way when the answer has arrived: wait for it, bounded.
    const traced = () =>
      ['a', 'b'].map((name) => {
        const dir = join(ws, `traces-${name}`);
        const runs = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => jsonLines(join(dir, f)));
        const mine = runs.filter((lines) => /modern-agent \(http, stateless\)/.test(String(lines[0]?.name)));
        assert.equal(mine.length, 1, `replica ${name} keeps one run for the stateless client`);
        return mine[0].filter((l) => l.type === 'step' && l.tool === 'echo' && l.decision === 'ok').length;
      });
    let echoes = traced();
    for (const deadline = Date.now() + 10_000; echoes[0] + echoes[1] < 6 && Date.now() < deadline; echoes = traced()) await new Promise((r) => setTimeout(r, 50));
    assert.equal(echoes[0] + echoes[1], 6, `the six echo calls are traced across both replicas: ${echoes.join(' + ')}`);
    assert.ok(echoes[0] > 0 && echoes[1] > 0, 'both replicas answered calls');
  });

  it('refuses a replica id that cannot go into a session id', () => {
    const run = spawnSync(process.execPath, [CLI, 'gateway', '--workspace', ws, '--http', '0', '--replica-id', 'a.b'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--replica-id must be 1 to 32 letters, digits, - or _/);
  });
});
