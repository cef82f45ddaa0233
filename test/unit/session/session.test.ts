import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSession } from '../../../src/core/session/parse';
import { SessionRunner } from '../../../src/core/session/runner';
import { buildReport } from '../../../src/core/session/report';
import { readTrace } from '../../../src/core/trace/reader';
import { DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { EVERYTHING, FIXTURES, isAlive, makeManager, stdioDefinition } from '../guards/helpers';
import { PLANTED } from '../guards/scanners.test';

const trusted = { ...DEFAULT_POLICY, trustedServers: ['everything', 'crash', 'hang', 'garbage'] };

function session(text: string) {
  const parsed = parseSession(text);
  assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
  return parsed.session!;
}

describe('session files', () => {
  it('keeps exact ranges of a step\'s args', () => {
    const text = '{ "name": "s", // comment\n "steps": [ { "id": "a", "tool": "everything/echo", "args": { "message": "hi" } } ] }';
    const p = parseSession(text);
    const step = p.session!.steps[0];
    assert.equal(text.slice(step.ranges.args!.offset, step.ranges.args!.offset + step.ranges.args!.length), '{ "message": "hi" }');
  });

  const bad: [string, string, string][] = [
    ['JSON errors', '{ "name": "x", "steps": [ { "id": "a" ', 'syntax'],
    ['unknown step kinds', '{ "name": "x", "steps": [ { "id": "a", "kind": "llm" } ] }', 'unknown-kind'],
    ['a step with nothing to run', '{ "name": "x", "steps": [ { "id": "a" } ] }', 'unknown-kind'],
    ['missing ids', '{ "name": "x", "steps": [ { "tool": "s/t" } ] }', 'missing-id'],
    ['duplicate ids', '{ "name": "x", "steps": [ { "id": "a", "tool": "s/t" }, { "id": "a", "tool": "s/t" } ] }', 'duplicate-id'],
    ['args not an object', '{ "name": "x", "steps": [ { "id": "a", "tool": "s/t", "args": [1] } ] }', 'bad-args'],
    ['a tool without a server', '{ "name": "x", "steps": [ { "id": "a", "tool": "echo" } ] }', 'bad-tool'],
    ['a reference to a later step', '{ "name": "x", "steps": [ { "id": "a", "tool": "s/t", "args": {"m": "${steps.b.text}"} }, { "id": "b", "tool": "s/t" } ] }', 'bad-reference'],
    ['a bad guardrail mode', '{ "name": "x", "guardrails": {"mode": "strict"}, "steps": [] }', 'bad-guardrails-value'],
    ['no name', '{ "steps": [] }', 'missing-name'],
    ['not an object', '[1, 2]', 'not-object'],
  ];
  for (const [what, text, code] of bad) {
    it(`reports ${what} with a range`, () => {
      const p = parseSession(text);
      assert.equal(p.session, undefined);
      const problem = p.problems.find((x) => x.code === code);
      assert.ok(problem, `no ${code} in ${JSON.stringify(p.problems)}`);
      assert.ok(problem.message.length > 10);
      assert.ok(problem.range.offset >= 0 && problem.range.offset <= text.length);
    });
  }
});

describe('SessionRunner on real servers', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-session-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs steps with references, expectations, dedup, dry run and guards, and writes a full trace', async () => {
    const manager = makeManager([stdioDefinition('everything', EVERYTHING)]);
    try {
      const s = session(`{
        "name": "smoke",
        "model": "gpt-4o",
        "steps": [
          { "id": "greet", "tool": "everything/echo", "args": { "message": "hi there" }, "expect": { "contains": "hi there", "matches": "h.", "maxLatencyMs": 10000 } },
          { "id": "again", "tool": "everything/echo", "args": { "message": "\${steps.greet.text}" }, "expect": { "contains": "Echo: hi there" } },
          { "id": "same", "tool": "everything/echo", "args": { "message": "hi there" } },
          { "id": "add", "tool": "everything/get-sum", "args": { "a": 2, "b": 3 }, "expect": { "contains": "5" } },
          { "id": "bad", "tool": "everything/get-sum", "args": { "a": "two" }, "expect": { "decision": "denied_schema" } },
          { "id": "denied", "tool": "everything/echo", "args": { "message": "x" }, "policy": { "deny": ["*/echo"] }, "expect": { "decision": "denied_policy" } },
          { "id": "dry", "tool": "everything/get-sum", "args": { "a": 1, "b": 1 }, "policy": { "dryRun": true }, "expect": { "decision": "dry_run" } },
          { "id": "ghost", "tool": "everything/no-such-tool", "expect": { "decision": "error" } },
          { "id": "dangling", "tool": "everything/echo", "args": { "message": "\${steps.ghost.text}" }, "expect": { "decision": "error" } }
        ]
      }`);
      const seen: string[] = [];
      const result = await new SessionRunner().run(s, { manager, policy: trusted, traceDir: dir, onStep: (r) => seen.push(r.step_id) });
      const failures = result.steps.filter((r) => !r.expectation?.passed).map((r) => `${r.step_id}: ${r.expectation?.failures.join(', ')}`);
      assert.deepEqual(failures, []);
      assert.equal(result.status, 'passed');
      assert.deepEqual(seen, s.steps.map((x) => x.id));
      const byId = Object.fromEntries(result.steps.map((r) => [r.step_id, r]));
      assert.equal(byId.same.reused, true);
      assert.equal(byId.same.cost_est, 0);
      assert.ok(byId.greet.tokens_in > 0 && byId.greet.tokens_out > 0 && byId.greet.cost_est > 0);
      const schemaStage = byId.bad.stages.find((st) => st.stage === 'schema')!;
      assert.equal(schemaStage.decision, 'denied_schema');
      assert.ok(schemaStage.errors!.some((e) => e.path === '$.args.a'), JSON.stringify(schemaStage.errors));
      assert.equal(byId.denied.stages.find((st) => st.stage === 'policy')!.rule, 'deny:*/echo');
      assert.match(byId.ghost.error!, /no tool named 'no-such-tool'/);
      assert.match(byId.dangling.error!, /ghost/);
      assert.ok(result.preflight.some((p) => p.code === 'unknown_tool' && p.stepId === 'ghost'));
      assert.ok(result.preflight.some((p) => p.code === 'invalid_args' && p.stepId === 'bad'));
      assert.equal(result.decisions.ok, 4);

      const trace = readTrace(result.trace_file!);
      assert.deepEqual(trace.badLines, []);
      assert.equal(trace.header!.config_hash, result.config_hash);
      assert.equal(trace.steps.length, s.steps.length);
      assert.equal(trace.end!.status, 'passed');
      assert.equal(trace.steps[0].tokens_in, byId.greet.tokens_in);
      assert.ok(trace.steps.every((st) => st.expectation));

      const report = buildReport([result]);
      assert.equal(report.mcp_details.summary.total_steps, s.steps.length);
      assert.deepEqual(report.mcp_details.summary.tools_used, ['everything/echo', 'everything/get-sum']);
    } finally {
      await manager.dispose();
    }
  });

  it('never writes a planted secret or PII to the trace, and hard_gate denies a secret', async () => {
    const manager = makeManager([stdioDefinition('everything', EVERYTHING)]);
    const traceDir = join(dir, 'secrets');
    try {
      const steps = Object.entries(PLANTED).map(([k, v]) => ({ id: `plant_${k}`, tool: 'everything/echo', args: { message: `value: ${v}` }, expect: { decision: ['ok', 'denied_guardrail'] } }));
      steps.push({ id: 'gated', tool: 'everything/echo', args: { message: `token ${PLANTED.github}` }, guardrails: { mode: 'hard_gate' }, expect: { decision: 'denied_guardrail' } } as never);
      const s = session(JSON.stringify({ name: 'secrets', steps }));
      const result = await new SessionRunner().run(s, { manager, policy: trusted, traceDir });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((r) => r.expectation)));
      const written = readdirSync(traceDir).map((f) => readFileSync(join(traceDir, f), 'utf8')).join('\n');
      for (const [name, value] of Object.entries(PLANTED)) {
        for (const line of value.split('\n').filter((l) => !l.startsWith('-----'))) assert.ok(!written.includes(line), `${name} reached the trace`);
      }
      assert.ok(written.includes('[REDACTED:github_token]'));
      const gated = result.steps.find((r) => r.step_id === 'gated')!;
      assert.equal(gated.decision, 'denied_guardrail');
      // mixed (the default) denies only critical secrets such as private keys and AWS keys.
      assert.equal(result.steps.find((r) => r.step_id === 'plant_pem')!.decision, 'denied_guardrail');
      assert.equal(result.steps.find((r) => r.step_id === 'plant_email')!.decision, 'ok');
    } finally {
      await manager.dispose();
    }
  });

  it('tokenizes PII and restores it in later arguments', async () => {
    const manager = makeManager([stdioDefinition('everything', EVERYTHING)]);
    try {
      const s = session(JSON.stringify({
        name: 'pii',
        guardrails: { tokenizePii: true },
        steps: [
          { id: 'a', tool: 'everything/echo', args: { message: `mail ${PLANTED.email}` }, expect: { contains: '[EMAIL_1]' } },
          { id: 'b', tool: 'everything/echo', args: { message: '${steps.a.text}' }, expect: { contains: 'Echo: Echo: mail [EMAIL_1]' } },
        ],
      }));
      const result = await new SessionRunner().run(s, { manager, policy: trusted });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((r) => r.expectation)));
      assert.ok(!JSON.stringify(result.steps).includes(PLANTED.email));
    } finally {
      await manager.dispose();
    }
  });

  it('denies destructive calls without confirmation and asks the confirm hook', async () => {
    const manager = makeManager([stdioDefinition('everything', EVERYTHING)]);
    try {
      const s = session('{"name":"c","steps":[{"id":"a","tool":"everything/echo","args":{"message":"x"},"expect":{"decision":"denied_policy"}},{"id":"b","tool":"everything/echo","args":{"message":"y"}}]}');
      let asked = 0;
      const result = await new SessionRunner().run(s, {
        manager,
        confirm: async (req) => (asked++, req.stepId === 'b'),
      });
      assert.equal(asked, 2);
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((r) => r.reasons)));
      assert.equal(result.steps[0].stages.find((st) => st.stage === 'policy')!.rule, 'confirmDestructive');
    } finally {
      await manager.dispose();
    }
  });

  it('ends each fault in a clear decision: crash, hang (timeout), garbage; no process left behind', async () => {
    const manager = makeManager([
      stdioDefinition('crash', join(FIXTURES, 'crash.mjs')),
      stdioDefinition('hang', join(FIXTURES, 'hang.mjs')),
      stdioDefinition('garbage', join(FIXTURES, 'garbage.mjs')),
    ]);
    const traceDir = join(dir, 'faults');
    let pids: number[] = [];
    try {
      const s = session(JSON.stringify({
        name: 'faults',
        steps: [
          { id: 'pid', tool: 'crash/pid' },
          { id: 'boom', tool: 'crash/crash', args: {}, expect: { decision: 'error' } },
          { id: 'after', tool: 'crash/echo', args: { text: 'back' }, expect: { contains: 'back' } },
          { id: 'stuck', tool: 'hang/hang', policy: { timeoutMs: 500 }, expect: { decision: 'timeout' } },
          { id: 'noise', tool: 'garbage/garbage', expect: { decision: ['ok', 'error'] } },
          { id: 'fine', tool: 'garbage/echo', args: { text: 'ok' }, expect: { contains: 'ok' } },
        ],
      }));
      const result = await new SessionRunner().run(s, { manager, policy: trusted, traceDir, confirm: async () => true });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((r) => [r.step_id, r.decision, r.reasons, r.expectation])));
      pids = [Number((result.steps[0] as { output?: { content?: { text: string }[] } }).output?.content?.[0].text)];
      const trace = readTrace(result.trace_file!);
      assert.equal(trace.steps.length, 6);
      assert.deepEqual(trace.badLines, []);
      assert.match(trace.steps[1].error!, /crash|stopped|exit/i);
    } finally {
      await manager.dispose();
    }
    for (const pid of pids) assert.equal(isAlive(pid), false, `server ${pid} still running`);
  });

  it('reports an unreachable server as a session error with the step failing clearly', async () => {
    const manager = makeManager([stdioDefinition('dead', join(FIXTURES, 'crash.mjs'), ['--at-startup'])]);
    try {
      const s = session('{"name":"d","steps":[{"id":"a","tool":"dead/echo","args":{"text":"x"}}]}');
      const result = await new SessionRunner().run(s, { manager, policy: trusted });
      assert.equal(result.status, 'error');
      assert.equal(result.steps[0].decision, 'error');
      assert.ok(result.preflight.some((p) => p.code === 'unreachable'));
    } finally {
      await manager.dispose();
    }
  });

  it('passes tool progress to onToolProgress and starts servers in parallel', async () => {
    const manager = makeManager([stdioDefinition('slow', join(FIXTURES, 'slow.mjs'), ['--start-delay', '600']), stdioDefinition('slow2', join(FIXTURES, 'slow.mjs'), ['--start-delay', '600'])]);
    try {
      const s = session('{"name":"p","steps":[{"id":"a","tool":"slow/slow","args":{"ms":400,"steps":4}},{"id":"b","tool":"slow2/slow","args":{"ms":0}}]}');
      const progress: string[] = [];
      const result = await new SessionRunner().run(s, {
        manager,
        policy: { ...trusted, trustedServers: [] },
        confirm: async () => true,
        onToolProgress: (i, id, p) => progress.push(`${i}:${id}:${p.progress}/${p.total}`),
      });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((r) => r.reasons)));
      // The last notification may race the response; the ones before it must arrive, in order, for step a.
      const forA = progress.filter((p) => p.startsWith('0:a:'));
      assert.deepEqual(forA.slice(0, 3), ['0:a:1/4', '0:a:2/4', '0:a:3/4']);
      assert.ok(progress.every((p) => p.startsWith('0:a:') || p.startsWith('1:b:')));
    } finally {
      await manager.dispose();
    }
  });

  it('stops on cancellation and records the session as cancelled', async () => {
    const manager = makeManager([stdioDefinition('hang', join(FIXTURES, 'hang.mjs'))]);
    try {
      const s = session('{"name":"x","steps":[{"id":"a","tool":"hang/hang"},{"id":"b","tool":"hang/hang"}]}');
      const controller = new AbortController();
      const result = await new SessionRunner().run(s, {
        manager,
        policy: trusted,
        confirm: async () => true,
        signal: controller.signal,
        traceDir: join(dir, 'cancel'),
        onProgress: (index) => index === 0 && setTimeout(() => controller.abort(), 300),
      });
      assert.equal(result.status, 'cancelled');
      assert.equal(result.steps[0].decision, 'cancelled');
      assert.equal(result.steps.length, 1);
      assert.equal(readTrace(result.trace_file!).end!.status, 'cancelled');
    } finally {
      await manager.dispose();
    }
  });
});
