// Types of the code sandbox: what callers pass to `Sandbox.execute` and get back, and the messages
// exchanged with the worker thread that hosts QuickJS.
import type { ToolGateway } from '../guards/types';
import type { StepRecord } from '../../protocol/trace';

export type SandboxErrorKind = 'timeout' | 'memory' | 'stack' | 'runtime' | 'denied' | 'output_too_large';

export interface SandboxLimits {
  /** Wall-clock deadline of one execution (setting mcpHarness.sandbox.timeoutMs). */
  timeoutMs: number;
  /** Cap of the WASM linear memory of one execution (setting mcpHarness.sandbox.memoryMb). */
  memoryMb: number;
  /** QuickJS stack size (setting mcpHarness.sandbox.stackKb). */
  stackKb: number;
  /** Tool calls per execution (setting mcpHarness.sandbox.maxToolCalls). */
  maxToolCalls: number;
  /** Bytes of the returned value after the context optimizer (setting mcpHarness.sandbox.maxOutputBytes). */
  maxOutputBytes: number;
  /** Pending-job (microtask) runs per execution: bounds promise floods that never yield to a tool. */
  maxPendingJobs: number;
  /** Nesting depth of the returned value. */
  maxResultDepth: number;
  /** Tokens the context optimizer aims for when it summarises the returned value. */
  resultTokenBudget: number;
  /** Captured console output, bytes in total. */
  maxLogBytes: number;
  /** Bytes of JSON the per-session workspace may hold. */
  maxWorkspaceBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 5000,
  memoryMb: 64,
  stackKb: 256,
  maxToolCalls: 100,
  maxOutputBytes: 64 * 1024,
  maxPendingJobs: 1_000_000,
  maxResultDepth: 64,
  resultTokenBudget: 4000,
  maxLogBytes: 64 * 1024,
  maxWorkspaceBytes: 1024 * 1024,
};

/** Bounds of each limit, so a setting or CLI flag out of range gets a clear message instead of a broken sandbox. */
export const LIMIT_BOUNDS: Record<keyof SandboxLimits, [number, number]> = {
  timeoutMs: [50, 10 * 60_000],
  // QuickJS needs 16 MB of linear memory to start.
  memoryMb: [24, 2048],
  stackKb: [64, 4096],
  maxToolCalls: [0, 100_000],
  maxOutputBytes: [256, 64 * 1024 * 1024],
  maxPendingJobs: [1000, 1_000_000_000],
  maxResultDepth: [1, 1000],
  resultTokenBudget: [50, 1_000_000],
  maxLogBytes: [0, 64 * 1024 * 1024],
  maxWorkspaceBytes: [0, 256 * 1024 * 1024],
};

/**
 * Emscripten grows memory by at least 2.5 % at a time, so a heap above 97 % of the cap can no longer grow:
 * it is full, even when the guest keeps catching the "out of memory" errors.
 */
export const MEMORY_FULL = 0.97;

export interface LogEntry {
  level: 'log' | 'info' | 'warn' | 'error';
  text: string;
}

/** The limit a run hit, so the host can say how to raise it (the message itself is host-neutral). */
export interface LimitHit {
  name: keyof SandboxLimits;
  value: number;
}

export interface SandboxError {
  kind: SandboxErrorKind;
  message: string;
  limit?: LimitHit;
  /** For `denied`: the guard decision and its reasons. */
  decision?: string;
  reasons?: string[];
}

export interface ExecMetrics {
  duration_ms: number;
  tool_calls: number;
  /** Tokens of every tool result that flowed into the sandbox. */
  tokens_raw: number;
  /** Tokens of the returned (optimized) value plus the logs. */
  tokens_returned: number;
  /** Size of the WASM linear memory at its largest during the run. */
  heap_bytes_peak: number;
}

export interface ExecResult {
  ok: boolean;
  value?: unknown;
  logs: LogEntry[];
  error?: SandboxError;
  metrics: ExecMetrics;
  /** The guarded tool calls the code made, each with parent_id = the code step's id. */
  childSteps: StepRecord[];
  /** True when the context optimizer summarised or cut the returned value. */
  optimized?: boolean;
}

export interface SkillSource {
  /** Name as used in `skills.<name>` (already a valid identifier). */
  name: string;
  source: string;
  /** Where it came from, for error messages. */
  file?: string;
}

/** Per-session state the code steps of one session share; see SessionWorkspace. */
export interface WorkspaceStore {
  snapshot(): Record<string, string>;
  replace(entries: Record<string, string>): void;
}

export interface ExecuteOptions {
  /** An async function body; its return value is the result. */
  code: string;
  gateway: ToolGateway;
  /** The code step's id: every tool call becomes a child step with this parent_id. */
  parentStepId: string;
  limits?: Partial<SandboxLimits>;
  skills?: SkillSource[];
  workspace?: WorkspaceStore;
  signal?: AbortSignal;
  /** Only these servers are visible to the code (all when absent). */
  servers?: string[];
}

