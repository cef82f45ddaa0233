// Trace metrics: per tool and per session. Browser-safe (the webview computes them live).
import { DECISIONS, type Decision, type StepRecord } from '../../protocol/trace';
import { isFailure, isLogRecord, runDurationMs, runName, runStatus, type RunStatus, type TraceRun } from './model';

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" method of numpy's default
 * and Excel's PERCENTILE.INC): rank = p/100 · (n−1). Returns NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0];
}

/** Several percentiles with one sort (a typed-array sort: numeric, no comparator calls). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) if (p < 0 || p > 100 || !Number.isFinite(p)) throw new RangeError(`percentile must be between 0 and 100, got ${p}.`);
  if (!values.length) return ps.map(() => NaN);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => {
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  });
}

export type DecisionCounts = Record<Decision, number>;

export function emptyDecisionCounts(): DecisionCounts {
  return Object.fromEntries(DECISIONS.map((d) => [d, 0])) as DecisionCounts;
}

export interface ToolMetrics {
  /** `server/tool`, or `code` for code steps. */
  key: string;
  server: string;
  tool: string;
  count: number;
  errors: number;
  /** errors / count: steps that ended in error or timeout, or returned isError. */
  errorRate: number;
  denied: number;
  p50: number;
  p95: number;
  meanLatency: number;
  maxLatency: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  reused: number;
  decisions: DecisionCounts;
  /** Latencies in trace order, for a sparkline. */
  latencies: number[];
}

export function stepKey(s: Pick<StepRecord, 'server' | 'tool' | 'kind'>): string {
  if (s.kind === 'code' && !s.server) return s.tool || 'code';
  return s.server ? `${s.server}/${s.tool}` : s.tool;
}

function isErrorStep(s: StepRecord): boolean {
  return isFailure(s.decision) || s.is_error === true;
}

/** Per tool over the run's steps; log records are not calls of a tool and are left out. */
export function toolMetrics(steps: readonly StepRecord[]): ToolMetrics[] {
  const groups = new Map<string, StepRecord[]>();
  for (const s of steps) {
    if (isLogRecord(s)) continue;
    const k = stepKey(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const out: ToolMetrics[] = [];
  for (const [key, group] of groups) {
    const latencies = group.map((s) => s.latency_ms);
    const decisions = emptyDecisionCounts();
    let errors = 0, denied = 0, tokensIn = 0, tokensOut = 0, cost = 0, reused = 0, sum = 0, max = 0;
    for (const s of group) {
      decisions[s.decision]++;
      if (isErrorStep(s)) errors++;
      if (s.decision.startsWith('denied_')) denied++;
      tokensIn += s.tokens_in;
      tokensOut += s.tokens_out;
      cost += s.cost_est;
      if (s.reused) reused++;
      sum += s.latency_ms;
      if (s.latency_ms > max) max = s.latency_ms;
    }
    out.push({
      key,
      server: group[0].server,
      tool: group[0].tool,
      count: group.length,
      errors,
      errorRate: errors / group.length,
      denied,
      ...(([p50, p95]) => ({ p50, p95 }))(percentiles(latencies, [50, 95])),
      meanLatency: sum / group.length,
      maxLatency: max,
      tokensIn,
      tokensOut,
      cost,
      reused,
      decisions,
      latencies,
    });
  }
  return out.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export interface SessionMetrics {
  id: string;
  name: string;
  status: RunStatus;
  startedAt?: string;
  durationMs: number;
  configHash?: string;
  /** Every step record, child steps of code steps included; log records are not steps. */
  steps: number;
  topLevelSteps: number;
  childSteps: number;
  errors: number;
  errorRate: number;
  p50: number;
  p95: number;
  /** Latency summed over top-level steps (children run inside their code step's time). */
  latencyMs: number;
  /**
   * Tokens and cost are summed over top-level steps: what a child step returned flowed into the
   * sandbox, not into the model, and is accounted for by its code step (see tokensSaved).
   */
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** Sum over code steps of tokens_raw − tokens_returned. */
  tokensSaved: number;
  reused: number;
  /** Findings on steps and on log records (a log line can carry an injection or a secret). */
  findings: number;
  /** The servers' log records in the run, counted apart from the steps. */
  logs: number;
  decisions: DecisionCounts;
  toolsUsed: string[];
  servers: string[];
}

export function sessionMetrics(run: TraceRun): SessionMetrics {
  const decisions = emptyDecisionCounts();
  const ids = new Set(run.steps.map((s) => s.step_id));
  let top = 0, errors = 0, latencyMs = 0, tokensIn = 0, tokensOut = 0, cost = 0, saved = 0, reused = 0, findings = 0, logs = 0;
  const tools = new Set<string>();
  const servers = new Set<string>(run.header?.servers ?? []);
  const latencies: number[] = [];
  for (const s of run.steps) {
    findings += s.findings.length;
    if (s.server) servers.add(s.server);
    if (isLogRecord(s)) {
      logs++;
      continue;
    }
    latencies.push(s.latency_ms);
    decisions[s.decision]++;
    if (isErrorStep(s)) errors++;
    if (s.reused) reused++;
    tools.add(stepKey(s));
    const isChild = !!s.parent_id && ids.has(s.parent_id);
    if (!isChild) {
      top++;
      latencyMs += s.latency_ms;
      tokensIn += s.tokens_in;
      tokensOut += s.tokens_out;
      cost += s.cost_est;
    }
    if (s.kind === 'code' && typeof s.tokens_raw === 'number' && typeof s.tokens_returned === 'number') {
      saved += Math.max(0, s.tokens_raw - s.tokens_returned);
    }
  }
  const steps = latencies.length;
  const [p50, p95] = percentiles(latencies, [50, 95]);
  return {
    id: run.id,
    name: runName(run),
    status: runStatus(run),
    startedAt: run.header?.started_at ?? run.steps[0]?.started_at,
    durationMs: runDurationMs(run),
    configHash: run.header?.config_hash,
    steps,
    topLevelSteps: top,
    childSteps: steps - top,
    errors,
    errorRate: steps ? errors / steps : 0,
    p50,
    p95,
    latencyMs,
    tokensIn,
    tokensOut,
    cost,
    tokensSaved: saved,
    reused,
    findings,
    logs,
    decisions,
    toolsUsed: [...tools].sort(),
    servers: [...servers].sort(),
  };
}

export interface ReportSummary {
  total_sessions: number;
  total_steps: number;
  /** The servers' log records, not counted in total_steps. */
  total_logs: number;
  tools_used: string[];
  decisions: DecisionCounts;
}

export function summarise(runs: readonly TraceRun[]): ReportSummary {
  const decisions = emptyDecisionCounts();
  const tools = new Set<string>();
  let steps = 0, logs = 0;
  for (const run of runs) {
    for (const s of run.steps) {
      if (isLogRecord(s)) {
        logs++;
        continue;
      }
      decisions[s.decision]++;
      tools.add(stepKey(s));
      steps++;
    }
  }
  return { total_sessions: runs.length, total_steps: steps, total_logs: logs, tools_used: [...tools].sort(), decisions };
}
