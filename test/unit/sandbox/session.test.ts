// Code steps inside a real session: the SessionRunner runs them through the registered 'code' kind,
// their tool calls land in the trace as child steps (parent_id), and the workspace carries over.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import type { StepRecord } from '../../../src/protocol/trace';
import { loadTraceFile } from '../../../src/core/report/load';
import { parseSession } from '../../../src/core/session/parse';
import { SessionRunner } from '../../../src/core/session/runner';
import { readTrace } from '../../../src/core/trace/reader';
import { Sandbox } from '../../../src/core/sandbox/sandbox';
import { registerCodeStepKind } from '../../../src/core/sandbox/session-step';
import { EVERYTHING, makeManager, stdioDefinition } from '../guards/helpers';

describe('sandbox: code steps in a session', function () {
  this.timeout(60000);
  const sandbox = new Sandbox();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-code-steps-'));
    registerCodeStepKind({ sandbox, limits: () => ({ timeoutMs: 5000 }) });
  });
  after(async () => {
    await sandbox.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs code and codeFile steps, records children with parent_id, tokens and logs, and shares the workspace', async () => {
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, '.mcp-harness', 'skills'), { recursive: true });
    writeFileSync(join(dir, '.mcp-harness', 'skills', 'fmt.js'), 'export const label = (s) => "[" + s + "]";');
    writeFileSync(
      join(dir, 'scripts', 'second.mcp.js'),
      'const previous = workspace.get("first");\nconst r = await tools.everything.get_sum({ a: previous.length, b: 1 });\nreturn skills.fmt.label(r.text);\n',
    );
    const text = JSON.stringify({
      name: 'code steps',
      servers: ['everything'],
      steps: [
        { id: 'first', code: 'const rs = await Promise.all(["a", "b"].map((m) => tools.everything.echo({ message: m }))); console.log("echoed", rs.length); workspace.set("first", rs.map((r) => r.text)); return rs.map((r) => r.text);' },
        { id: 'second', codeFile: 'scripts/second.mcp.js', expect: { contains: 'The sum of 2 and 1 is 3.' } },
        { id: 'broken', code: 'for (;;) {}', timeoutMs: 300, expect: { decision: 'timeout' } },
      ],
    });
    const file = join(dir, 'code.mcp-session.json');
    writeFileSync(file, text);
    const parsed = parseSession(text, file);
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
    const manager = makeManager([stdioDefinition('everything', EVERYTHING)]);
    const traceDir = join(dir, 'traces');
    try {
      const result = await new SessionRunner().run(parsed.session!, { manager, policy: { ...DEFAULT_POLICY, trustedServers: ['everything'] }, traceDir });
      const [first, second, broken] = result.steps;
      assert.equal(first.kind, 'code');
      assert.equal(first.decision, 'ok', JSON.stringify(first.reasons));
      assert.deepEqual(first.output, ['Echo: a', 'Echo: b']);
      assert.deepEqual(first.logs, [{ level: 'log', text: 'echoed 2' }]);
      assert.ok(first.tokens_raw! > 0 && first.tokens_returned! > 0);
      assert.equal(second.decision, 'ok', JSON.stringify(second.reasons));
      assert.equal(second.tool, 'scripts/second.mcp.js');
      assert.equal(second.output, '[The sum of 2 and 1 is 3.]');
      assert.equal(second.expectation?.passed, true, JSON.stringify(second.expectation));
      assert.equal(broken.decision, 'timeout');
      assert.equal(broken.expectation?.passed, true);
      assert.equal(result.steps.length, 3, 'children are not top-level steps');

      const trace = readTrace(join(traceDir, readdirSync(traceDir).find((f) => f.endsWith('.jsonl'))!));
      const children = trace.steps.filter((s) => s.parent_id);
      assert.deepEqual(children.map((c) => [c.parent_id, c.tool]).sort(), [['first', 'echo'], ['first', 'echo'], ['second', 'get-sum']]);
      assert.ok(children.every((c) => c.role === 'code' && c.decision === 'ok'));
      assert.ok(trace.steps.some((s) => s.step_id === 'first' && s.kind === 'code'));
      assert.equal(result.totals.tokens_saved, result.steps.reduce((n, s) => n + (s.tokens_raw ?? 0) - (s.tokens_returned ?? 0), 0));
    } finally {
      await manager.dispose();
    }
  });

  // A planted GitHub token (not a real one): typed into the code, logged, thrown and returned.
  const SECRET = `ghp_${'Z9'.repeat(18)}`;

  it('records the code, its logs, value and error with secrets masked: not in the trace file, the run events or the trace panel data', async () => {
    const padding = 'x'.repeat(3990);
    const text = JSON.stringify({
      name: 'code with a secret',
      steps: [
        { id: 'leaky', code: `const token = "${SECRET}"; console.log("using", token); return { token };` },
        { id: 'thrower', code: `throw new Error("bad token ${SECRET}");` },
        // The secret straddles the point where the recorded code is cut: it is masked before the cut.
        { id: 'long', code: `// ${padding}\nreturn "${SECRET}".length;` },
      ],
    });
    const file = join(dir, 'secret.mcp-session.json');
    writeFileSync(file, text);
    const manager = makeManager([]);
    const traceDir = join(dir, 'secret-traces');
    const announced: StepRecord[] = [];
    try {
      const result = await new SessionRunner().run(parseSession(text, file).session!, { manager, policy: DEFAULT_POLICY, traceDir, events: { onStep: (r) => announced.push(r) } });
      const [leaky, thrower, long] = result.steps;
      assert.equal(leaky.decision, 'ok', JSON.stringify(leaky.reasons));
      assert.equal(thrower.decision, 'error');
      assert.equal(long.output, SECRET.length, 'the code ran with the secret as written');
      assert.match(String((leaky.args as { code: string }).code), /const token = "\[REDACTED:github_token\]"/);
      assert.deepEqual(leaky.output, { token: '[REDACTED:github_token]' });
      assert.deepEqual(leaky.logs, [{ level: 'log', text: 'using [REDACTED:github_token]' }]);
      assert.match(thrower.error!, /bad token \[REDACTED:github_token\]/);
      assert.match(String((long.args as { code: string }).code), /… \[cut\]$/);

      const traceFile = join(traceDir, readdirSync(traceDir).find((f) => f.endsWith('.jsonl'))!);
      assert.ok(!readFileSync(traceFile, 'utf8').includes(SECRET.slice(0, 20)), 'the trace file holds no part of the secret');
      assert.equal(announced.length, 3);
      assert.ok(!JSON.stringify(announced).includes(SECRET.slice(0, 20)), 'the Sessions view gets no part of the secret');
      assert.ok(!JSON.stringify(await loadTraceFile(traceFile)).includes(SECRET.slice(0, 20)), 'the trace panel gets no part of the secret');
    } finally {
      await manager.dispose();
    }
  });

  it('leaves the code as written when the session turns secret redaction off', async () => {
    const text = JSON.stringify({ name: 'no redaction', steps: [{ id: 'plain', code: `return "${SECRET}".length;` }] });
    const file = join(dir, 'plain.mcp-session.json');
    writeFileSync(file, text);
    const manager = makeManager([]);
    try {
      const result = await new SessionRunner().run(parseSession(text, file).session!, { manager, policy: DEFAULT_POLICY, guardrails: { ...DEFAULT_GUARDRAILS, redact: [] } });
      assert.equal((result.steps[0].args as { code: string }).code, `return "${SECRET}".length;`);
    } finally {
      await manager.dispose();
    }
  });
});
