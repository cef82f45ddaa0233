import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, type CreateMessageRequest, type CreateMessageResult, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { buildCli, FAKE_SECRET, jsonLines, makeWorkspace, ROOT, startHttpGateway, stdioGatewayTransport, stop, textOf, traceFiles, type HttpGatewayProcess } from './helpers';

const ASKS = join(ROOT, 'test/fixtures/servers/asks.mjs');
const UI = join(ROOT, 'test/fixtures/servers/client-ui.mjs');

/** Adds fixture servers to a workspace made by makeWorkspace. */
function addServers(ws: string, servers: Record<string, string>): void {
  const config = JSON.parse(readFileSync(join(ws, '.vscode/mcp.json'), 'utf8'));
  for (const [id, script] of Object.entries(servers)) config.servers[id] = { command: process.execPath, args: [script] };
  writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify(config));
}

// An upstream server's sampling or elicitation request during a call made through the gateway goes to the
// client that made the call, when it declared the capability — guarded and traced like the harness's own answer.

/** What a client that declared sampling and elicitation was asked, and how it answers. */
interface AskingClient {
  client: Client;
  sampled: CreateMessageRequest['params'][];
  elicited: ElicitRequest['params'][];
}

/** Declares sampling and form elicitation (the 2025-06-18 shape, no URL mode), and roots when `roots`. */
function askingClient(name: string, reply: string | (() => CreateMessageResult), roots = false): AskingClient {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {}, ...(roots ? { roots: {} } : {}) } });
  const asked: AskingClient = { client, sampled: [], elicited: [] };
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    asked.sampled.push(request.params);
    if (typeof reply === 'function') return reply();
    return { role: 'assistant', content: { type: 'text', text: reply }, model: `${name}-model`, stopReason: 'endTurn' };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.elicited.push(request.params);
    return { action: 'accept', content: { name: `${name} user`, check: true } };
  });
  if (roots) client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///${name}-root`, name: `${name}'s folder` }] }));
  return asked;
}

