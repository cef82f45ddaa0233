// The step records the client features write: a server's request or notification as a child of the step
// whose call caused it, measured like any step.
import type { Decision, StepKind, StepRecord } from '../../protocol/trace';
import type { ClientRun } from './types';

export interface FeatureRecordFields {
  kind: StepKind;
  server: string;
  /** What the server asked for: 'sampling/createMessage', 'elicitation/create', 'notifications/message'. */
  method: string;
  decision: Decision;
  reasons?: string[];
  args?: unknown;
  output?: unknown;
  parentId?: string;
  startedMs: number;
}

/** Numbers each run's feature records: `<parent>.sampling-1`, `log-3`. */
export class RecordIds {
  private readonly counters = new Map<string, number>();

  next(run: ClientRun, kind: string, parentId: string | undefined): string {
    const key = `${run.sessionId}\u0000${parentId ?? ''}\u0000${kind}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return parentId ? `${parentId}.${kind}-${n}` : `${kind}-${n}`;
  }
}

export function featureRecord(run: ClientRun, stepId: string, f: FeatureRecordFields): StepRecord {
  return {
    type: 'step',
    session_id: run.sessionId,
    step_id: stepId,
    ...(f.parentId ? { parent_id: f.parentId } : {}),
    kind: f.kind,
    role: 'tool',
    channel: 'tool_to_llm',
    server: f.server,
    tool: f.method,
    decision: f.decision,
    reasons: f.reasons ?? [],
    stages: [],
    ...(f.args !== undefined ? { args: f.args } : {}),
    ...(f.output !== undefined ? { output: f.output } : {}),
    started_at: new Date(f.startedMs).toISOString(),
    latency_ms: Date.now() - f.startedMs,
    tokens_in: 0,
    tokens_out: 0,
    cost_est: 0,
    findings: [],
  };
}
