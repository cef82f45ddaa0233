import assert from 'node:assert/strict';
import { percentile, sessionMetrics, summarise, toolMetrics } from '../../../src/core/report/metrics';
import { parseTrace } from '../../../src/core/report/model';
import type { StepRecord } from '../../../src/protocol/trace';
import { fixture, mkStep } from './helpers';

describe('report/metrics', () => {
  it('percentile interpolates between closest ranks (hand-computed)', () => {
    // n=4: rank(p50) = 1.5 → 2 + 0.5·(3−2) = 2.5; rank(p95) = 2.85 → 3 + 0.85·(4−3) = 3.85
    assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
    assert.ok(Math.abs(percentile([4, 1, 3, 2], 95) - 3.85) < 1e-12);
    // n=5: rank(p95) = 3.8 → 40 + 0.8·(50−40) = 48; p50 = the median 35
    assert.ok(Math.abs(percentile([15, 20, 35, 40, 50], 95) - 48) < 1e-12);
    assert.equal(percentile([15, 20, 35, 40, 50], 50), 35);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([1, 9], 0), 1);
    assert.equal(percentile([1, 9], 100), 9);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('computes per-tool count, latency percentiles, error rate, tokens and cost', () => {
    const steps = [
      mkStep({ step_id: '1', tool: 'a', latency_ms: 10, tokens_in: 1, tokens_out: 2, cost_est: 0.5 }),
      mkStep({ step_id: '2', tool: 'a', latency_ms: 20, decision: 'error' }),
      mkStep({ step_id: '3', tool: 'a', latency_ms: 30, is_error: true, tokens_in: 3 }),
      mkStep({ step_id: '4', tool: 'a', latency_ms: 40, decision: 'timeout' }),
      mkStep({ step_id: '5', tool: 'b', latency_ms: 5, decision: 'denied_policy', reused: true }),
    ];
    const [a, b] = toolMetrics(steps);
    assert.equal(a.key, 'srv/a');
    assert.equal(a.count, 4);
    assert.equal(a.errors, 3);
    assert.equal(a.errorRate, 0.75);
    assert.equal(a.p50, 25); // rank 1.5 of [10,20,30,40]
    assert.ok(Math.abs(a.p95 - 38.5) < 1e-12); // rank 2.85 → 30 + 0.85·10
    assert.equal(a.tokensIn, 4);
    assert.equal(a.tokensOut, 2);
    assert.equal(a.cost, 0.5);
    assert.equal(a.maxLatency, 40);
    assert.deepEqual(a.latencies, [10, 20, 30, 40]);
    assert.equal(b.denied, 1);
    assert.equal(b.reused, 1);
    assert.equal(b.decisions.denied_policy, 1);
  });

  it('rolls a session up: children counted as steps, tokens from top-level steps, tokens saved by code', () => {
    const run = parseTrace(fixture('every-decision.jsonl')).runs[0];
    const m = sessionMetrics(run);
    assert.equal(m.steps, 13);
    assert.equal(m.childSteps, 3);
    assert.equal(m.topLevelSteps, 10);
    assert.equal(m.tokensSaved, 1500 - 6);
    // top-level tokens_in: 9 tool steps (s2 has 8, the rest 10) + code step 120
    assert.equal(m.tokensIn, 8 * 10 + 8 + 120);
    assert.equal(m.errors, 2);
    assert.equal(m.findings, 2);
    assert.equal(m.reused, 1);
    assert.equal(m.status, 'failed');
    assert.equal(m.decisions.ok, 5);
    assert.equal(m.decisions.denied_policy, 2);
    assert.ok(m.toolsUsed.includes('filesystem/read_file') && m.toolsUsed.includes('code'));
  });

  it('summarises several runs', () => {
    const runs = parseTrace(fixture('two-runs.jsonl')).runs;
    const s = summarise(runs);
    assert.equal(s.total_sessions, 2);
    assert.equal(s.total_steps, 17);
    assert.equal(s.decisions.ok, 9);
    assert.ok(s.tools_used.includes('memory/read_graph'));
  });

  it('counts a server\'s log records apart: not in steps, latency, decisions, errors or the tools', () => {
    const run = parseTrace(fixture('every-decision.jsonl')).runs[0];
    const before = sessionMetrics(run);
    const withLogs = { ...run, steps: [...run.steps, ...serverLogs(run.id)] };
    const m = sessionMetrics(withLogs);
    assert.equal(m.logs, 3);
    assert.deepEqual(
      [m.steps, m.topLevelSteps, m.childSteps, m.errors, m.errorRate, m.p50, m.p95, m.latencyMs, m.decisions, m.toolsUsed],
      [before.steps, before.topLevelSteps, before.childSteps, before.errors, before.errorRate, before.p50, before.p95, before.latencyMs, before.decisions, before.toolsUsed],
    );
    assert.equal(m.findings, before.findings + 1, 'a finding on a log line still counts as a finding');
    assert.ok(m.servers.includes('chatty'));
    assert.deepEqual(toolMetrics(withLogs.steps).map((t) => t.key), toolMetrics(run.steps).map((t) => t.key));
    const s = summarise([withLogs]);
    assert.deepEqual([s.total_steps, s.total_logs, s.decisions], [before.steps, 3, before.decisions]);
  });
});

/** Three log records of a server that logs a lot, slow and marked as errors to show they are not counted. */
function serverLogs(sessionId: string): StepRecord[] {
  return [1, 2, 3].map((n) =>
    mkStep({
      step_id: `log-${n}`,
      session_id: sessionId,
      kind: 'log',
      server: 'chatty',
      tool: 'notifications/message',
      level: 'error',
      decision: 'error',
      latency_ms: 99999,
      output: { level: 'error', data: `line ${n}` },
      findings: n === 1 ? [{ stage: 'guardrails', kind: 'injection', severity: 'error', message: 'x' }] : [],
    }),
  );
}
