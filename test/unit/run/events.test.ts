// Run events on real servers: onStart before any step, onStep for every step (a code step's tool calls
// included), onEnd exactly once with the run's summary — also when the run is cancelled or its server
// cannot start — and the same for open runs.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService, type RunEnvironment, type SessionResult } from '../../../src/core/run/index';
import { SandboxPool } from '../../../src/core/sandbox/sandbox';
import { registerCodeStepKind } from '../../../src/core/sandbox/session-step';
import type { ServerManager } from '../../../src/core/servers/manager';
import { parseSession } from '../../../src/core/session/parse';
import { readTrace } from '../../../src/core/trace/reader';
import type { SessionHeader, StepRecord } from '../../../src/protocol/trace';
import { EVERYTHING, FIXTURES, makeManager, stdioDefinition } from '../guards/helpers';

type Event = { type: 'start'; header: SessionHeader } | { type: 'step'; record: StepRecord } | { type: 'end'; result: SessionResult };

describe('run service: run events', function () {
  this.timeout(60_000);
  const pool = new SandboxPool({ size: 1 });
  let dir: string;
  let manager: ServerManager;
  let service: RunService;
  let events: Event[];
  let subscriptions: { dispose(): void }[];
  const errors: unknown[] = [];

  function session(text: object) {
    const parsed = parseSession(JSON.stringify(text), join(dir, 's.mcp-session.json'));
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
    return parsed.session!;
  }

  function env(): RunEnvironment {
    return {
      connections: manager,
      knownServers: ['everything', 'dead', 'slow'],
      policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'slow'] },
      traceDir: join(dir, 'traces'),
      workspace: dir,
      // slow/slow carries no annotations, so it counts as destructive: confirmed here.
      confirm: async () => true,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (e) => errors.push(e) },
    };
  }

  /** Events must come as start, steps, end; returns the end's result. */
  function assertOrdered(list: Event[]): SessionResult {
    assert.equal(list[0]?.type, 'start', JSON.stringify(list.map((e) => e.type)));
    assert.equal(list.filter((e) => e.type === 'start').length, 1);
    assert.equal(list.filter((e) => e.type === 'end').length, 1);
    assert.equal(list[list.length - 1].type, 'end');
    const sessionId = (list[0] as Extract<Event, { type: 'start' }>).header.session_id;
    for (const e of list) if (e.type === 'step') assert.equal(e.record.session_id, sessionId);
    return (list[list.length - 1] as Extract<Event, { type: 'end' }>).result;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-run-events-'));
    registerCodeStepKind({ sandbox: pool });
    manager = makeManager([
      stdioDefinition('everything', EVERYTHING),
      stdioDefinition('dead', join(FIXTURES, 'crash.mjs'), ['--at-startup']),
      stdioDefinition('slow', join(FIXTURES, 'slow.mjs')),
    ]);
  });
  beforeEach(() => {
    service = new RunService(env());
    events = [];
    subscriptions = [
      service.onStart((header) => events.push({ type: 'start', header })),
      service.onStep((record) => events.push({ type: 'step', record })),
      service.onEnd((result) => events.push({ type: 'end', result })),
    ];
  });
  afterEach(() => subscriptions.forEach((s) => s.dispose()));
  after(async () => {
    await manager.dispose();
    await pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a session: onStart with the header, onStep per step (code children included, before their step), onEnd once with the summary', async () => {
    const result = await service.runSession(
      session({
        name: 'events',
        steps: [
          { id: 'one', tool: 'everything/echo', args: { message: 'a' } },
          { id: 'code', code: 'await tools.everything.echo({ message: "b" }); await tools.everything.echo({ message: "c" }); return 1;' },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => s.reasons)));
    const ended = assertOrdered(events);
    assert.equal(ended, result);
    const start = events[0] as Extract<Event, { type: 'start' }>;
    assert.equal(start.header.name, 'events');
    assert.equal(start.header.harness_version, require('../../../package.json').version);
    assert.equal(start.header.session_id, result.session_id);
    const steps = events.filter((e): e is Extract<Event, { type: 'step' }> => e.type === 'step').map((e) => e.record);
    assert.deepEqual(steps.map((r) => [r.step_id, r.parent_id]), [['one', undefined], ['code.1', 'code'], ['code.2', 'code'], ['code', undefined]]);
    assert.deepEqual(ended.totals.steps, 2);
    assert.equal(ended.trace_file, result.trace_file);
    assert.equal(readTrace(result.trace_file!).end?.status, 'passed');
  });

  it('a code step that fails before it runs is recorded under its file (or "code"), as a code step that ran is', async () => {
    const result = await service.runSession(session({ name: 'broken code', steps: [{ id: 'f', codeFile: 'missing.mcp.js' }] }));
    const [record] = result.steps;
    assert.equal(record.decision, 'error', JSON.stringify(record));
    assert.equal(record.kind, 'code');
    assert.equal(record.tool, 'missing.mcp.js');
  });

  it('a session whose server cannot start: onStart, the failed step, onEnd with status error', async () => {
    const result = await service.runSession(session({ name: 'dead', steps: [{ id: 'x', tool: 'dead/echo', args: { text: 'x' } }] }));
    assert.equal(result.status, 'error');
    const ended = assertOrdered(events);
    assert.equal(ended.status, 'error');
    assert.match(ended.error ?? '', /could not be started or reached/);
    assert.deepEqual(ended.preflight.map((p) => p.code), ['unreachable']);
    assert.equal(events.filter((e) => e.type === 'step').length, 1);
  });

  it('a cancelled session: onEnd once with status cancelled; the steps after the cancel never start', async () => {
    const controller = new AbortController();
    service.onStep((r) => r.step_id === 'first' && controller.abort(new Error('stop')));
    const result = await service.runSession(
      session({ name: 'cancel', steps: [{ id: 'first', tool: 'everything/echo', args: { message: 'a' } }, { id: 'second', tool: 'slow/slow', args: { ms: 5000 } }] }),
      { signal: controller.signal },
    );
    assert.equal(result.status, 'cancelled');
    const ended = assertOrdered(events);
    assert.equal(ended.status, 'cancelled');
    assert.deepEqual(ended.steps.map((s) => s.step_id), ['first']);
  });

  it('a cancel during a call ends the call as cancelled and still ends the run once', async () => {
    const controller = new AbortController();
    service.onStart(() => setImmediate(() => controller.abort(new Error('stop'))));
    const call = await service.callTool('slow', 'slow', { ms: 20_000 }, { signal: controller.signal });
    assert.equal(call.record.decision, 'cancelled');
    assert.equal(assertOrdered(events).status, 'cancelled');
  });

  it('a run whose trace cannot be written fails before onStart, with no events and a clear message', async () => {
    const blocked = join(dir, 'not-a-folder');
    writeFileSync(blocked, 'a file where the trace folder should be');
    const broken = new RunService({ ...env(), traceDir: join(blocked, 'traces') });
    broken.onStart((header) => events.push({ type: 'start', header }));
    broken.onEnd((result) => events.push({ type: 'end', result }));
    await assert.rejects(broken.callTool('everything', 'echo', { message: 'x' }), /The trace could not be written in .*not-a-folder.*: .*choose another trace directory/);
    assert.deepEqual(events, []);
  });

  it('a listener that throws is logged and does not stop the run or the other listeners', async () => {
    errors.length = 0;
    const boom = service.onStep(() => {
      throw new Error('listener failed');
    });
    try {
      const call = await service.callTool('everything', 'echo', { message: 'hi' });
      assert.equal(call.record.decision, 'ok');
      assert.equal(call.result?.content[0].type === 'text' && call.result.content[0].text, 'Echo: hi');
      assertOrdered(events);
      assert.deepEqual(errors.map((e) => (e as Error).message), ['listener failed']);
    } finally {
      boom.dispose();
    }
  });

  it('a disposed listener hears nothing more', async () => {
    subscriptions.forEach((s) => s.dispose());
    await service.callTool('everything', 'echo', { message: 'hi' }, { noTrace: true });
    assert.deepEqual(events, []);
  });

  it('runCode returns the sandbox result and its children, and announces them', async () => {
    const run = await service.runCode('console.log("hi"); return (await tools.everything.echo({ message: "z" })).text;', { name: 'code run' });
    assert.equal(run.exec?.ok, true);
    assert.equal(run.exec?.value, 'Echo: z');
    assert.deepEqual(run.exec?.logs, [{ level: 'log', text: 'hi' }]);
    assert.equal(run.record?.kind, 'code');
    assert.deepEqual(run.children.map((c) => c.parent_id), ['code']);
    const ended = assertOrdered(events);
    assert.equal(ended.name, 'code run');
    assert.equal(readTrace(run.session.trace_file!).header?.run_kind, 'code');
  });

  it('an open run: onStart at open, onStep per call, onEnd once at end; calls after end are refused', async () => {
    const open = await service.open({ name: 'gateway', servers: ['everything'] });
    assert.equal(events[0]?.type, 'start');
    const tools = await open.listTools();
    assert.ok(tools.some((t) => t.server === 'everything' && t.tool.name === 'echo'));
    const [a, b] = await Promise.all([
      open.callTool({ server: 'everything', tool: 'echo', args: { message: 'a' } }),
      open.callTool({ server: 'everything', tool: 'echo', args: {} }),
    ]);
    assert.equal(a.record.decision, 'ok');
    assert.equal(b.record.decision, 'denied_schema');
    const outside = await open.callTool({ server: 'dead', tool: 'echo', args: { text: 'x' } });
    assert.equal(outside.record.decision, 'error');
    assert.match(outside.record.error!, /not available to this session/);
    const result = await open.end();
    assert.equal(await open.end(), result, 'end is idempotent');
    assert.equal(result.status, 'failed');
    // Records are kept in the order the calls finished; step ids follow the order they were made.
    assert.deepEqual(result.steps.map((s) => s.step_id).sort(), ['call-1', 'call-2', 'call-3']);
    assert.equal(result.steps.find((s) => s.step_id === 'call-2')?.decision, 'denied_schema');
    const ended = assertOrdered(events);
    assert.equal(ended, result);
    await assert.rejects(open.callTool({ server: 'everything', tool: 'echo', args: { message: 'late' } }), /has ended; open a new run/);
    const trace = readTrace(result.trace_file!);
    assert.equal(trace.header?.run_kind, 'gateway');
    assert.equal(trace.steps.length, 3);
    assert.equal(trace.end?.status, 'failed');
  });

  it('an open run with keepSteps: false keeps totals only: the same end line, no step records held', async () => {
    const lean = await service.open({ name: 'gateway', servers: ['everything'], keepSteps: false });
    await Promise.all([
      lean.callTool({ server: 'everything', tool: 'echo', args: { message: 'a' } }),
      lean.callTool({ server: 'everything', tool: 'echo', args: { message: 'b' } }),
      lean.callTool({ server: 'everything', tool: 'echo', args: {} }),
    ]);
    const result = await lean.end();
    assert.deepEqual(result.steps, []);
    assert.equal(result.totals.steps, 3);
    assert.deepEqual(result.decisions, { ok: 2, denied_schema: 1 });
    assert.deepEqual(result.tools_used, ['everything/echo']);
    assert.ok(result.totals.tokens_in > 0, 'token counts are filled in before they are added up');
    assert.equal(result.status, 'failed', 'a refused call still makes the run fail');
    const trace = readTrace(result.trace_file!);
    assert.equal(trace.steps.length, 3, 'every step is in the trace');
    assert.deepEqual(trace.end?.totals, result.totals);
    assert.equal(events.filter((e) => e.type === 'step').length, 3, 'every step is still announced');
  });

  it('an open run with deferBookkeeping answers first, then counts and announces each step in call order; end() loses none', async () => {
    const run = await service.open({ name: 'gateway', servers: ['everything'], keepSteps: false, deferBookkeeping: true });
    const first = await run.callTool({ server: 'everything', tool: 'echo', args: { message: 'a' } });
    assert.equal(first.record.decision, 'ok');
    assert.equal(events.filter((e) => e.type === 'step').length, 0, 'the step is announced after the answer, not before');
    await new Promise((resolve) => setImmediate(resolve));
    const announced = events.filter((e): e is Extract<Event, { type: 'step' }> => e.type === 'step');
    assert.deepEqual(announced.map((e) => e.record.step_id), ['call-1'], 'announced one turn after the answer');
    assert.ok(announced[0].record.tokens_in > 0 && announced[0].record.tokens_out > 0, 'counted before it is announced');
    assert.equal(announced[0].record.started_at, new Date(announced[0].record.started_at).toISOString(), 'the start time is filled in');
    assert.deepEqual(announced[0].record.args, { message: 'a' });
    // Calls answered in the same turn as end(): their bookkeeping is done before the end line.
    const last = [
      run.callTool({ server: 'everything', tool: 'echo', args: { message: 'b' } }),
      run.callTool({ server: 'everything', tool: 'echo', args: {} }),
    ];
    const ending = run.end();
    await Promise.all(last);
    const result = await ending;
    assert.equal(result.totals.steps, 3);
    assert.deepEqual(result.decisions, { ok: 2, denied_schema: 1 });
    assert.ok(result.totals.tokens_in > 0);
    // Announced in the order the calls finished, which is the order of the trace lines (the refused call-3 finishes first).
    const order = events.filter((e) => e.type === 'step').map((e) => (e as Extract<Event, { type: 'step' }>).record.step_id);
    assert.deepEqual(order, ['call-1', 'call-3', 'call-2']);
    const trace = readTrace(result.trace_file!);
    assert.deepEqual(trace.steps.map((s) => s.step_id), order);
    assert.ok(trace.steps.every((s) => s.tokens_in > 0 && s.started_at), 'every trace line is counted and dated');
    assert.deepEqual(trace.end?.totals, result.totals);
    assertOrdered(events);
  });

  it('an open run ended with an explicit status, and one whose signal aborted, end as told', async () => {
    const told = await service.open();
    await told.callTool({ server: 'everything', tool: 'echo', args: { message: 'a' } });
    assert.equal((await told.end('passed')).status, 'passed');
    const controller = new AbortController();
    const cancelled = await service.open({ signal: controller.signal });
    const slow = cancelled.callTool({ server: 'slow', tool: 'slow', args: { ms: 20_000 } });
    setImmediate(() => controller.abort(new Error('stop')));
    assert.equal((await slow).record.decision, 'cancelled');
    assert.equal((await cancelled.end()).status, 'cancelled');
    assert.equal(events.filter((e) => e.type === 'end').length, 2);
  });
});
