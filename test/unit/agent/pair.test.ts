// The trace panel's reading of agent runs: per-turn tokens, a run's figures, and which run is its A/B partner.
import * as assert from 'node:assert/strict';
import { agentPairOf, agentRunFigures, modelTurnTokens } from '../../../src/core/agent/pair';
import type { RunSnapshot } from '../../../src/protocol/messages';
import type { StepRecord } from '../../../src/protocol/trace';

function step(id: string, extra: Partial<StepRecord>): StepRecord {
  return { type: 'step', session_id: 's', step_id: id, kind: 'tool', role: 'assistant', channel: 'llm_to_tool', server: 'memory', tool: 'read_graph', decision: 'ok', reasons: [], stages: [], started_at: '2026-01-01T00:00:00Z', latency_ms: 1, tokens_in: 0, tokens_out: 0, cost_est: 0, findings: [], ...extra } as StepRecord;
}

function agentRun(id: string, mode: 'direct' | 'code', goal: string, startedAt: string, turns: [number, number][], denied = 0): RunSnapshot {
  const steps: StepRecord[] = [];
  turns.forEach(([tin, tout], i) => {
    steps.push(step(`turn-${i + 1}`, { kind: 'model', tokens_in: tin, tokens_out: tout, cost_est: 0.001, ...(i === 0 ? { args: { goal } } : {}), model_turn: { turn: i + 1, provider: 'openai', model: 'gpt-4o', mode, given: [], tool_calls: i < turns.length - 1 ? [{ id: 'c', name: 'x', arguments: '{}' }] : [], usage_source: 'model', ...(i === 0 ? { reasoning: 'think' } : {}) } }));
    if (i < turns.length - 1) steps.push(step(`turn-${i + 1}.1`, { decision: i < denied ? 'denied_policy' : 'ok' }));
  });
  return { id, header: { type: 'session', session_id: id, name: `agent (${mode})`, started_at: startedAt, config_hash: '', servers: [], harness_version: '0', run_kind: 'agent' }, steps };
}

describe('agent: trace panel pairs and per-turn tokens', () => {
  const d1 = agentRun('d1', 'direct', 'goal A', '2026-01-01T00:00:00Z', [[3000, 40], [3400, 30], [3600, 10]], 1);
  const c1 = agentRun('c1', 'code', 'goal A', '2026-01-01T00:00:05Z', [[400, 50], [500, 8]]);
  const d2 = agentRun('d2', 'direct', 'goal A', '2026-01-01T00:01:00Z', [[10, 1]]);
  const other = agentRun('o', 'code', 'goal B', '2026-01-01T00:00:06Z', [[1, 1]]);

  it('lists each model turn with its tokens, in turn order, and the run figures', () => {
    assert.deepEqual(modelTurnTokens(d1).map((t) => [t.stepId, t.tokensIn, t.tokensOut, t.toolCalls, t.reasoning]), [
      ['turn-1', 3000, 40, 1, 'think'],
      ['turn-2', 3400, 30, 1, undefined],
      ['turn-3', 3600, 10, 0, undefined],
    ]);
    const f = agentRunFigures(d1)!;
    assert.deepEqual([f.mode, f.goal, f.turns, f.tokensIn, f.tokensOut, f.toolCalls, f.denied], ['direct', 'goal A', 3, 10000, 80, 2, 1]);
    assert.equal(agentRunFigures({ id: 'x', steps: [step('s1', {})] }), undefined);
  });

  it('pairs a direct run with the code run of the same goal and model that followed it, from either side', () => {
    const runs = [d2, other, c1, d1];
    assert.deepEqual(agentPairOf(d1, runs) && [agentPairOf(d1, runs)!.direct.id, agentPairOf(d1, runs)!.code.id], ['d1', 'c1']);
    assert.deepEqual(agentPairOf(c1, runs) && [agentPairOf(c1, runs)!.direct.id, agentPairOf(c1, runs)!.code.id], ['d1', 'c1']);
    // A later direct run of the same goal has no code run after it; another goal has no partner.
    assert.equal(agentPairOf(d2, runs), undefined);
    assert.equal(agentPairOf(other, runs), undefined);
    assert.equal(agentPairOf(d1, [d1]), undefined);
  });
});
