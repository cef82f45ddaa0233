// Bad input from 2026-07-28 (stateless) clients over HTTP: each request stands alone, so each gets its own
// right answer — parse error, invalid request, method not found, invalid params, 401, 413, 429 with
// Retry-After — and the other clients (2026 and 2025) are served throughout.
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildCli, httpClient, makeWorkspace, startHttpGateway, stop, textOf, type HttpGatewayProcess } from './helpers';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const VERSION = '2026-07-28';

/** A raw 2026 request: the envelope in `_meta` names the client; no session. */
function modern(method: string, params: Record<string, unknown> = {}, client = 'raw-modern', id: unknown = 1): string {
  const _meta = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientInfo': { name: client, version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
  return JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } });
}

/** The routing headers a 2026 request carries beside its body (Mcp-Method, and Mcp-Name for a call). */
function methodHeaders(body: string): Record<string, string> {
  try {
    const parsed = JSON.parse(body) as { method?: unknown; params?: { name?: unknown } };
    if (typeof parsed?.method !== 'string') return {};
    return { 'Mcp-Method': parsed.method, ...(typeof parsed.params?.name === 'string' ? { 'Mcp-Name': parsed.params.name } : {}) };
  } catch {
    return {};
  }
}

function send(gw: HttpGatewayProcess, body: string, options: { auth?: string | false; headers?: Record<string, string> } = {}): Promise<Reply> {
  const url = new URL(gw.url);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'Mcp-Protocol-Version': VERSION,
    ...methodHeaders(body),
    ...(options.auth === false ? {} : { Authorization: `Bearer ${options.auth ?? gw.token}` }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/mcp', headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.write(body);
    req.end();
  });
}

/** The JSON-RPC answer, sent as JSON or as one SSE `data:` event. */
function rpc(reply: Reply): { id?: unknown; error?: { code: number; message: string }; result?: Record<string, unknown> } {
  const data = /^data: (.*)$/m.exec(reply.body);
  return JSON.parse(data ? data[1] : reply.body);
}

async function modernClient(gw: HttpGatewayProcess, name: string): Promise<ModernClient> {
  const client = new ModernClient({ name, version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION } } });
  await client.connect(new ModernTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
  return client;
}

describe('gateway: bad input from stateless 2026-07-28 clients over HTTP', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let bystander: ModernClient;
  let session: Client;

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    gw = await startHttpGateway(ws, ['--rate-limit', '5', '--burst', '20', '--max-body-bytes', '2048']);
    bystander = await modernClient(gw, 'bystander');
    session = await httpClient(gw, 'session-bystander');
  });
  after(async () => {
    await bystander?.close().catch(() => undefined);
    await session?.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  /** The other clients still get their answers. */
  async function othersServed(tag: string): Promise<void> {
    assert.equal(textOf(await bystander.callTool({ name: 'everything__echo', arguments: { message: tag } })), `Echo: ${tag}`);
    assert.equal(textOf(await session.callTool({ name: 'everything__echo', arguments: { message: tag } })), `Echo: ${tag}`);
  }

  it('serves a well-formed raw 2026 request without a session (the baseline the others differ from)', async () => {
    const ok = await send(gw, modern('tools/call', { name: 'everything__echo', arguments: { message: 'raw' } }));
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers['mcp-session-id'], undefined);
    assert.match(JSON.stringify(rpc(ok).result), /Echo: raw/);
  });

  it('malformed JSON: 400 with a JSON-RPC parse error', async () => {
    const reply = await send(gw, '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {');
    assert.equal(reply.status, 400);
    assert.equal(rpc(reply).error?.code, -32700);
    assert.match(rpc(reply).error!.message, /the body is not JSON/);
    await othersServed('after malformed');
  });

  it('JSON that is not a JSON-RPC request: 400 invalid request, no session made', async () => {
    const sessionsBefore = (await (await fetch(`${gw.base}/health`, { headers: { Authorization: `Bearer ${gw.token}` } })).json()).sessions;
    for (const body of ['[]', '42', JSON.stringify({ jsonrpc: '2.0', id: 1, params: {} }), JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'tools/list' })]) {
      const reply = await send(gw, body);
      assert.equal(reply.status, 400, `${body}: ${reply.status} ${reply.body}`);
      assert.equal(rpc(reply).error?.code, -32600, `${body}: ${reply.body}`);
    }
    const sessionsAfter = (await (await fetch(`${gw.base}/health`, { headers: { Authorization: `Bearer ${gw.token}` } })).json()).sessions;
    assert.equal(sessionsAfter, sessionsBefore);
    await othersServed('after invalid');
  });

  it('an unknown method: JSON-RPC method not found, with the request\'s id', async () => {
    const reply = await send(gw, modern('tools/explode', {}, 'raw-modern', 77));
    const answer = rpc(reply);
    assert.equal(answer.id, 77, reply.body);
    assert.equal(answer.error?.code, -32601, reply.body);
    await othersServed('after unknown method');
  });

  it('tools/call without a tool name: invalid params; an unknown tool names the gateway\'s form', async () => {
    const noName = rpc(await send(gw, modern('tools/call', { arguments: {} })));
    assert.equal(noName.error?.code, -32602, JSON.stringify(noName));
    const unknown = rpc(await send(gw, modern('tools/call', { name: 'nope', arguments: {} })));
    assert.match(JSON.stringify(unknown), /Unknown tool 'nope'.*server__tool/);
  });

  it('headers that disagree with the body (Mcp-Method): refused as a bad request naming the mismatch', async () => {
    const reply = await send(gw, modern('tools/call', { name: 'everything__echo', arguments: { message: 'x' } }), { headers: { 'Mcp-Method': 'tools/list' } });
    assert.equal(reply.status, 400, reply.body);
    assert.match(rpc(reply).error!.message, /headers and body disagree/);
    await othersServed('after mismatch');
  });

  it('a missing or wrong token: 401 with a Bearer challenge, before anything is parsed', async () => {
    const none = await send(gw, modern('tools/list'), { auth: false });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.match(JSON.parse(none.body).error, /bearer token/);
    const wrong = await send(gw, modern('tools/list'), { auth: 'not-the-token' });
    assert.equal(wrong.status, 401);
    await othersServed('after 401');
  });

  it('a body over the limit: 413 saying the limit', async () => {
    const big = await send(gw, modern('tools/call', { name: 'everything__echo', arguments: { message: 'x'.repeat(4096) } }));
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).error, /larger than 2048 bytes/);
    await othersServed('after 413');
  });

  it('a flood from one stateless client: 429 with Retry-After for it, while other 2026 and 2025 clients on the same address are served', async () => {
    const flood = await Promise.all(Array.from({ length: 60 }, (_, i) => send(gw, modern('tools/list', {}, 'flooder', i))));
    const limited = flood.filter((r) => r.status === 429);
    assert.ok(limited.length >= 30, `${limited.length} of 60 were limited (burst 20)`);
    assert.ok(flood.filter((r) => r.status === 200).length >= 15);
    assert.match(String(limited[0].headers['retry-after']), /^\d+$/);
    assert.match(JSON.parse(limited[0].body).error, /Too many requests from this client; retry after \d+ s/);
    await othersServed('during the flood');
    const metrics = await (await fetch(`${gw.base}/metrics`, { headers: { Authorization: `Bearer ${gw.token}` } })).text();
    assert.match(metrics, /mcp_gateway_rate_limited_total\{reason="client"\} [1-9]/);
  });
});
