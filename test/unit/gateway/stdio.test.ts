import * as assert from 'node:assert/strict';
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildCli, FAKE_SECRET, jsonLines, makeWorkspace, stdioGatewayTransport, textOf, traceFiles } from './helpers';

// Claude Desktop's config runs exactly this: `node dist/cli.js gateway --stdio --workspace <folder>`.
describe('gateway over stdio (Claude-Desktop-style config, real SDK client)', function () {
  this.timeout(120_000);
  let ws: string;
  let client: Client;
  let stderr = '';

  before(async () => {
    buildCli();
    ws = makeWorkspace();
    const transport = stdioGatewayTransport(ws, (t) => (stderr += t));
    client = new Client({ name: 'claude-desktop-test', version: '1.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close();
    rmSync(ws, { recursive: true, force: true });
  });

  it('lists both servers\' tools namespaced, with annotations and output schemas passed through', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('everything__echo'), names.join(', '));
    assert.ok(names.includes('memory__read_graph'), names.join(', '));
    for (const n of names) assert.match(n, /^[a-zA-Z0-9_-]{1,64}$/);
    const echo = tools.find((t) => t.name === 'everything__echo')!;
    assert.equal(echo.annotations?.readOnlyHint, true);
    assert.deepEqual(Object.keys(echo.inputSchema.properties ?? {}), ['message']);
    assert.ok(tools.find((t) => t.name === 'everything__get-structured-content')!.outputSchema, 'outputSchema is passed through');
    assert.match(client.getInstructions() ?? '', /MCP Harness guards these servers: everything, memory/);
  });

  it('passes every annotation, the output schema and a call\'s structuredContent through unchanged', async () => {
    const { tools } = await client.listTools();
    const weather = tools.find((t) => t.name === 'everything__get-structured-content')!;
    assert.deepEqual(weather.annotations, { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    assert.deepEqual(Object.keys(weather.outputSchema?.properties ?? {}).sort(), ['conditions', 'humidity', 'temperature']);
    const result = await client.callTool({ name: 'everything__get-structured-content', arguments: { location: 'Chicago' } });
    assert.equal(result.isError, undefined, textOf(result));
    assert.deepEqual(result.structuredContent, { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });
    assert.deepEqual(JSON.parse(textOf(result)), result.structuredContent);
  });

  it('calls echo through the guards', async () => {
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'hello gateway' } });
    assert.equal(result.isError, undefined);
    assert.equal(textOf(result), 'Echo: hello gateway');
  });

  it('returns a denied call as an error result carrying the guard\'s reason', async () => {
    const result = await client.callTool({ name: 'everything__get-env', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /^MCP Harness denied this call \(denied_policy\): .*everything\/get-env/);
    assert.equal((result._meta as Record<string, unknown>)['mcp-harness/decision'], 'denied_policy');
  });

  it('masks a secret in the tool output', async () => {
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: `key ${FAKE_SECRET}` } });
    assert.ok(!textOf(result).includes(FAKE_SECRET), textOf(result));
    assert.match(textOf(result), /^Echo: key /);
  });

  it('refuses bad arguments by schema, and an unknown tool as a protocol error', async () => {
    const bad = await client.callTool({ name: 'everything__echo', arguments: { message: 42 } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /denied_schema/);
    await assert.rejects(client.callTool({ name: 'nope__nothing', arguments: {} }), /Unknown tool 'nope__nothing'/);
  });

  it('passes resources and prompts through under namespaced URIs and names', async () => {
    const { resources } = await client.listResources();
    const doc = resources.find((r) => r.uri.startsWith('mcp-harness://everything/'))!;
    assert.ok(doc, JSON.stringify(resources.slice(0, 3)));
    const read = await client.readResource({ uri: doc.uri });
    assert.equal(read.contents[0].uri, doc.uri);
    assert.ok(read.contents.length > 0);
    const { prompts } = await client.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'everything__simple-prompt'), prompts.map((p) => p.name).join(', '));
    const prompt = await client.getPrompt({ name: 'everything__simple-prompt' });
    assert.ok(prompt.messages.length > 0);
  });

  it('writes a trace with every call, and an audit line per call and denial, once the client goes', async () => {
    await client.close();
    const deadline = Date.now() + 10_000;
    let files = traceFiles(ws);
    while ((!files.length || !readFileSync(files[0], 'utf8').includes('"type":"end"')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      files = traceFiles(ws);
    }
    assert.equal(files.length, 1, `one trace per client session: ${files.join(', ')}\n${stderr}`);
    const lines = jsonLines(files[0]);
    const header = lines[0];
    assert.equal(header.type, 'session');
    assert.equal(header.run_kind, 'gateway');
    assert.equal(header.name, 'gateway claude-desktop-test (stdio) s1', 'the run is named after the client');
    // Tool calls, reads and prompts (server log messages are steps too since the client features landed).
    const steps = lines.filter((l) => l.type === 'step' && ['tool', 'resource', 'prompt'].includes(String(l.kind)));
    assert.deepEqual(
      steps.map((s) => `${s.server}/${s.tool} ${s.decision}`),
      [
        'everything/get-structured-content ok',
        'everything/echo ok',
        'everything/get-env denied_policy',
        'everything/echo ok',
        'everything/echo denied_schema',
        'everything/demo://resource/static/document/architecture.md ok',
        'everything/simple-prompt ok',
      ],
    );
    assert.ok(!readFileSync(files[0], 'utf8').includes(FAKE_SECRET), 'no secret in the trace');
    assert.equal(lines.at(-1)!.type, 'end');
    const audit = jsonLines(join(ws, '.mcp-harness/audit/gateway.jsonl'));
    assert.deepEqual(audit.map((a) => `${a.kind}:${a.action}`), ['admin:start', 'call:ok', 'call:ok', 'denial:denied_policy', 'call:ok', 'denial:denied_schema', 'resource:read', 'prompt:get', 'admin:shutdown', 'admin:stop']);
    assert.ok(!JSON.stringify(audit).includes(FAKE_SECRET), 'no secret in the audit log');
    assert.equal(audit[1].client, 'claude-desktop-test (stdio)');
  });
});
