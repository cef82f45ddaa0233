// The JSON report of one or more session runs: {mcp_details: {sessions, summary}}.
import type { Decision, StepRecord } from '../../protocol/trace';
import type { SessionResult } from './runner';

export interface StepSummary {
  step_id: string;
  tool: string;
  decision: Decision;
  latency_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_est: number;
  reused?: boolean;
  error?: string;
  expectation_failures?: string[];
}

export interface SessionSummary {
  session_id: string;
  name: string;
  status: SessionResult['status'];
  config_hash: string;
  trace_file?: string;
  steps: StepSummary[];
  totals: SessionResult['totals'];
  decisions: SessionResult['decisions'];
  tools_used: string[];
  preflight: SessionResult['preflight'];
  error?: string;
}

/** One step as the CLI and reports list it. */
export function stepSummary(r: StepRecord): StepSummary {
  return {
    step_id: r.step_id,
    tool: r.server ? `${r.server}/${r.tool}` : r.tool || r.kind,
    decision: r.decision,
    latency_ms: r.latency_ms,
    tokens_in: r.tokens_in,
    tokens_out: r.tokens_out,
    cost_est: r.cost_est,
    ...(r.reused ? { reused: true } : {}),
    ...(r.error ? { error: r.error } : r.decision !== 'ok' && r.reasons[0] ? { error: r.reasons[0] } : {}),
    ...(r.expectation && !r.expectation.passed ? { expectation_failures: r.expectation.failures } : {}),
  };
}

export function summarizeSession(result: SessionResult): SessionSummary {
  return {
    session_id: result.session_id,
    name: result.name,
    status: result.status,
    config_hash: result.config_hash,
    ...(result.trace_file ? { trace_file: result.trace_file } : {}),
    steps: result.steps.map(stepSummary),
    totals: result.totals,
    decisions: result.decisions,
    tools_used: result.tools_used,
    preflight: result.preflight,
    ...(result.error ? { error: result.error } : {}),
  };
}

export interface HarnessReport {
  mcp_details: {
    sessions: SessionSummary[];
    summary: { total_sessions: number; total_steps: number; tools_used: string[]; decisions: Partial<Record<Decision, number>> };
  };
}

export function buildReport(results: SessionResult[]): HarnessReport {
  const decisions: Partial<Record<Decision, number>> = {};
  const tools = new Set<string>();
  let steps = 0;
  for (const r of results) {
    steps += r.totals.steps;
    for (const t of r.tools_used) tools.add(t);
    for (const [d, n] of Object.entries(r.decisions)) decisions[d as Decision] = (decisions[d as Decision] ?? 0) + (n ?? 0);
  }
  return {
    mcp_details: {
      sessions: results.map(summarizeSession),
      summary: { total_sessions: results.length, total_steps: steps, tools_used: [...tools].sort(), decisions },
    },
  };
}
