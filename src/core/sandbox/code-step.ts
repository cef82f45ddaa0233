// A session's `code` / `codeFile` step: runs the code in the sandbox and turns the run into the code
// step's StepRecord (kind 'code'), with its tool calls as child steps (parent_id = this step's id).
import type { Decision, Finding, StepRecord } from '../../protocol/trace';
import type { ToolGateway } from '../guards/types';
import { adviseOnLimit, type LimitAdvice } from './limits';
import { tokensOf } from './optimizer';
import type { ExecResult, SandboxLimits, SkillSource, WorkspaceStore } from './types';

export interface CodeStepInput {
  /** A Sandbox or SandboxPool. */
  sandbox: { execute: (options: import('./types').ExecuteOptions) => Promise<ExecResult> };
  gateway: ToolGateway;
  sessionId: string;
  stepId: string;
  code: string;
  /** The codeFile the code came from (recorded as the step's tool name), if any. */
  codeFile?: string;
  limits?: Partial<SandboxLimits>;
  skills?: SkillSource[];
  workspace?: WorkspaceStore;
  servers?: string[];
  signal?: AbortSignal;
  /** The host's way of raising a limit the code hit, added to the step's error. */
  limitAdvice?: LimitAdvice;
  /**
   * The run's redaction of what it records (secrets, PII: what a tool call's arguments get). Code as written
   * may hold a secret the user typed, and its logs, value and error may repeat it; none of them may reach the trace.
   */
  redact: <T>(value: T) => T;
}

export interface CodeStepOutcome {
  record: StepRecord;
  /** The tool calls the code made, in order, each with parent_id = record.step_id. */
  children: StepRecord[];
  result: ExecResult;
}

const CODE_ARG_CHARS = 4000;

function decisionOf(result: ExecResult): Decision {
  if (result.ok) return 'ok';
  if (result.error?.kind === 'timeout') return 'timeout';
  if (result.error?.kind === 'denied') {
    const d = result.error.decision;
    return d === 'denied_schema' || d === 'denied_guardrail' ? d : 'denied_policy';
  }
  if (result.error?.message === 'The run was cancelled.') return 'cancelled';
  return 'error';
}

/** Masks the record's text in place; the code is cut only afterwards, so a secret at the cut is still found whole. */
function redactContent(record: StepRecord, redact: CodeStepInput['redact']): void {
  const masked = redact({ code: (record.args as { code: string }).code, output: record.output, logs: record.logs, reasons: record.reasons, stages: record.stages, error: record.error });
  const code = masked.code.length > CODE_ARG_CHARS ? `${masked.code.slice(0, CODE_ARG_CHARS)}… [cut]` : masked.code;
  Object.assign(record, { args: { code }, output: masked.output, logs: masked.logs, reasons: masked.reasons, stages: masked.stages });
  if (masked.error !== undefined) record.error = masked.error;
}

export async function runCodeStep(input: CodeStepInput): Promise<CodeStepOutcome> {
  const startedAt = new Date().toISOString();
  const result = await input.sandbox.execute({
    code: input.code,
    gateway: input.gateway,
    parentStepId: input.stepId,
    limits: input.limits,
    skills: input.skills,
    workspace: input.workspace,
    servers: input.servers,
    signal: input.signal,
  });
  if (result.error && input.limitAdvice) result.error = adviseOnLimit(result.error, input.limitAdvice);
  const decision = decisionOf(result);
  const findings: Finding[] = [];
  if (result.optimized) {
    findings.push({ stage: 'guardrails', kind: 'truncated', severity: 'info', message: 'The returned value was summarised by the context optimizer.' });
  }
  const record: StepRecord = {
    type: 'step',
    session_id: input.sessionId,
    step_id: input.stepId,
    kind: 'code',
    role: 'code',
    channel: 'llm_to_tool',
    server: 'sandbox',
    tool: input.codeFile ?? 'code',
    decision,
    reasons: result.error ? [`${result.error.kind}: ${result.error.message}`, ...(result.error.reasons ?? [])] : [],
    stages: [{ stage: 'execute', decision: result.ok ? 'pass' : decision, reasons: result.error ? [result.error.message] : [], duration_ms: result.metrics.duration_ms }],
    args: { code: input.code },
    output: result.value,
    is_error: !result.ok,
    started_at: startedAt,
    latency_ms: result.metrics.duration_ms,
    tokens_in: tokensOf(input.code),
    tokens_out: result.metrics.tokens_returned,
    cost_est: result.childSteps.reduce((n, s) => n + (s.cost_est || 0), 0),
    findings,
    tokens_raw: result.metrics.tokens_raw,
    tokens_returned: result.metrics.tokens_returned,
    logs: result.logs,
  };
  if (result.error) record.error = result.error.message;
  redactContent(record, input.redact);
  const children = result.childSteps.map((s) => ({ ...s, session_id: s.session_id || input.sessionId, parent_id: input.stepId }));
  return { record, children, result };
}
