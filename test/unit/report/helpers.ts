import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepRecord } from '../../../src/protocol/trace';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'traces');
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

export function mkStep(over: Partial<StepRecord> & { step_id: string }): StepRecord {
  return {
    type: 'step',
    session_id: 'S',
    kind: 'tool',
    role: 'tool',
    channel: 'llm_to_tool',
    server: 'srv',
    tool: 't',
    decision: 'ok',
    reasons: [],
    stages: [],
    started_at: '2026-01-01T00:00:00.000Z',
    latency_ms: 1,
    tokens_in: 0,
    tokens_out: 0,
    cost_est: 0,
    findings: [],
    ...over,
  };
}