// ---- main ⇄ worker messages ----

export interface ToolIndex {
  /** sanitised server name → sanitised tool name → "server/tool" */
  [server: string]: Record<string, string>;
}

export interface ExecMessage {
  type: 'exec';
  id: number;
  code: string;
  limits: SandboxLimits;
  skills: SkillSource[];
  workspace: Record<string, string>;
  toolIndex: ToolIndex;
  deadline: number;
}

export type HostOp = 'servers' | 'search' | 'describe' | 'call';

/**
 * The host calls one batch of the guest's jobs made (e.g. every call of one Promise.all), in order, as one
 * string: "execId firstCallId" on the first line, then one "op argsJson" per line (argsJson: the arguments' JSON
 * array as the guest serialised it, parsed on the main thread; JSON text never holds a raw newline). Their call
 * ids are `firstCallId`, `firstCallId + 1`, … A string crosses the thread boundary cheaper than any object: the
 * worker's other messages are objects, so a string on its port is always a batch of calls.
 */
export type HostCallMessage = string;

export function encodeCalls(execId: number, firstCallId: number, text: string): HostCallMessage {
  return `${execId} ${firstCallId}\n${text}`;
}

/** The execution a batch of calls belongs to. */
export function callsExecId(msg: HostCallMessage): number {
  return Number(msg.slice(0, msg.indexOf(' ')));
}

/** Hands each call of a batch (see HostCallMessage) to `each`, in order. */
export function forEachCall(msg: HostCallMessage, each: (callId: number, op: HostOp, argsJson: string) => void): void {
  const header = msg.indexOf('\n');
  let callId = Number(msg.slice(msg.indexOf(' ') + 1, header));
  let start = header + 1;
  while (start < msg.length) {
    let end = msg.indexOf('\n', start);
    if (end < 0) end = msg.length;
    const space = msg.indexOf(' ', start);
    each(callId++, msg.slice(start, space) as HostOp, msg.slice(space + 1, end));
    start = end + 1;
  }
}

export interface HostReplyMessage {
  type: 'reply';
  execId: number;
  callId: number;
  /** JSON text of the value handed to the guest. */
  json?: string;
  error?: { name: string; message: string; decision?: string; reasons?: string[]; step_id?: string };
  /** Ends the run: the guest cannot catch it (e.g. the tool-call limit). */
  fatal?: SandboxError;
}

/**
 * A reply as it crosses to the worker: one string, "execId callId " then `j` and the value's JSON, `e` and the
 * error's JSON, or `f` and the fatal error's JSON.
 */
export type HostReplyWire = string;

export function encodeReply(execId: number, callId: number, reply: Pick<HostReplyMessage, 'json' | 'error' | 'fatal'>): HostReplyWire {
  const head = `${execId} ${callId} `;
  if (reply.fatal) return `${head}f${JSON.stringify(reply.fatal)}`;
  if (reply.error) return `${head}e${JSON.stringify(reply.error)}`;
  return `${head}j${reply.json ?? 'null'}`;
}

export function decodeReply(wire: HostReplyWire): HostReplyMessage {
  const first = wire.indexOf(' ');
  const second = wire.indexOf(' ', first + 1);
  const execId = Number(wire.slice(0, first));
  const callId = Number(wire.slice(first + 1, second));
  const kind = wire.charCodeAt(second + 1);
  const body = wire.slice(second + 2);
  // 'j' = 106, 'e' = 101, else 'f'
  if (kind === 106) return { type: 'reply', execId, callId, json: body };
  if (kind === 101) return { type: 'reply', execId, callId, error: JSON.parse(body) as HostReplyMessage['error'] };
  return { type: 'reply', execId, callId, fatal: JSON.parse(body) as SandboxError };
}

export interface WorkerDone {
  type: 'done';
  execId: number;
  ok: boolean;
  /** JSON text of the returned value (undefined becomes absent). */
  json?: string;
  error?: SandboxError;
  logs: LogEntry[];
  heapBytes: number;
  workspace: Record<string, string>;
  /** Tokens of every tool result that flowed in, counted in the worker. */
  tokensRaw: number;
  /** Tokens of the returned (optimized) JSON plus the logs, counted in the worker. */
  tokensReturned: number;
  /** The context optimizer summarised or cut the value. */
  optimized: boolean;
  /**
   * Set when the run's QuickJS runtime could not be freed (its WASM module aborted): the worker that ran
   * it must not run anything else and is replaced. Says what failed, for the log.
   */
  retire?: string;
}

/** On the worker's port; replies to host calls go over their own channel (see worker.ts). */
export type MainToWorker = ExecMessage;
/** Output of the worker itself (not of the guest), e.g. the Emscripten module's; it goes to the host's log. */
export interface WorkerLogMessage {
  type: 'log';
  text: string;
}

export type WorkerToMain = { type: 'ready' } | { type: 'guest-done'; execId: number } | HostCallMessage | WorkerDone | WorkerLogMessage;
