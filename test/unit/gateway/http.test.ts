import * as assert from 'node:assert/strict';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildCli, httpClient, jsonLines, makeWorkspace, startHttpGateway, stop, textOf, type HttpGatewayProcess } from './helpers';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so headers and bodies can be wrong on purpose. */
function send(gw: HttpGatewayProcess, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; auth?: boolean }): Promise<Reply> {
  const url = new URL(gw.base);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    ...(options.auth === false ? {} : { Authorization: `Bearer ${gw.token}` }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: options.method ?? 'POST', path: options.path ?? '/mcp', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The JSON-RPC message of an answer, sent as JSON or as one SSE `data:` event. */
function rpc(reply: Reply): { id: unknown; error?: { code: number }; result?: unknown } {
  const data = /^data: (.*)$/m.exec(reply.body);
  return JSON.parse(data ? data[1] : reply.body);
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

/** Initializes a session by hand; returns its id. */
async function rawSession(gw: HttpGatewayProcess): Promise<string> {
  const r = await send(gw, { body: INIT });
  assert.equal(r.status, 200, r.body);
  const id = r.headers['mcp-session-id'] as string;
  await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers: { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' } });
  return id;
}

/** Prometheus text exposition → `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('gateway over Streamable HTTP', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let client: Client;

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    gw = await startHttpGateway(ws, ['--rate-limit', '5', '--burst', '20', '--max-body-bytes', '2048', '--cors-origin', 'https://app.example']);
    client = await httpClient(gw);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    if (gw?.child.exitCode !== null) console.error(gw?.stderr());
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('prints the new token once and keeps it in a 0600 file', () => {
    assert.match(gw.stderr(), /created a bearer token \(shown once; it stays in .*token, mode 0600\):\n {2}\S{40,}\n/);
    assert.ok(gw.stderr().includes(gw.token));
    assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('serves a real SDK client: list and call', async () => {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'everything__echo'));
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'over http' } })), 'Echo: over http');
  });

  it('answers 401 without the token or with a wrong one, on every endpoint', async () => {
    for (const path of ['/mcp', '/health', '/metrics']) {
      const none = await send(gw, { path, method: path === '/mcp' ? 'POST' : 'GET', body: path === '/mcp' ? INIT : undefined, auth: false });
      assert.equal(none.status, 401, path);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.match(JSON.parse(none.body).error, /bearer token/);
    }
    const wrong = await send(gw, { body: INIT, headers: { Authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
  });

  it('answers 403 to a foreign Host or Origin (DNS rebinding) and CORS only for the configured origin', async () => {
    const host = await send(gw, { body: INIT, headers: { Host: 'evil.example:80' } });
    assert.equal(host.status, 403);
    assert.match(JSON.parse(host.body).error, /Host header 'evil\.example:80'/);
    const origin = await send(gw, { body: INIT, headers: { Origin: 'https://evil.example' } });
    assert.equal(origin.status, 403);
    assert.equal(origin.headers['access-control-allow-origin'], undefined);
    const preflight = await send(gw, { method: 'OPTIONS', auth: false, headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(preflight.headers['access-control-allow-headers']), /Mcp-Session-Id/);
    const allowed = await send(gw, { body: INIT, headers: { Origin: 'https://app.example' } });
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
  });

  it('answers 413 to a body over the limit, and 400 with a JSON-RPC parse error to malformed JSON', async () => {
    const big = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(4096) } }) });
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).error, /larger than 2048 bytes/);
    const malformed = await send(gw, { body: '{"jsonrpc": "2.0", "id": 1, "method": ' });
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.body).error.code, -32700);
  });

  it('answers an unknown method with JSON-RPC "method not found", a request without a session with 400, an unknown session with 404', async () => {
    const id = await rawSession(gw);
    const unknown = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/explode', params: {} }), headers: { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' } });
    assert.equal(unknown.status, 200, unknown.body);
    assert.deepEqual([rpc(unknown).id, rpc(unknown).error?.code], [7, -32601]);
    const noSession = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    assert.equal(noSession.status, 400);
    const gone = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), headers: { 'Mcp-Session-Id': 'no-such-session' } });
    assert.equal(gone.status, 404);
    const sessionsBefore = JSON.parse((await send(gw, { method: 'GET', path: '/health' })).body).sessions;
    const badInit = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'initialize', params: {} }) });
    assert.equal(badInit.status, 400);
    assert.equal(JSON.parse((await send(gw, { method: 'GET', path: '/health' })).body).sessions, sessionsBefore, 'a refused initialize leaves no session');
    const elsewhere = await send(gw, { method: 'GET', path: '/admin' });
    assert.equal(elsewhere.status, 404);
  });

  it('limits a flooding client with 429 and Retry-After while another client is unaffected', async () => {
    const flooder = await rawSession(gw);
    const list = (session: string) => send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: { 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-06-18' } });
    const flood = await Promise.all(Array.from({ length: 60 }, () => list(flooder)));
    const limited = flood.filter((r) => r.status === 429);
    assert.ok(limited.length >= 30, `${limited.length} of 60 were limited (burst 20)`);
    assert.ok(flood.filter((r) => r.status === 200).length >= 15);
    assert.match(String(limited[0].headers['retry-after']), /^\d+$/);
    // The other client's bucket is its own.
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'still fine' } })), 'Echo: still fine');
  });

  it('reports liveness and each upstream on /health', async () => {
    const r = await send(gw, { method: 'GET', path: '/health' });
    assert.equal(r.status, 200);
    const health = JSON.parse(r.body);
    assert.equal(health.status, 'ok');
    assert.ok(health.sessions >= 1);
    assert.deepEqual(health.upstreams.map((u: { id: string }) => u.id), ['everything', 'memory']);
    const everything = health.upstreams.find((u: { id: string }) => u.id === 'everything');
    assert.equal(everything.status, 'running');
    assert.ok(everything.pid > 0 && everything.tools > 5);
  });

  it('exposes calls, decisions, latency per server/tool and rate-limited requests on /metrics', async () => {
    await client.callTool({ name: 'everything__get-env', arguments: {} });
    const r = await send(gw, { method: 'GET', path: '/metrics' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(r.body);
    assert.equal(m.get('mcp_gateway_calls_total{server="everything",tool="echo",decision="ok"}'), 2);
    assert.equal(m.get('mcp_gateway_decisions_total{decision="denied_policy"}'), 1);
    assert.equal(m.get('mcp_gateway_call_duration_seconds_count{server="everything",tool="echo"}'), 2);
    assert.ok((m.get('mcp_gateway_call_duration_seconds_bucket{le="+Inf",server="everything",tool="echo"}') ?? 0) === 2);
    assert.ok((m.get('mcp_gateway_rate_limited_total{reason="client"}') ?? 0) >= 30);
    assert.ok((m.get('mcp_gateway_rejected_requests_total{status="401"}') ?? 0) >= 4);
    assert.ok((m.get('mcp_gateway_rejected_requests_total{status="413"}') ?? 0) === 1);
    assert.ok((m.get('mcp_gateway_sessions') ?? 0) >= 1);
    assert.ok(m.has('mcp_gateway_process_resident_memory_bytes'));
  });

  it('audits calls, denials, refused requests and the token creation, without the token', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const audit = jsonLines(join(ws, '.mcp-harness/audit/gateway.jsonl'));
    const kinds = audit.map((a) => `${a.kind}:${a.action}`);
    assert.equal(kinds[0], 'admin:token_created');
    assert.equal(kinds[1], 'admin:start');
    assert.ok(kinds.includes('call:ok') && kinds.includes('denial:denied_policy'));
    assert.ok(kinds.includes('rejected:401') && kinds.includes('rejected:403') && kinds.includes('rejected:413'));
    assert.ok(!JSON.stringify(audit).includes(gw.token), 'the token is never audited');
  });

  it('forgets a session once its client ends it (DELETE): its server, transport and run are gone', async () => {
    const sessions = async () => JSON.parse((await send(gw, { method: 'GET', path: '/health' })).body).sessions as number;
    const before = await sessions();
    const leaving = await httpClient(gw, 'leaving-client');
    assert.equal(textOf(await leaving.callTool({ name: 'everything__echo', arguments: { message: 'bye' } })), 'Echo: bye');
    assert.equal(await sessions(), before + 1);
    const transport = leaving.transport as StreamableHTTPClientTransport;
    const id = transport.sessionId!;
    await transport.terminateSession();
    await leaving.close();
    assert.equal(await sessions(), before, 'the ended session is no longer held');
    const after = await send(gw, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' } });
    assert.equal(after.status, 404, 'its id is unknown from now on');
  });
});
