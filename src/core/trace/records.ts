// Step records for steps that never ran a tool (a preflight error, a call the model addressed to no tool):
// the measurements of a step that took no time and spent no tokens, around the fields that say what happened.
import type { StepRecord } from '../../protocol/trace';

export type UnexecutedStep = Pick<StepRecord, 'session_id' | 'step_id' | 'kind' | 'role' | 'channel' | 'server' | 'tool' | 'decision' | 'reasons' | 'stages'> &
  Partial<StepRecord>;

export function unexecutedStepRecord(fields: UnexecutedStep): StepRecord {
  return { type: 'step', started_at: new Date().toISOString(), latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, findings: [], ...fields };
}
