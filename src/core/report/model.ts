// The trace model the reports and the trace explorer share: JSONL text → runs (header, steps,
// end), with every unreadable line kept as a message instead of failing the whole file.
// Browser-safe on purpose (no node: imports): the webview bundle uses it to merge live steps.
import type { BadLine, RunSnapshot } from '../../protocol/messages';
import {
  DECISIONS,
  type Decision,
  type SessionEnd,
  type SessionHeader,
  type SessionStatus,
  type StepKind,
  type StepRecord,
} from '../../protocol/trace';

export type TraceRun = RunSnapshot;
export type RunStatus = SessionStatus | 'running' | 'incomplete';

export interface TraceLoad {
  runs: TraceRun[];
  badLines: BadLine[];
}

/** Lines longer than this are reported, not parsed: a trace line is one record, a few KB at most. */
export const MAX_TRACE_LINE_CHARS = 4 * 1024 * 1024;

const DECISION_SET: ReadonlySet<string> = new Set(DECISIONS);
/** The kinds a step line keeps (a log record must stay a log record); a line without a known kind is a tool step. */
const STEP_KINDS: Record<StepKind, true> = { tool: true, code: true, model: true, resource: true, prompt: true, sampling: true, elicitation: true, log: true };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function missing(obj: Record<string, unknown>, fields: [string, 'string' | 'number'][]): string[] {
  return fields.filter(([k, t]) => typeof obj[k] !== t).map(([k]) => k);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Checks a step line and fills optional arrays/numbers so the rest of the code can trust it. */
function normaliseStep(o: Record<string, unknown>): StepRecord | string {
  const absent = missing(o, [['session_id', 'string'], ['step_id', 'string'], ['tool', 'string'], ['decision', 'string']]);
  if (absent.length) return `a step record without ${absent.join(', ')}`;
  if (!DECISION_SET.has(o.decision as string)) return `step '${String(o.step_id)}' has an unknown decision '${String(o.decision)}'`;
  return {
    ...(o as unknown as StepRecord),
    kind: typeof o.kind === 'string' && Object.hasOwn(STEP_KINDS, o.kind) ? (o.kind as StepKind) : 'tool',
    role: (typeof o.role === 'string' ? o.role : 'tool') as StepRecord['role'],
    channel: (typeof o.channel === 'string' ? o.channel : 'llm_to_tool') as StepRecord['channel'],
    server: typeof o.server === 'string' ? o.server : '',
    reasons: Array.isArray(o.reasons) ? (o.reasons.filter((r) => typeof r === 'string') as string[]) : [],
    stages: Array.isArray(o.stages) ? (o.stages.filter(isObject) as unknown as StepRecord['stages']) : [],
    findings: Array.isArray(o.findings) ? (o.findings.filter(isObject) as unknown as StepRecord['findings']) : [],
    started_at: typeof o.started_at === 'string' ? o.started_at : '',
    latency_ms: num(o.latency_ms),
    tokens_in: num(o.tokens_in),
    tokens_out: num(o.tokens_out),
    cost_est: num(o.cost_est),
  };
}

function describeJsonError(err: unknown): string {
  return err instanceof Error ? err.message.replace(/^JSON\.parse: /, '') : String(err);
}

/**
 * Parses trace JSONL. Never throws: bad lines become `badLines` entries (1-based line numbers)
 * and the good lines still make runs. A last line cut off mid-record is called out as truncated.
 */
export function parseTrace(text: string, source?: string): TraceLoad {
  const runs = new Map<string, TraceRun>();
  const badLines: BadLine[] = [];
  const bad = (line: number, message: string): void => void badLines.push(source ? { line, message, source } : { line, message });
  const runFor = (id: string): TraceRun => {
    let run = runs.get(id);
    if (!run) {
      run = { id, steps: [], ...(source ? { source } : {}) };
      runs.set(id, run);
    }
    return run;
  };
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const isLast = i === lines.length - 1 && !endsWithNewline;
    if (raw.length > MAX_TRACE_LINE_CHARS) {
      bad(lineNo, `line is ${raw.length} characters long, more than the ${MAX_TRACE_LINE_CHARS} a trace record may have; it was skipped.`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      bad(
        lineNo,
        isLast
          ? `the last line is cut off (${describeJsonError(err)}); the file was truncated or is still being written, so this record was skipped.`
          : `not valid JSON (${describeJsonError(err)}); the line was skipped.`,
      );
      continue;
    }
    if (!isObject(value)) {
      bad(lineNo, 'not a trace record (expected a JSON object with a "type"); the line was skipped.');
      continue;
    }
    switch (value.type) {
      case 'session': {
        const absent = missing(value, [['session_id', 'string'], ['started_at', 'string']]);
        if (absent.length) {
          bad(lineNo, `a session header without ${absent.join(', ')}; the line was skipped.`);
          break;
        }
        const header = value as unknown as SessionHeader;
        const run = runFor(header.session_id);
        if (run.header) bad(lineNo, `a second header for session '${header.session_id}'; the first one is kept.`);
        else
          run.header = {
            ...header,
            name: typeof header.name === 'string' ? header.name : header.session_id,
            config_hash: typeof header.config_hash === 'string' ? header.config_hash : '',
            servers: Array.isArray(header.servers) ? header.servers : [],
          };
        break;
      }
      case 'step': {
        const step = normaliseStep(value);
        if (typeof step === 'string') {
          bad(lineNo, `${step}; the line was skipped.`);
          break;
        }
        runFor(step.session_id).steps.push(step);
        break;
      }
      case 'end': {
        const absent = missing(value, [['session_id', 'string'], ['status', 'string']]);
        if (absent.length) {
          bad(lineNo, `a session end record without ${absent.join(', ')}; the line was skipped.`);
          break;
        }
        runFor(value.session_id as string).end = value as unknown as SessionEnd;
        break;
      }
      default:
        bad(lineNo, `unknown record type ${JSON.stringify(value.type ?? null)}; the line was skipped.`);
    }
  }
  return { runs: [...runs.values()], badLines };
}

/**
 * Merges several loads into one list. A session id seen twice (the same trace passed twice, or a
 * copied file) keeps the first run; steps it lacks are added from the later ones.
 */
export function mergeLoads(loads: TraceLoad[]): TraceLoad {
  const byId = new Map<string, TraceRun>();
  const badLines: BadLine[] = [];
  for (const load of loads) {
    badLines.push(...load.badLines);
    for (const run of load.runs) {
      const existing = byId.get(run.id);
      if (!existing) {
        byId.set(run.id, { ...run, steps: [...run.steps] });
        continue;
      }
      existing.header ??= run.header;
      existing.end ??= run.end;
      appendSteps(existing, run.steps);
    }
  }
  return { runs: sortRuns([...byId.values()]), badLines };
}

/** Adds steps, skipping ids the run already has (live messages may repeat what init carried). */
export function appendSteps(run: TraceRun, steps: StepRecord[]): number {
  const seen = new Set(run.steps.map((s) => s.step_id));
  let added = 0;
  for (const s of steps) {
    if (seen.has(s.step_id)) continue;
    seen.add(s.step_id);
    run.steps.push(s);
    added++;
  }
  return added;
}

export function runStartMs(run: TraceRun): number {
  const h = run.header ? Date.parse(run.header.started_at) : NaN;
  if (Number.isFinite(h)) return h;
  let min = Infinity;
  for (const s of run.steps) {
    const t = Date.parse(s.started_at);
    if (Number.isFinite(t) && t < min) min = t;
  }
  return Number.isFinite(min) ? min : 0;
}

/** Newest first, the order of the Sessions tree and the run picker. */
export function sortRuns(runs: TraceRun[]): TraceRun[] {
  return runs.sort((a, b) => runStartMs(b) - runStartMs(a));
}

export function runName(run: TraceRun): string {
  return run.header?.name || run.id;
}

export function runStatus(run: TraceRun): RunStatus {
  if (run.end) return run.end.status;
  return run.header ? 'running' : 'incomplete';
}

export function runDurationMs(run: TraceRun): number {
  if (run.end && Number.isFinite(run.end.duration_ms)) return run.end.duration_ms;
  const start = runStartMs(run);
  let last = start;
  for (const s of run.steps) {
    const t = Date.parse(s.started_at);
    if (Number.isFinite(t)) last = Math.max(last, t + s.latency_ms);
  }
  return Math.max(0, last - start);
}

/**
 * A server's log message (notifications/message, resources/updated, tools/list_changed) recorded in the run.
 * It is not a step: step counts, latencies and decisions leave it out, and reports list logs on their own.
 */
export function isLogRecord(s: Pick<StepRecord, 'kind'>): boolean {
  return s.kind === 'log';
}

export function isFailure(decision: Decision): boolean {
  return decision === 'error' || decision === 'timeout';
}

export function isDenied(decision: Decision): boolean {
  return decision.startsWith('denied_');
}

export interface StepNode {
  step: StepRecord;
  depth: number;
  children: StepNode[];
}

/**
 * Steps in display order: each top-level step followed by its child steps (tool calls made by a
 * code step), children in the order they were written. Orphans (parent not in the trace) show at
 * top level so nothing is hidden.
 */
export function orderedSteps(steps: StepRecord[]): { step: StepRecord; depth: number }[] {
  const ids = new Set(steps.map((s) => s.step_id));
  const children = new Map<string, StepRecord[]>();
  const roots: StepRecord[] = [];
  for (const s of steps) {
    if (s.parent_id && ids.has(s.parent_id) && s.parent_id !== s.step_id) {
      const list = children.get(s.parent_id);
      if (list) list.push(s);
      else children.set(s.parent_id, [s]);
    } else roots.push(s);
  }
  const out: { step: StepRecord; depth: number }[] = [];
  const visited = new Set<string>();
  const visit = (s: StepRecord, depth: number): void => {
    if (visited.has(s.step_id)) return;
    visited.add(s.step_id);
    out.push({ step: s, depth });
    for (const c of children.get(s.step_id) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  // A parent cycle leaves steps unvisited; show them rather than lose them.
  for (const s of steps) if (!visited.has(s.step_id)) visit(s, 0);
  return out;
}
