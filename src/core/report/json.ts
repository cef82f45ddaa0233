// The JSON report: {mcp_details: {sessions, summary}} with args/outputs masked once more.
import type { StepRecord } from '../../protocol/trace';
import { maskValue } from './mask';
import { sessionMetrics, summarise, toolMetrics, type ReportSummary, type SessionMetrics, type ToolMetrics } from './metrics';
import { isLogRecord, orderedSteps, type TraceRun } from './model';

export interface JsonReportSession {
  session_id: string;
  name: string;
  status: SessionMetrics['status'];
  started_at?: string;
  duration_ms: number;
  config_hash?: string;
  source_file?: string;
  trace_file?: string;
  model?: string;
  servers: string[];
  metrics: Omit<SessionMetrics, 'id' | 'name' | 'status' | 'startedAt' | 'durationMs' | 'configHash' | 'servers'>;
  tools: Omit<ToolMetrics, 'latencies'>[];
  steps: StepRecord[];
  /** The servers' log records (kind 'log'), apart from the steps. */
  logs: StepRecord[];
  error?: string;
}

export interface JsonReport {
  mcp_details: {
    generated_at: string;
    sessions: JsonReportSession[];
    summary: ReportSummary;
  };
}

export interface JsonReportOptions {
  /** Leave out args/output/logs entirely (only metadata and decisions). Default false. */
  omitPayloads?: boolean;
  now?: Date;
}

function maskStep(step: StepRecord, omitPayloads: boolean): StepRecord {
  const { args, output, logs, ...rest } = step;
  if (omitPayloads) return rest;
  const out: StepRecord = { ...rest };
  if (args !== undefined) out.args = maskValue(args);
  if (output !== undefined) out.output = maskValue(output);
  if (logs !== undefined) out.logs = maskValue(logs) as StepRecord['logs'];
  if (out.error) out.error = maskValue(out.error) as string;
  return out;
}

export function buildJsonReport(runs: readonly TraceRun[], options: JsonReportOptions = {}): JsonReport {
  const sessions = runs.map((run): JsonReportSession => {
    const { id: _id, name, status, startedAt, durationMs, configHash, servers, ...metrics } = sessionMetrics(run);
    return {
      session_id: run.id,
      name,
      status,
      ...(startedAt ? { started_at: startedAt } : {}),
      duration_ms: durationMs,
      ...(configHash ? { config_hash: configHash } : {}),
      ...(run.header?.source_file ? { source_file: run.header.source_file } : {}),
      ...(run.source ? { trace_file: run.source } : {}),
      ...(run.header?.model ? { model: run.header.model } : {}),
      servers,
      metrics,
      tools: toolMetrics(run.steps).map(({ latencies: _l, ...t }) => t),
      steps: orderedSteps(run.steps.filter((s) => !isLogRecord(s))).map(({ step }) => maskStep(step, options.omitPayloads === true)),
      logs: run.steps.filter(isLogRecord).map((step) => maskStep(step, options.omitPayloads === true)),
      ...(run.end?.error ? { error: run.end.error } : {}),
    };
  });
  return {
    mcp_details: {
      generated_at: (options.now ?? new Date()).toISOString(),
      sessions,
      summary: summarise(runs),
    },
  };
}

/** The JSON report as text (NaN percentiles of empty runs become null). */
export function writeJsonReport(runs: readonly TraceRun[], options: JsonReportOptions = {}): string {
  return JSON.stringify(buildJsonReport(runs, options), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
