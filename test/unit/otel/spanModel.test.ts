// The span model on its own: ids (stable, distinct for a code step's child and a top-level step of the same
// id), the run's status as error.type, decisions and isError as error.type, model turns' GenAI attributes.
import * as assert from 'node:assert/strict';
import { parentSpanIdOf, sessionSpan, spanIdOf, stepSpan, traceIdOf, traceparentOf } from '../../../src/core/otel/index';
import type { SessionEnd, SessionHeader, StepRecord } from '../../../src/protocol/trace';

const SESSION = '6f1c1a52-0d8e-4a53-9a4b-2b7a8d9c1e3f';
const header: SessionHeader = { type: 'session', session_id: SESSION, name: 'nightly', started_at: '2026-12-05T10:00:00.000Z', config_hash: 'abc', servers: ['everything'], harness_version: '0.1.0' };
const totals = { steps: 1, latency_ms: 5, tokens_in: 10, tokens_out: 20, cost_est: 0, tokens_saved: 0 };

function record(extra: Partial<StepRecord>): StepRecord {
  return {
    type: 'step', session_id: SESSION, step_id: 's1', kind: 'tool', role: 'tool', channel: 'llm_to_tool', server: 'everything', tool: 'echo',
    decision: 'ok', reasons: [], stages: [], started_at: '2026-12-05T10:00:01.000Z', latency_ms: 12.5, tokens_in: 3, tokens_out: 4, cost_est: 0, findings: [],
    ...extra,
  };
}

describe('otel: span model', () => {
  it('derives ids from the run: the session id is the trace id; steps, and code children, get distinct stable span ids', () => {
    assert.equal(traceIdOf(SESSION), SESSION.replace(/-/g, ''));
    assert.match(traceIdOf('not-a-uuid'), /^[0-9a-f]{32}$/);
    const top = spanIdOf({ sessionId: SESSION, stepId: 'call-1' });
    const child = spanIdOf({ sessionId: SESSION, stepId: 'call-1', parentId: 'code' });
    assert.notEqual(top, child);
    assert.equal(top, spanIdOf({ sessionId: SESSION, stepId: 'call-1' }));
    assert.equal(parentSpanIdOf({ sessionId: SESSION, stepId: 'call-1', parentId: 'code' }), spanIdOf({ sessionId: SESSION, stepId: 'code' }));
    assert.equal(parentSpanIdOf({ sessionId: SESSION, stepId: 'call-1' }), spanIdOf({ sessionId: SESSION }));
    assert.throws(() => parentSpanIdOf({ sessionId: SESSION }), /no parent/);
    assert.match(traceparentOf({ sessionId: SESSION, stepId: 'call-1' }), new RegExp(`^00-${SESSION.replace(/-/g, '')}-${top}-01$`));
  });

  it('a run that did not pass carries its status as error.type and its error as the span status', () => {
    const end: SessionEnd = { type: 'end', session_id: SESSION, status: 'cancelled', ended_at: '2026-12-05T10:00:02.000Z', duration_ms: 2000, totals, decisions: {}, tools_used: [], error: 'The run was cancelled.' };
    const span = sessionSpan(header, end, 0);
    assert.deepEqual([span.name, span.attributes['error.type'], span.error, span.endMs - span.startMs], ['session nightly', 'cancelled', 'The run was cancelled.', 2000]);
    const open = sessionSpan(header, undefined, Date.parse(header.started_at) + 50);
    assert.deepEqual([open.attributes['error.type'], open.attributes['mcp_harness.status'], open.endMs - open.startMs], [undefined, undefined, 50]);
  });

  it('a denied call has its decision as error.type; an isError result is tool_error; ok is no error', () => {
    const denied = stepSpan(record({ decision: 'denied_policy', reasons: ['deny:*/echo'] }), { includeContent: false });
    assert.deepEqual([denied.attributes['error.type'], denied.error], ['denied_policy', 'deny:*/echo']);
    const failed = stepSpan(record({ is_error: true }), { includeContent: false });
    assert.equal(failed.attributes['error.type'], 'tool_error');
    const ok = stepSpan(record({ reused: true }), { includeContent: false });
    assert.deepEqual([ok.attributes['error.type'], ok.error, ok.attributes['mcp_harness.reused'], ok.endMs - ok.startMs], [undefined, undefined, true, 12.5]);
  });

  it('a model turn is a chat span with the GenAI request, usage and finish reason; content only when asked', () => {
    const turn = record({
      kind: 'model', role: 'assistant', server: 'openai', tool: 'gpt-4o', tokens_in: 1200, tokens_out: 30, args: { goal: 'Echo hi' }, output: { text: 'hi' },
      model_turn: { turn: 1, provider: 'openai', model: 'gpt-4o', mode: 'direct', given: [], tool_calls: [], stop_reason: 'stop', usage_source: 'model' },
    });
    const span = stepSpan(turn, { includeContent: false });
    assert.deepEqual(
      [span.name, span.kind, span.attributes['gen_ai.operation.name'], span.attributes['gen_ai.provider.name'], span.attributes['gen_ai.request.model'], span.attributes['gen_ai.usage.input_tokens'], span.attributes['gen_ai.usage.output_tokens'], span.attributes['gen_ai.response.finish_reasons']],
      ['chat gpt-4o', 'client', 'chat', 'openai', 'gpt-4o', 1200, 30, ['stop']],
    );
    assert.equal(span.attributes['gen_ai.input.messages'], undefined);
    const withContent = stepSpan(turn, { includeContent: true });
    assert.equal(withContent.attributes['gen_ai.input.messages'], '{"goal":"Echo hi"}');
    assert.equal(withContent.attributes['gen_ai.output.messages'], '{"text":"hi"}');
  });
});
