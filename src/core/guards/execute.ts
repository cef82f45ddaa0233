// The execute stage's work for the guard pipeline: reach the server, call the tool with the call's timeouts,
// progress, task status and `_meta`, retry a read-only or idempotent tool after an error, and say which
// decision a failure gets. The pipeline records the stage; this part only talks to the connection.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, StepRecord } from '../../protocol/trace';
import type { CallMetaHook } from '../otel/ids';
import { ServerError, type PageToOpen } from '../servers/errors';
import type { Logger } from '../types';
import { followAll } from '../util/signals';
import { recordProgress, recordTaskStatus } from './callEvents';
import type { ConnectionProvider } from './catalog';
import type { GuardrailsConfig, PolicyConfig, ToolCallRequest } from './types';

const RETRY_DELAY_MS = 100;

export interface ToolExecutorOptions {
  sessionId: string;
  connections: ConnectionProvider;
  /** A signal for the whole session: aborting it cancels every running call. */
  signal?: AbortSignal;
  /** The `_meta` each tools/call carries (a traceparent when spans are exported). */
  callMeta?: CallMetaHook;
  logger: Logger;
}

/** The call as the executor sees it: progress and task status are noted on its record as they come. */
export interface ExecutedCall {
  readonly request: ToolCallRequest;
  readonly record: StepRecord;
  readonly policy: PolicyConfig;
  readonly guardrails: GuardrailsConfig;
}

export interface ExecutionFailure {
  decision: Decision;
  message: string;
  /** The pages the server asks the user to open before the call can succeed (-32042); never recorded. */
  pagesToOpen?: PageToOpen[];
}

/** The tool's result, or why there is none; `retries` says why earlier attempts were repeated. */
export type Execution = { raw: CallToolResult; retries: string[] } | { failure: ExecutionFailure; retries: string[] };

export class ToolExecutor {
  constructor(private readonly options: ToolExecutorOptions) {}

  /**
   * Calls the tool up to `attempts` times while attempts fail with an error (not a timeout or a cancel).
   * `whileInFlight` runs once the request is sent (in the event loop's check phase, before the answer can be
   * read), for bookkeeping the call does not wait for; it must be safe to run after the call ended.
   */
  async run(call: ExecutedCall, attempts: number, execArgs: Record<string, unknown>, whileInFlight: () => void): Promise<Execution> {
    const { request, policy } = call;
    const retries: string[] = [];
    const { connections } = this.options;
    const connection = connections.connectionIfStarted?.(request.server) ?? (await connections.ensureStarted(request.server).catch((err: Error) => err));
    if (connection instanceof Error) {
      // A start ended because the call was cancelled (the host stops the starts under way) is the cancel, not a server failure.
      if (request.signal?.aborted || this.options.signal?.aborted) {
        return { failure: { decision: 'cancelled', message: `The call was cancelled while the server '${request.server}' was starting (${connection.message})` }, retries };
      }
      return { failure: { decision: 'error', message: `The server '${request.server}' could not be started: ${connection.message}` }, retries };
    }
    const followed = followAll(request.signal, this.options.signal);
    const signal = followed.signal;
    // Progress or a task status after the call ended (a late notification) must not change the record or the live display.
    let ended = false;
    let failure: ExecutionFailure | undefined;
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const inFlight = connection.callTool(request.tool, execArgs, {
            signal,
            timeoutMs: policy.timeoutMs,
            maxTotalTimeoutMs: policy.maxTotalTimeoutMs,
            onProgress: (p) => {
              if (ended) return;
              recordProgress(call.record, call.guardrails, p);
              // The host shows the message as recorded: masked like the trace.
              const message = call.record.progress?.message;
              request.onProgress?.({ ...p, ...(message !== undefined ? { message } : {}) });
            },
            onTaskStatus: (u) => {
              if (ended) return;
              recordTaskStatus(call.record, call.guardrails, u);
              request.onTaskStatus?.(u);
            },
            // A server's sampling or elicitation request during this call is recorded as this step's child.
            origin: { sessionId: this.options.sessionId, stepId: request.stepId },
            ...this.metaFor(request),
          });
          // The request is written to the server in this turn's microtasks; the bookkeeping waits for the
          // check phase so it fills the wait for the answer instead of delaying the request.
          if (attempt === 1) setImmediate(whileInFlight);
          const raw = await inFlight;
          return raw ? { raw, retries } : { failure: { decision: 'error', message: 'The server returned no result.' }, retries };
        } catch (err) {
          failure = classifyError(err, signal);
          if (failure.decision !== 'error' || attempt === attempts || (err as { code?: string }).code === 'circuit_open' || signal?.aborted) break;
          retries.push(`attempt ${attempt} failed (${failure.message}); retrying because the tool is read-only or idempotent`);
          await delay(RETRY_DELAY_MS * attempt);
        }
      }
    } finally {
      followed.release();
      ended = true;
    }
    return { failure: failure ?? { decision: 'error', message: 'The server returned no result.' }, retries };
  }

  /** The host's `_meta` for this call; a hook that throws costs the call its `_meta`, never the call. */
  private metaFor(request: ToolCallRequest): { meta?: Record<string, unknown> } {
    const { callMeta } = this.options;
    if (!callMeta) return {};
    try {
      const meta = callMeta({ sessionId: this.options.sessionId, stepId: request.stepId, ...(request.parentId !== undefined ? { parentId: request.parentId } : {}), server: request.server, tool: request.tool });
      return meta ? { meta } : {};
    } catch (err) {
      this.options.logger.error(err as Error);
      return {};
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function classifyError(err: unknown, signal: AbortSignal | undefined): ExecutionFailure {
  const e = err as { code?: unknown; message?: string; name?: string };
  const message = e?.message ?? String(err);
  if (e?.code === 'cancelled' || signal?.aborted || e?.name === 'AbortError') return { decision: 'cancelled', message };
  if (e?.code === 'timeout' || e?.code === -32001 || e?.name === 'TimeoutError') return { decision: 'timeout', message };
  const pages = err instanceof ServerError ? err.facts.pages : undefined;
  return pages?.length ? { decision: 'error', message, pagesToOpen: pages } : { decision: 'error', message };
}
