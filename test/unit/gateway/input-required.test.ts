// A 2026-07-28 client has no session the gateway could send a request on: an upstream server's sampling or
// elicitation request during its call comes back to it as an `input_required` result, the client answers
// and calls again, and the call completes — for a 2025 upstream (which sent a request) and a 2026 one
// (which answered the harness with input_required itself). Real servers, the v2 SDK client.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { buildCli, FAKE_SECRET, jsonLines, makeWorkspace, ROOT, startHttpGateway, stop, textOf, traceFiles, type HttpGatewayProcess } from './helpers';

const MODERN = join(ROOT, 'test/fixtures/servers/modern.mjs');
const ASKS = join(ROOT, 'test/fixtures/servers/asks.mjs');

interface Asked {
  client: ModernClient;
  elicited: { message?: string }[];
  sampled: string[];
}

/** A 2026 client; with `answers` it declares sampling and elicitation and answers them. */
async function modernClient(gw: HttpGatewayProcess, name: string, answers: boolean): Promise<Asked> {
  const client = new ModernClient({ name, version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...(answers ? { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} } } : {}) });
  const asked: Asked = { client, elicited: [], sampled: [] };
  if (answers) {
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.elicited.push(request.params as { message?: string });
      return { action: 'accept', content: { name: `${name} user`, check: true, confirm: true } };
    });
    client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file:///${name}-root`, name: `${name}'s folder` }] }));
    client.setRequestHandler('sampling/createMessage', async (request) => {
      asked.sampled.push(JSON.stringify(request.params.messages));
      return { role: 'assistant', content: { type: 'text', text: `Blue, says ${name}. ${FAKE_SECRET}` }, model: `${name}-model`, stopReason: 'endTurn' };
    });
  }
  await client.connect(new ModernTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  return asked;
}