function httpTransport(gw: HttpGatewayProcess): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.token}` } } });
}

function sample(client: Client, prompt: string) {
  return client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt, maxTokens: 50 } });
}

function elicit(client: Client) {
  return client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
}

/** The trace files once every one of them has its end line (the clients have gone). */
async function endedTraces(ws: string, count: number): Promise<Record<string, unknown>[][]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const files = traceFiles(ws);
    const ended = files.filter((f) => readFileSync(f, 'utf8').includes('"type":"end"'));
    if (ended.length >= count || Date.now() > deadline) return ended.map((f) => jsonLines(f));
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stepOf(lines: Record<string, unknown>[], kind: string): Record<string, unknown> | undefined {
  return lines.find((l) => l.type === 'step' && l.kind === kind);
}

function stageReasons(step: Record<string, unknown>, stage: string): string {
  return ((step.stages as { stage: string; reasons: string[] }[]) ?? []).filter((s) => s.stage === stage).flatMap((s) => s.reasons).join(' | ');
}

describe('gateway: server requests forwarded to the client (stdio, sampling policy allow)', function () {
  this.timeout(120_000);
  let ws: string;
  let asking: AskingClient;
  let stderr = '';

  before(async () => {
    buildCli();
    ws = makeWorkspace({ 'mcpHarness.sampling.policy': 'allow', 'mcpHarness.policy.confirmDestructive': false });
    addServers(ws, { asks: ASKS });
    asking = askingClient('desk', `The sky is blue. ${FAKE_SECRET}`, true);
    await asking.client.connect(stdioGatewayTransport(ws, (t) => (stderr += t)));
  });
  after(async () => {
    await asking.client.close().catch(() => undefined);
    rmSync(ws, { recursive: true, force: true });
  });

  it('sends sampling/createMessage to the client with the planted secret masked, and masks the secret in its reply', async () => {
    const result = await sample(asking.client, `Why is the sky blue? ${FAKE_SECRET}`);
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(asking.sampled.length, 1, stderr);
    const sent = JSON.stringify(asking.sampled[0]);
    assert.ok(!sent.includes(FAKE_SECRET), `the client saw the secret: ${sent}`);
    assert.match(sent, /Why is the sky blue\? \[REDACTED:github_token\]/);
    assert.equal(asking.sampled[0].maxTokens, 50);
    const text = textOf(result);
    assert.match(text, /The sky is blue\./, 'the client\'s reply reached the server\'s tool result');
    assert.match(text, /desk-model/, 'the server was told the client\'s model');
    assert.ok(!text.includes(FAKE_SECRET), `the secret in the client's reply reached the server: ${text}`);
  });

  it('sends elicitation/create to the client; its accepted answer reaches the server', async () => {
    const result = await elicit(asking.client);
    assert.equal(asking.elicited.length, 1);
    assert.match(asking.elicited[0].message, /Please provide inputs/);
    assert.match(textOf(result), /- Name: desk user/);
    assert.match(textOf(result), /- Agreed to terms: true/);
  });

  it('asks the client for its roots during a call, when it declared roots', async () => {
    const result = await asking.client.callTool({ name: 'asks__ask', arguments: { what: 'roots' } });
    assert.match(textOf(result), /file:\/\/\/desk-root/, textOf(result));
    assert.doesNotMatch(textOf(result), new RegExp(ws.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the workspace folder was answered instead');
  });

  it('a URL-mode elicitation the client did not declare is answered here (cancelled), and the client is not asked', async () => {
    const before = asking.elicited.length;
    const result = await asking.client.callTool({ name: 'asks__ask', arguments: { what: 'url' } });
    assert.match(textOf(result), /"action":\s*"cancel"/, textOf(result));
    assert.equal(asking.elicited.length, before);
  });

  it('records both as children of the call that caused them, forwarded to the client, with no secret in the trace', async () => {
    await asking.client.close();
    const [lines] = await endedTraces(ws, 1);
    assert.ok(lines, `no ended trace:\n${stderr}`);
    const sampling = stepOf(lines, 'sampling')!;
    const elicitation = stepOf(lines, 'elicitation')!;
    assert.ok(sampling && elicitation, JSON.stringify(lines.map((l) => l.kind)));
    assert.equal(sampling.parent_id, 'call-1');
    assert.equal(sampling.step_id, 'call-1.sampling-1');
    assert.equal(sampling.decision, 'ok');
    assert.match(stageReasons(sampling, 'execute'), /answered by the client 'desk \(stdio\)'/);
    assert.equal((sampling.sampling as { model?: string }).model, 'desk-model');
    assert.equal(elicitation.parent_id, 'call-2');
    assert.equal(elicitation.decision, 'ok');
    assert.match((elicitation.reasons as string[]).join(' '), /answered by the client 'desk \(stdio\)'/);
    assert.equal((elicitation.elicitation as { action: string }).action, 'accept');
    const text = JSON.stringify(lines);
    assert.ok(!text.includes(FAKE_SECRET), 'the planted secret reached the trace');
    assert.match(text, /\[REDACTED:github_token\]/);
  });
});

