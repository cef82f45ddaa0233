// Live OpenTelemetry export of runs to a local OTLP/HTTP receiver: real servers (server-everything, the
// meta-echo fixture), the official exporter, spans decoded from what arrives on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { OtelEndpointError, OtelExporter, serverFactsOf, spanIdOf, traceIdOf, tracesUrl } from '../../../src/core/otel/index';
import { RunService, type RunEnvironment } from '../../../src/core/run/index';
import { SandboxPool } from '../../../src/core/sandbox/sandbox';
import { registerCodeStepKind } from '../../../src/core/sandbox/session-step';
import type { ServerManager } from '../../../src/core/servers/manager';
import { parseSession } from '../../../src/core/session/parse';
import { EVERYTHING, FIXTURES, makeManager, stdioDefinition } from '../guards/helpers';
import { cleanup, makeDefinition, startHttpFixture } from '../servers/helpers';
import { startReceiver, type ReceivedSpan, type Receiver } from './receiver';

const SECRET = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

describe('otel: live export of runs over OTLP/HTTP', function () {
  this.timeout(60_000);
  const pool = new SandboxPool({ size: 1 });
  let dir: string;
  let manager: ServerManager;
  let receiver: Receiver;
  let warnings: string[];
  let errors: unknown[];

  const logger = () => ({ trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error: (e: Error) => errors.push(e) });

  function exporter(extra: { includeContent?: boolean; endpoint?: string; flushDeadlineMs?: number } = {}): OtelExporter {
    return new OtelExporter({ endpoint: extra.endpoint ?? receiver.url, logger: logger(), serverFacts: serverFactsOf(manager), ...extra });
  }

  function service(otel: OtelExporter | undefined): RunService {
    const env: RunEnvironment = {
      connections: manager,
      knownServers: ['everything', 'meta'],
      policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'meta'] },
      traceDir: join(dir, 'traces'),
      workspace: dir,
      logger: logger(),
      ...(otel ? { callMeta: otel.callMeta } : {}),
    };
    const s = new RunService(env);
    otel?.attach(s);
    return s;
  }

  function session(text: object) {
    const parsed = parseSession(JSON.stringify(text), join(dir, 's.mcp-session.json'));
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
    return parsed.session!;
  }

  const byName = (spans: ReceivedSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one span named '${name}' among ${spans.map((s) => s.name).join(', ')}`);
    return found[0];
  };

  before(() => {
    registerCodeStepKind({ sandbox: pool });
    manager = makeManager([stdioDefinition('everything', EVERYTHING), stdioDefinition('meta', join(FIXTURES, 'meta-echo.mjs'))]);
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-otel-'));
    receiver = await startReceiver();
    warnings = [];
    errors = [];
  });
  afterEach(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    await manager.dispose();
    await pool.dispose();
  });

  it('sends a span per session, step and sandbox child call, parented and named per the MCP and GenAI conventions', async () => {
    const otel = exporter();
    const result = await service(otel).runSession(
      session({
        name: 'otel smoke',
        steps: [
          { id: 'hello', tool: 'everything/echo', args: { message: 'hi there' } },
          { id: 'broken', tool: 'meta/fail', args: {}, expect: { isError: true } },
          { id: 'code', code: "const a = await tools.everything.echo({ message: 'from code' }); return a.content[0].text;" },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.error])));
    assert.equal(await otel.shutdown(), 'flushed');
    const spans = await receiver.waitFor(5);
    assert.equal(spans.length, 5, spans.map((s) => s.name).join(', '));
    assert.ok(receiver.contentTypes.every((t) => t.startsWith('application/json')), 'OTLP/HTTP JSON');

    const root = byName(spans, 'session otel smoke');
    assert.equal(root.traceId, traceIdOf(result.session_id));
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.attributes['mcp_harness.status'], 'passed');
    assert.equal(root.attributes['mcp_harness.run.kind'], 'session');
    assert.equal(root.resource['service.name'], 'mcp-harness');
    for (const s of spans) assert.equal(s.traceId, root.traceId, `${s.name} is in the run's trace`);

    const echoes = spans.filter((s) => s.name === 'tools/call echo');
    assert.equal(echoes.length, 2, 'the direct echo step and the echo of the code step');
    const echo = echoes.find((s) => s.attributes['mcp_harness.step.id'] === 'hello')!;
    assert.equal(echo.spanId, spanIdOf({ sessionId: result.session_id, stepId: 'hello' }));
    assert.equal(echo.parentSpanId, root.spanId);
    assert.equal(echo.kind, 3, 'SPAN_KIND_CLIENT');
    assert.deepEqual(
      [echo.attributes['mcp.method.name'], echo.attributes['gen_ai.tool.name'], echo.attributes['gen_ai.operation.name'], echo.attributes['network.transport'], echo.attributes['mcp_harness.server']],
      ['tools/call', 'echo', 'execute_tool', 'pipe', 'everything'],
    );
    assert.equal(echo.attributes['error.type'], undefined);

    const failed = byName(spans, 'tools/call fail');
    assert.equal(failed.attributes['error.type'], 'tool_error');
    assert.equal(failed.status?.code, 2, 'STATUS_CODE_ERROR');

    const code = byName(spans, 'execute_tool code');
    assert.equal(code.parentSpanId, root.spanId);
    assert.equal(code.attributes['gen_ai.operation.name'], 'execute_tool');
    const nested = echoes.find((s) => s !== echo)!;
    assert.equal(nested.parentSpanId, code.spanId, 'the tool call of the code step hangs under it');
  });

  it('puts a sandbox child call under its code step span', async () => {
    const otel = exporter();
    const result = await service(otel).runCode("const a = await tools.everything.echo({ message: 'nested' }); return a.content[0].text;");
    assert.equal(result.record?.decision, 'ok', result.record?.error);
    await otel.shutdown();
    const spans = await receiver.waitFor(3);
    const root = byName(spans, 'code sandbox code');
    const code = byName(spans, 'execute_tool code');
    const call = byName(spans, 'tools/call echo');
    assert.equal(code.parentSpanId, root.spanId);
    assert.equal(call.parentSpanId, code.spanId);
    assert.equal(call.spanId, spanIdOf({ sessionId: result.session.session_id, stepId: result.children[0].step_id, parentId: 'code' }));
  });

  it('names the connection: a stdio server is a pipe, a Streamable HTTP one tcp with its address; both with the negotiated protocol version', async () => {
    const { port } = await startHttpFixture([]);
    const http = makeManager([makeDefinition({ id: 'web', transport: 'http', url: `http://127.0.0.1:${port}/mcp` })]);
    try {
      const otel = new OtelExporter({ endpoint: receiver.url, logger: logger(), serverFacts: (id) => serverFactsOf(id === 'web' ? http : manager)(id) });
      const s = new RunService({ connections: { ensureStarted: (id) => (id === 'web' ? http : manager).ensureStarted(id) }, knownServers: ['web', 'everything'], policy: { ...DEFAULT_POLICY, trustedServers: ['web', 'everything'] }, confirm: async () => true });
      otel.attach(s);
      assert.equal((await s.callTool('web', 'echo', { text: 'over http' })).record.decision, 'ok');
      assert.equal((await s.callTool('everything', 'echo', { message: 'over stdio' })).record.decision, 'ok');
      await otel.shutdown();
      const spans = await receiver.waitFor(4);
      const web = spans.find((x) => x.name === 'tools/call echo' && x.attributes['mcp_harness.server'] === 'web')!;
      const local = spans.find((x) => x.name === 'tools/call echo' && x.attributes['mcp_harness.server'] === 'everything')!;
      assert.deepEqual([web.attributes['network.transport'], web.attributes['network.protocol.name'], web.attributes['server.address'], web.attributes['server.port']], ['tcp', 'http', '127.0.0.1', port]);
      assert.deepEqual([local.attributes['network.transport'], local.attributes['server.address']], ['pipe', undefined]);
      for (const span of [web, local]) assert.match(String(span.attributes['mcp.protocol.version']), /^\d{4}-\d{2}-\d{2}$/, span.attributes['mcp_harness.server'] as string);
    } finally {
      await http.dispose();
      await cleanup();
    }
  });

  it('sends no arguments or results unless opted in', async () => {
    const otel = exporter();
    await service(otel).callTool('everything', 'echo', { message: `token ${SECRET}` });
    await otel.shutdown();
    const spans = await receiver.waitFor(2);
    const call = byName(spans, 'tools/call echo');
    assert.equal(call.attributes['gen_ai.tool.call.arguments'], undefined);
    assert.equal(call.attributes['gen_ai.tool.call.result'], undefined);
    assert.ok(!receiver.bodies.join('').includes('token '), 'no content at all went over the wire');
  });

  it('sends the redacted copies when content is opted in: a planted secret never leaves', async () => {
    const otel = exporter({ includeContent: true });
    const r = await service(otel).callTool('everything', 'echo', { message: `token ${SECRET}` });
    assert.equal(r.record.decision, 'ok');
    await otel.shutdown();
    const spans = await receiver.waitFor(2);
    const call = byName(spans, 'tools/call echo');
    const args = String(call.attributes['gen_ai.tool.call.arguments']);
    const output = String(call.attributes['gen_ai.tool.call.result']);
    assert.match(args, /token /);
    assert.match(output, /Echo: token /);
    assert.ok(!args.includes(SECRET) && !output.includes(SECRET), `${args} / ${output}`);
    assert.ok(!receiver.bodies.join('').includes(SECRET), 'the raw secret is nowhere in what was sent');
    assert.ok((call.attributes['mcp_harness.finding.kinds'] as string[]).some((k) => k.startsWith('secret.')));
  });

  it("propagates the step span's traceparent to the server in _meta", async () => {
    const otel = exporter();
    const r = await service(otel).callTool('meta', 'echo_meta', { text: 'x' });
    assert.equal(r.record.decision, 'ok', r.record.error);
    const echoed = JSON.parse((r.result!.content[0] as { text: string }).text) as { meta: Record<string, unknown> | null };
    await otel.shutdown();
    const spans = await receiver.waitFor(2);
    const call = byName(spans, 'tools/call echo_meta');
    assert.equal(echoed.meta?.traceparent, `00-${call.traceId}-${call.spanId}-01`);
  });

  it('sends no traceparent when no exporter is installed', async () => {
    const r = await service(undefined).callTool('meta', 'echo_meta', { text: 'x' });
    const echoed = JSON.parse((r.result!.content[0] as { text: string }).text) as { meta: Record<string, unknown> | null };
    assert.equal(echoed.meta?.traceparent, undefined);
  });

  it('an endpoint that never answers does not fail the run, and shutdown gives up at the flush deadline', async () => {
    const hung = await startReceiver({ hold: true });
    try {
      const otel = exporter({ endpoint: hung.url, flushDeadlineMs: 300 });
      const s = service(otel);
      const first = await s.callTool('everything', 'echo', { message: 'one' });
      const second = await s.callTool('everything', 'echo', { message: 'two' });
      assert.deepEqual([first.record.decision, second.record.decision], ['ok', 'ok']);
      assert.equal(await otel.shutdown(), 'deadline');
      assert.equal(errors.length, 0, String(errors[0]));
    } finally {
      await hung.close();
    }
  });

  it('a refused endpoint is reported once with the URL, and runs go on', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const otel = exporter({ endpoint: url, flushDeadlineMs: 2000 });
    const s = service(otel);
    assert.equal((await s.callTool('everything', 'echo', { message: 'one' })).record.decision, 'ok');
    await otel.flush();
    assert.equal((await s.callTool('everything', 'echo', { message: 'two' })).record.decision, 'ok');
    await otel.shutdown();
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], new RegExp(`could not be sent to ${url.replace(/[.]/g, '\\.')}/v1/traces`));
  });

  it('checks the endpoint: a base URL gets /v1/traces, a path is kept, anything else is refused with advice', () => {
    assert.equal(tracesUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/traces');
    assert.equal(tracesUrl('https://collector.example/otlp/v1/traces'), 'https://collector.example/otlp/v1/traces');
    assert.throws(() => tracesUrl('localhost:4318'), (e: Error) => e instanceof OtelEndpointError && /not an http\(s\) URL/.test(e.message));
    assert.throws(() => tracesUrl('not a url'), (e: Error) => e instanceof OtelEndpointError && /not a URL/.test(e.message));
    assert.throws(() => new OtelExporter({ endpoint: 'ftp://x', logger: logger() }), OtelEndpointError);
  });

  it('writes traces as before (the exporter only listens)', async () => {
    const otel = exporter();
    await service(otel).callTool('everything', 'echo', { message: 'traced' });
    await otel.shutdown();
    assert.equal(readdirSync(join(dir, 'traces')).filter((f) => f.endsWith('.jsonl')).length, 1);
  });
});