describe('gateway: a 2026-07-28 client answers upstream requests through input_required rounds', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let asking: Asked;

  before(async () => {
    buildCli();
    ws = makeWorkspace({ 'mcpHarness.sampling.policy': 'allow', 'mcpHarness.policy.confirmDestructive': false });
    const config = JSON.parse(readFileSync(join(ws, '.vscode/mcp.json'), 'utf8'));
    config.servers.modern = { command: process.execPath, args: [MODERN] };
    config.servers.asks = { command: process.execPath, args: [ASKS] };
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify(config));
    gw = await startHttpGateway(ws);
    asking = await modernClient(gw, 'modern-desk', true);
  });
  after(async () => {
    await asking?.client.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('a 2025 upstream\'s elicitation/create reaches the client as input_required; its answer completes the call', async () => {
    const result = await asking.client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    assert.equal(asking.elicited.length, 1, gw.stderr());
    assert.match(String(asking.elicited[0].message), /Please provide inputs/);
    assert.match(textOf(result), /- Name: modern-desk user/, textOf(result));
  });

  it('a 2025 upstream\'s sampling request: the client\'s reply reaches the server, guarded (the secret masked)', async () => {
    const result = await asking.client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'Why is the sky blue?', maxTokens: 50 } });
    assert.equal(asking.sampled.length, 1, gw.stderr());
    assert.match(asking.sampled[0], /Why is the sky blue\?/);
    const text = textOf(result);
    assert.match(text, /Blue, says modern-desk\./, text);
    assert.match(text, /modern-desk-model/);
    assert.ok(!text.includes(FAKE_SECRET), `the secret in the client's reply reached the server: ${text}`);
  });

  it('a 2025 upstream\'s roots/list is answered by the client that declared roots, not with the workspace folder', async () => {
    const result = await asking.client.callTool({ name: 'asks__ask', arguments: { what: 'roots' } });
    assert.match(textOf(result), /file:\/\/\/modern-desk-root/, textOf(result));
  });

  it('progress the upstream reports after the client answered reaches the client on its retry', async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const before = asking.elicited.length;
    const result = await asking.client.callTool({ name: 'asks__ask', arguments: { what: 'elicitation', progressAfter: true } }, { onprogress: (p: { progress: number; total?: number; message?: string }) => void progress.push(p) } as never);
    assert.equal(asking.elicited.length - before, 1);
    assert.match(textOf(result), /"action":\s*"accept"/, textOf(result));
    // The SDK client reports its own rounds as progress too ("Fulfilling input required…"); the server's is the other one.
    const fromServer = progress.filter((p) => !/^Fulfilling input required/.test(p.message ?? ''));
    assert.deepEqual(fromServer.map((p) => [p.progress, p.total, p.message]), [[1, 1, 'answered']], JSON.stringify(progress));
  });

  it('a 2026 upstream\'s own input_required (elicitation, then sampling) is asked of the client the same way', async () => {
    const confirmed = await asking.client.callTool({ name: 'modern__confirm', arguments: { action: 'deploy' } });
    assert.equal(textOf(confirmed), 'confirmed: deploy', gw.stderr());
    assert.match(String(asking.elicited.at(-1)?.message), /Do you want to deploy\?/);
    const sampled = await asking.client.callTool({ name: 'modern__sample', arguments: { prompt: 'Colour of the sea?' } });
    assert.match(textOf(sampled), /model said: Blue, says modern-desk\./, textOf(sampled));
    assert.match(asking.sampled.at(-1)!, /Colour of the sea\?/);
  });

  it('concurrent calls of one client each get their own rounds and answers', async () => {
    const before = asking.elicited.length;
    const results = await Promise.all(['a', 'b', 'c'].map((action) => asking.client.callTool({ name: 'modern__confirm', arguments: { action } })));
    assert.deepEqual(results.map(textOf), ['confirmed: a', 'confirmed: b', 'confirmed: c']);
    assert.equal(asking.elicited.length - before, 3);
  });

  it('a 2025 session client is asked a 2026 upstream\'s input_required question as a request on its call\'s stream', async () => {
    const legacy = new Client({ name: 'legacy-desk', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    legacy.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { confirm: false } };
    });
    await legacy.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } }));
    try {
      const result = await legacy.callTool({ name: 'modern__confirm', arguments: { action: 'delete' } });
      assert.equal(textOf(result), 'not confirmed: delete');
      assert.deepEqual(asked, ['Do you want to delete?']);
    } finally {
      await legacy.close();
    }
  });

  it('a client that declared nothing is not asked: the configured answer (elicitation cancelled)', async () => {
    const plain = await modernClient(gw, 'modern-plain', false);
    try {
      const result = await plain.client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
      assert.match(textOf(result), /User cancelled the elicitation dialog/, textOf(result));
    } finally {
      await plain.client.close();
    }
  });

  it('a retry whose requestState names no waiting call gets an error that says to call again', async () => {
    const answer = await asking.client
      .request({ method: 'tools/call', params: { name: 'modern__confirm', arguments: { action: 'x' }, requestState: 'forged-state', inputResponses: { r1: { action: 'accept', content: {} } } } } as never)
      .then((r) => JSON.stringify(r), (err: Error) => err.message);
    assert.match(answer, /requestState does not name a call waiting for answers on this gateway .* Call the tool again/);
    // The gateway still serves the client.
    const echo = await asking.client.callTool({ name: 'everything__echo', arguments: { message: 'still here' } });
    assert.equal(textOf(echo), 'Echo: still here');
  });

  it('a 2026 client gets annotations, output schemas and structuredContent passed through (2025 and 2026 upstreams)', async () => {
    const { tools } = await asking.client.listTools();
    const weather = tools.find((t) => t.name === 'everything__get-structured-content')!;
    assert.deepEqual(weather.annotations, { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    assert.deepEqual(Object.keys(weather.outputSchema?.properties ?? {}).sort(), ['conditions', 'humidity', 'temperature']);
    const stats = tools.find((t) => t.name === 'modern__stats')!;
    assert.equal(stats.annotations?.readOnlyHint, true);
    assert.deepEqual(Object.keys(stats.outputSchema?.properties ?? {}).sort(), ['count', 'mean', 'sum']);
    const fromLegacy = await asking.client.callTool({ name: 'everything__get-structured-content', arguments: { location: 'New York' } });
    assert.deepEqual(fromLegacy.structuredContent, { temperature: 33, conditions: 'Cloudy', humidity: 82 });
    const fromModern = await asking.client.callTool({ name: 'modern__stats', arguments: { values: [1, 2, 3] } });
    assert.deepEqual(fromModern.structuredContent, { count: 3, sum: 6, mean: 2 });
  });

  it('traces the client\'s answers as children of the calls, answered by the client, nothing secret', async () => {
    const files = traceFiles(ws).map((f) => jsonLines(f)).filter((lines) => /modern-desk \(http, stateless\)/.test(String(lines[0]?.name)));
    assert.equal(files.length, 1);
    const steps = files[0].filter((l) => l.type === 'step');
    const elicitations = steps.filter((s) => s.kind === 'elicitation');
    const samplings = steps.filter((s) => s.kind === 'sampling');
    assert.ok(elicitations.length >= 5 && samplings.length >= 2, JSON.stringify(steps.map((s) => s.kind)));
    for (const step of [...elicitations, ...samplings]) {
      assert.equal(step.decision, 'ok', JSON.stringify(step));
      assert.match(String(step.parent_id), /^call-\d+$/);
      assert.match(JSON.stringify(step), /answered by the client 'modern-desk \(http, stateless\)'/);
    }
    assert.ok(!JSON.stringify(files[0]).includes(FAKE_SECRET));
  });
});