describe('gateway: server requests over HTTP go to the client whose call caused them', function () {
  this.timeout(120_000);
  let ws: string;
  let gw: HttpGatewayProcess;
  let asking: AskingClient;
  let plain: Client;

  before(async () => {
    buildCli();
    ws = makeWorkspace({ 'mcpHarness.sampling.policy': 'allow', 'mcpHarness.policy.confirmDestructive': false });
    addServers(ws, { ui: UI });
    gw = await startHttpGateway(ws);
    asking = askingClient('cursorish', 'Forwarded over HTTP.');
    await asking.client.connect(httpTransport(gw));
    plain = new Client({ name: 'plain', version: '1.0.0' });
    await plain.connect(httpTransport(gw));
  });
  after(async () => {
    await asking.client.close().catch(() => undefined);
    await plain.close().catch(() => undefined);
    if (gw) await stop(gw);
    rmSync(ws, { recursive: true, force: true });
  });

  it('a client that declared sampling and elicitation answers them on its call\'s stream', async () => {
    const sampled = await sample(asking.client, 'Say something.');
    assert.match(textOf(sampled), /Forwarded over HTTP\./, textOf(sampled));
    const elicited = await elicit(asking.client);
    assert.match(textOf(elicited), /- Name: cursorish user/);
    assert.equal(asking.sampled.length, 1);
    assert.equal(asking.elicited.length, 1);
  });

  it('a client whose sampling handler fails, or answers with an image, gives the server an error naming it', async () => {
    const failing = askingClient('failing', () => {
      throw new Error('the user closed the dialog');
    });
    const imager = askingClient('imager', () => ({ role: 'assistant', content: { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }, model: 'imager-model' }));
    await failing.client.connect(httpTransport(gw));
    await imager.client.connect(httpTransport(gw));
    try {
      const failed = await sample(failing.client, 'Say something.');
      assert.equal(failed.isError, true);
      assert.match(textOf(failed), /forwarded to the client 'failing \(http\)', which did not answer: .*the user closed the dialog/);
      const image = await sample(imager.client, 'Draw something.');
      assert.equal(image.isError, true);
      assert.match(textOf(image), /answered the sampling request from 'everything' with image content; the gateway passes on text and tool calls only/);
      assert.equal(failing.sampled.length + imager.sampled.length, 2);
    } finally {
      await failing.client.close();
      await imager.client.close();
    }
  });

  it('sampling with tools: a client that declared sampling.tools gets the tools, and its tool call reaches the server guarded', async () => {
    const offered: { tools: unknown; messages: string }[] = [];
    const tooler = new Client({ name: 'tooler', version: '1.0.0' }, { capabilities: { sampling: { tools: {} } } });
    tooler.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      offered.push({ tools: request.params.tools, messages: JSON.stringify(request.params.messages) });
      const answered = request.params.messages.some((m) => JSON.stringify(m.content).includes('tool_result'));
      return answered
        ? { role: 'assistant', content: [{ type: 'text', text: `It is sunny. ${FAKE_SECRET}` }], model: 'tooler-model', stopReason: 'endTurn' }
        : { role: 'assistant', content: [{ type: 'tool_use', id: 'call-1', name: 'get_weather', input: { city: 'Lisbon' } }], model: 'tooler-model', stopReason: 'toolUse' };
    });
    await tooler.connect(httpTransport(gw));
    try {
      const result = await tooler.callTool({ name: 'ui__ask-model-tools', arguments: { prompt: 'Weather in Lisbon?' } });
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(offered.length, 2);
      assert.match(JSON.stringify(offered[0].tools), /get_weather/);
      assert.match(textOf(result), /"name":\s*"get_weather"/);
      assert.match(textOf(result), /"stopReason":\s*"toolUse"/);
      assert.match(offered[1].messages, /sunny in Lisbon/, 'the server ran the tool call the client made and sent its result back');
      assert.match(textOf(result), /It is sunny\./);
      assert.ok(!textOf(result).includes(FAKE_SECRET), 'the output guardrails masked the reply');
    } finally {
      await tooler.close();
    }
    // A client that declared sampling without tools is not sent a request that offers tools: the configured answer.
    const plainSampler = await sample(asking.client, 'again').then(() => asking.sampled.length);
    const fallback = await asking.client.callTool({ name: 'ui__ask-model-tools', arguments: { prompt: 'Weather?' } });
    assert.equal(asking.sampled.length, plainSampler, 'the client without sampling.tools was not asked');
    assert.match(textOf(fallback), /No model is available to answer the sampling request from 'ui'/);
  });

  it('a client without the capabilities gets the configured answer: no model here for sampling, elicitation cancelled', async () => {
    const sampled = await sample(plain, 'Say something.');
    assert.equal(sampled.isError, true);
    assert.match(textOf(sampled), /No model is available to answer the sampling request from 'everything'/);
    const elicited = await elicit(plain);
    assert.match(textOf(elicited), /User cancelled the elicitation dialog/);
    assert.equal(asking.sampled.length, 2, 'the other client was not asked');
    assert.equal(asking.elicited.length, 1, 'the other client was not asked');
  });
});

