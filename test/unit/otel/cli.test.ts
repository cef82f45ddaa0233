// The built CLI: --otlp on call and exec sends spans to a local receiver, a bad --otlp is a usage error,
// and `trace export --format otlp-json` writes the same spans (names, ids, parentage) from the trace file.
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EVERYTHING, FIXTURES, ROOT } from '../guards/helpers';
import { decodeRequest, startReceiver, type ReceivedSpan, type Receiver } from './receiver';

const CLI = join(ROOT, 'dist/cli.js');
const SECRET = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MCP_HARNESS_VERBOSE: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const shape = (spans: ReceivedSpan[]) => spans.map((s) => [s.name, s.spanId, s.parentSpanId ?? null, s.traceId]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));

describe('mcp-harness --otlp and trace export (built CLI)', function () {
  this.timeout(120_000);
  let ws: string;
  let receiver: Receiver;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-otel-cli-'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { everything: { command: process.execPath, args: [EVERYTHING] }, meta: { command: process.execPath, args: [join(FIXTURES, 'meta-echo.mjs')] } } }));
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['everything', 'meta'] }));
  });
  beforeEach(async () => {
    receiver = await startReceiver();
    rmSync(join(ws, '.mcp-harness'), { recursive: true, force: true });
  });
  afterEach(() => receiver.close());
  after(() => rmSync(ws, { recursive: true, force: true }));

  function onlyTrace(): string {
    const dir = join(ws, '.mcp-harness', 'traces');
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    assert.equal(files.length, 1);
    return join(dir, files[0]);
  }

  it('call --otlp: the run and its tool call arrive, the server got the traceparent, and trace export gives the same spans', async () => {
    const r = await cli(['call', 'meta/echo_meta', '--args', JSON.stringify({ text: `key ${SECRET}` }), '--otlp', receiver.url, '--json'], ws);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const spans = await receiver.waitFor(2);
    const call = spans.find((s) => s.name === 'tools/call echo_meta')!;
    const root = spans.find((s) => s.name === 'call call meta/echo_meta')!;
    assert.ok(call && root, spans.map((s) => s.name).join(', '));
    assert.equal(call.parentSpanId, root.spanId);
    assert.equal(call.attributes['network.transport'], 'pipe');
    assert.equal(call.attributes['gen_ai.tool.call.arguments'], undefined, 'no content without --otlp-content');
    const printed = JSON.parse(r.stdout) as { output: { content: { text: string }[] } };
    assert.match(printed.output.content[0].text, new RegExp(`00-${call.traceId}-${call.spanId}-01`));

    const out = join(ws, 'otlp.json');
    const x = await cli(['trace', 'export', '--format', 'otlp-json', onlyTrace(), '-o', out], ws);
    assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(shape(decodeRequest(JSON.parse(readFileSync(out, 'utf8')))), shape(spans));
  });

  it('exec --otlp --otlp-content: the code step and its call, with redacted content only', async () => {
    const code = `return (await tools.everything.echo({ message: 'key ${SECRET}' })).content[0].text;`;
    writeFileSync(join(ws, 'leak.js'), code);
    const r = await cli(['exec', 'leak.js', '--otlp', receiver.url, '--otlp-content', '--json'], ws);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const spans = await receiver.waitFor(3);
    const step = spans.find((s) => s.name.startsWith('execute_tool '))!;
    const call = spans.find((s) => s.name === 'tools/call echo')!;
    assert.equal(call.parentSpanId, step.spanId);
    assert.match(String(call.attributes['gen_ai.tool.call.arguments']), /key /);
    for (const s of spans) for (const [k, v] of Object.entries(s.attributes)) assert.ok(!String(v).includes(SECRET), `${s.name} ${k}: ${String(v)}`);
    assert.ok(!receiver.bodies.join("").includes(SECRET));
  });

  it('gateway --otlp: each client session is a gateway run with its tool calls under it, sent when the client leaves', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'gateway', '--stdio', '--workspace', ws, '--otlp', receiver.url], stderr: 'pipe', env: { ...process.env, MCP_HARNESS_VERBOSE: '' } as Record<string, string> });
    const client = new Client({ name: 'otel-test', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'via gateway' } });
    assert.equal(result.isError, undefined);
    await client.close();
    const spans = await receiver.waitFor(2);
    const root = spans.find((x) => x.attributes['mcp_harness.run.kind'] === 'gateway');
    assert.ok(root, spans.map((x) => x.name).join(', '));
    const call = spans.find((x) => x.name === 'tools/call echo')!;
    assert.equal(call.parentSpanId, root.spanId);
    assert.equal(call.attributes['gen_ai.tool.name'], 'echo');
  });

  it('refuses a bad --otlp with advice, before anything runs', async () => {
    const r = await cli(['call', 'everything/echo', '--args', '{"message":"x"}', '--otlp', 'localhost:4318'], ws);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not an http\(s\) URL.*Pass it as --otlp URL/);
  });

  it('an unreachable collector costs a warning, not the run', async () => {
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    const r = await cli(['call', 'everything/echo', '--args', '{"message":"x"}', '--otlp', url], ws);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/could not be sent to/g)?.length, 1, r.stderr);
  });

  it('trace export: bad format, bad action and a missing file are refused clearly', async () => {
    assert.match((await cli(['trace', 'export', '--format', 'zipkin', 'x.jsonl'], ws)).stderr, /--format zipkin is not supported; use --format otlp-json/);
    assert.equal((await cli(['trace', 'import', 'x.jsonl'], ws)).code, 2);
    const missing = await cli(['trace', 'export', join(ws, 'nope.jsonl')], ws);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /could not be read/);
    writeFileSync(join(ws, 'headless.jsonl'), '{"type":"step"}\n');
    assert.match((await cli(['trace', 'export', join(ws, 'headless.jsonl')], ws)).stderr, /no session header/);
  });

  it('trace export -o: "-" is stdout (no file named -), a missing folder is created; failed steps are error spans', async () => {
    const trace = join(ROOT, 'test/fixtures/traces/every-decision.jsonl');
    const toStdout = await cli(['trace', 'export', trace, '-o', '-'], ws);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(readdirSync(ws).includes('-'), false, 'no file named - was written');
    const spans = decodeRequest(JSON.parse(toStdout.stdout));
    const denied = spans.find((s) => s.attributes['mcp_harness.decision'] === 'denied_policy');
    assert.ok(denied, spans.map((s) => s.name).join(', '));
    assert.equal(denied.status?.code, 2);
    const nested = join(ws, 'exports', 'today', 'otlp.json');
    const toFile = await cli(['trace', 'export', trace, '-o', nested], ws);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.deepEqual(JSON.parse(readFileSync(nested, 'utf8')), JSON.parse(toStdout.stdout));
  });
});
