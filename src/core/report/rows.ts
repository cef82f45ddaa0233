// One flat row per step: the shape of the CSV file and of the XLSX MCP_Details sheet. The servers' log
// records are not steps: they have rows of their own (the XLSX Logs sheet).
import type { StepRecord } from '../../protocol/trace';
import { maskString, maskValue } from './mask';
import { isLogRecord, runName, orderedSteps, type TraceRun } from './model';

export interface DetailRow {
  session_id: string;
  session_name: string;
  step_id: string;
  parent_id: string;
  started_at: string;
  kind: string;
  role: string;
  channel: string;
  server: string;
  tool: string;
  decision: string;
  latency_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_est: number;
  /** `kind@path` of each finding, `; `-separated; never the value. */
  findings: string;
  reused: boolean;
  reasons: string;
  error: string;
}

export const DETAIL_COLUMNS: { key: keyof DetailRow; header: string; width: number }[] = [
  { key: 'session_id', header: 'Session ID', width: 24 },
  { key: 'session_name', header: 'Session', width: 22 },
  { key: 'step_id', header: 'Step ID', width: 16 },
  { key: 'parent_id', header: 'Parent step', width: 14 },
  { key: 'started_at', header: 'Started', width: 24 },
  { key: 'kind', header: 'Kind', width: 7 },
  { key: 'role', header: 'Role', width: 10 },
  { key: 'channel', header: 'Channel', width: 13 },
  { key: 'server', header: 'Server', width: 14 },
  { key: 'tool', header: 'Tool', width: 20 },
  { key: 'decision', header: 'Decision', width: 17 },
  { key: 'latency_ms', header: 'Latency (ms)', width: 12 },
  { key: 'tokens_in', header: 'Tokens in', width: 10 },
  { key: 'tokens_out', header: 'Tokens out', width: 11 },
  { key: 'cost_est', header: 'Cost (USD)', width: 11 },
  { key: 'findings', header: 'Findings', width: 30 },
  { key: 'reused', header: 'Reused', width: 8 },
  { key: 'reasons', header: 'Reasons', width: 40 },
  { key: 'error', header: 'Error', width: 30 },
];

/** The columns a step's row and a log record's row share: which run, which record, when and from which server. */
function recordColumns(run: TraceRun, name: string, step: StepRecord) {
  return { session_id: run.id, session_name: name, step_id: step.step_id, started_at: step.started_at, server: step.server, findings: findingsText(step) };
}

export function findingsText(step: StepRecord): string {
  return step.findings.map((f) => (f.path ? `${f.kind}@${f.path}` : f.kind)).join('; ');
}

export function detailRows(runs: readonly TraceRun[]): DetailRow[] {
  const rows: DetailRow[] = [];
  for (const run of runs) {
    const name = runName(run);
    for (const { step } of orderedSteps(run.steps)) {
      if (isLogRecord(step)) continue;
      rows.push({
        ...recordColumns(run, name, step),
        parent_id: step.parent_id ?? '',
        kind: step.kind,
        role: step.role,
        channel: step.channel,
        tool: step.tool,
        decision: step.decision,
        latency_ms: step.latency_ms,
        tokens_in: step.tokens_in,
        tokens_out: step.tokens_out,
        cost_est: step.cost_est,
        reused: step.reused === true,
        reasons: maskString(step.reasons.join('; ')),
        error: maskString(step.error ?? ''),
      });
    }
  }
  return rows;
}

export interface LogRow {
  session_id: string;
  session_name: string;
  step_id: string;
  started_at: string;
  server: string;
  /** The notification it came as (notifications/message, notifications/resources/updated, …). */
  method: string;
  level: string;
  /** The recorded (already redacted) content, masked once more. */
  message: string;
  findings: string;
}

export const LOG_COLUMNS: { key: keyof LogRow; header: string; width: number }[] = [
  { key: 'session_id', header: 'Session ID', width: 24 },
  { key: 'session_name', header: 'Session', width: 22 },
  { key: 'step_id', header: 'Record ID', width: 14 },
  { key: 'started_at', header: 'Time', width: 24 },
  { key: 'server', header: 'Server', width: 14 },
  { key: 'method', header: 'Notification', width: 30 },
  { key: 'level', header: 'Level', width: 9 },
  { key: 'message', header: 'Message', width: 60 },
  { key: 'findings', header: 'Findings', width: 30 },
];

const MAX_LOG_MESSAGE_CHARS = 2000;

function logMessage(step: StepRecord): string {
  const out = step.output as { data?: unknown } | undefined;
  const data = out && typeof out === 'object' && 'data' in out ? out.data : out;
  const shown = maskValue(data);
  const masked = [...step.reasons.map(maskString), ...(shown === undefined ? [] : [typeof shown === 'string' ? shown : JSON.stringify(shown)])].join('; ');
  return masked.length > MAX_LOG_MESSAGE_CHARS ? `${masked.slice(0, MAX_LOG_MESSAGE_CHARS)}… [cut]` : masked;
}

export function logRows(runs: readonly TraceRun[]): LogRow[] {
  const rows: LogRow[] = [];
  for (const run of runs) {
    const name = runName(run);
    for (const step of run.steps) {
      if (!isLogRecord(step)) continue;
      rows.push({ ...recordColumns(run, name, step), method: step.tool, level: step.level ?? '', message: logMessage(step) });
    }
  }
  return rows;
}