describe('gateway: the sampling policy still applies to a client that declared sampling', function () {
  this.timeout(120_000);
  let ws: string;
  let asking: AskingClient;

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    asking = askingClient('strict', 'never sent');
    await asking.client.connect(stdioGatewayTransport(ws, () => undefined));
  });
  after(async () => {
    await asking.client.close().catch(() => undefined);
    rmSync(ws, { recursive: true, force: true });
  });

  it('a sampling.policy setting that is not deny/ask/allow is reported and sampling stays denied', async () => {
    const odd = makeWorkspace({ 'mcpHarness.sampling.policy': 'sometimes' });
    let stderr = '';
    const other = askingClient('odd', 'never sent');
    try {
      await other.client.connect(stdioGatewayTransport(odd, (t) => (stderr += t)));
      const result = await sample(other.client, 'Hello?');
      assert.match(textOf(result), /its sampling policy is "deny"/);
      assert.equal(other.sampled.length, 0);
      assert.match(stderr, /mcpHarness\.sampling\.policy must be "deny", "ask" or "allow" \(it is "sometimes"\); sampling stays denied\. Fix it in the workspace's \.vscode\/settings\.json/);
    } finally {
      await other.client.close().catch(() => undefined);
      rmSync(odd, { recursive: true, force: true });
    }
  });

  // The server asks for 50 tokens: a valid sampling.maxTokens of 20 caps it; an invalid one is reported and the default (1024) applies.
  for (const [maxTokens, cap] of [[20, 20], ['lots', 50], [0, 50], [2.5, 50]] as const) {
    it(`sampling.maxTokens ${JSON.stringify(maxTokens)}: ${cap === 50 ? 'reported on stderr, the default cap applies' : 'caps the request'}`, async () => {
      const odd = makeWorkspace({ 'mcpHarness.sampling.policy': 'allow', 'mcpHarness.sampling.maxTokens': maxTokens });
      let stderr = '';
      const other = askingClient('capped', 'Short.');
      try {
        await other.client.connect(stdioGatewayTransport(odd, (t) => (stderr += t)));
        const result = await sample(other.client, 'Hello?');
        assert.equal(other.sampled[0]?.maxTokens, cap, `${textOf(result)}\n${stderr}`);
        const warning = `mcp-harness gateway: mcpHarness.sampling.maxTokens must be a whole number of at least 1 (it is ${JSON.stringify(maxTokens)}); sampling replies are capped at the default, 1024 tokens.`;
        if (cap === 50) assert.ok(stderr.includes(warning), stderr);
        else assert.ok(!stderr.includes('sampling.maxTokens'), stderr);
      } finally {
        await other.client.close().catch(() => undefined);
        rmSync(odd, { recursive: true, force: true });
      }
    });
  }

  it('policy deny (the CLI default): the client is never asked, the server gets the denial, the trace says why', async () => {
    const result = await sample(asking.client, 'Hello?');
    assert.equal(result.isError, true);
    assert.match(textOf(result), /its sampling policy is "deny"/);
    assert.equal(asking.sampled.length, 0);
    await asking.client.close();
    const [lines] = await endedTraces(ws, 1);
    const sampling = stepOf(lines, 'sampling')!;
    assert.equal(sampling.decision, 'denied_policy');
    assert.equal(sampling.parent_id, 'call-1');
  });
});
