// Upstream servers' requests (sampling, elicitation, roots) during a call of a stateless 2026-07-28 client.
// Such a client cannot be sent a request: the gateway answers its tools/call with an `input_required` result
// carrying the questions, and the client calls again with its answers and the `requestState` it was given.
// The upstream call keeps running on this replica between the rounds (a 2025 server is waiting on its
// request; a 2026 one on the harness's own input_required round), so the retry must reach this replica:
// the state names a call waiting here, and another replica refuses it with a message saying to call again.
// The client features still guard what is asked and what is answered (RunAnswerer), as for a session.
import { randomUUID } from 'node:crypto';
import { ErrorCode, McpError, type CallToolResult, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { AnswererLookup, RunAnswerer } from '../client/types';
import { clientAnswerer, type ResultSchema } from './forwarding';

/** How long a call waits for the client to come back with its answers before it is cancelled. */
export const DEFAULT_INPUT_WAIT_MS = 5 * 60_000;

interface Question {
  request: { method: string; params?: Record<string, unknown> };
  /** Validates the client's bare answer for this question. */
  parse(answer: unknown): unknown;
  resolve(answer: unknown): void;
  reject(err: Error): void;
}

/** One call of the client waiting between rounds, or running. */
interface Pending {
  id: string;
  done: Promise<CallToolResult>;
  /** Questions asked by the upstream, not yet sent to the client. */
  asked: Map<string, Question>;
  /** Questions sent in the last input_required result, waiting for the client's answers. */
  sent: Map<string, Question>;
  /** Cancels the upstream call (the client went, stopped answering, or the gateway stops). */
  cancel: AbortController;
  /** Wakes the round waiting for the next question or the call's end; set while a round is open. */
  wake?: () => void;
  expiry?: NodeJS.Timeout;
  nextKey: number;
  /** The caller's view of the round being answered (e.g. where progress goes); each retry brings its own. */
  context: unknown;
}

export type InputRequiredAnswer = { resultType: 'input_required'; inputRequests: Record<string, { method: string; params?: Record<string, unknown> }>; requestState: string };

export class InputRounds {
  /** Calls of this client, by the requestState they were given. */
  private readonly pending = new Map<string, Pending>();
  /** The answerer of each running call, by its step id (the calls run_code makes belong to their code step). */
  private readonly byStep = new Map<string, RunAnswerer>();

  constructor(
    private readonly clientName: () => string,
    private readonly waitMs = DEFAULT_INPUT_WAIT_MS,
  ) {}

  readonly lookup: AnswererLookup = (stepId) => this.byStep.get(stepId) ?? this.byStep.get(stepId.split('.')[0]);

  /** Calls waiting for their client's answers (the client is not idle while one waits). */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Starts a call whose server requests, for the capabilities the client declared, become input_required
   * rounds; then answers its first round.
   */
  start<C>(
    stepId: string,
    capabilities: ClientCapabilities | undefined,
    signal: AbortSignal,
    call: (signal: AbortSignal, round: () => C) => Promise<CallToolResult>,
    context?: C,
  ): Promise<CallToolResult | InputRequiredAnswer> {
    const pending: Pending = { id: randomUUID(), done: undefined as never, asked: new Map(), sent: new Map(), cancel: new AbortController(), nextKey: 1, context };
    const answerer = this.answerer(pending, capabilities ?? {});
    if (answerer) this.byStep.set(stepId, answerer);
    pending.done = call(pending.cancel.signal, () => pending.context as C).finally(() => {
      if (this.byStep.get(stepId) === answerer) this.byStep.delete(stepId);
      // Ended between rounds: the result waits for the client's retry (or the expiry).
      pending.wake?.();
    });
    // Settled by round(); a call nobody waits for any more must not report an unhandled rejection.
    pending.done.catch(() => undefined);
    this.pending.set(pending.id, pending);
    return this.round(pending, signal);
  }

  /** A retry carrying `requestState` and the client's answers: hands them to the upstream, answers the next round. */
  resume(state: unknown, answers: Record<string, unknown> | undefined, signal: AbortSignal, context?: unknown): Promise<CallToolResult | InputRequiredAnswer> {
    const pending = typeof state === 'string' ? this.pending.get(state) : undefined;
    if (!pending || pending.wake) {
      throw new McpError(
        ErrorCode.InvalidParams,
        'The requestState does not name a call waiting for answers on this gateway (it finished, waited too long, or is waiting on another replica). Call the tool again.',
      );
    }
    clearTimeout(pending.expiry);
    if (context !== undefined) pending.context = context;
    for (const [key, question] of pending.sent) {
      const answer = answers?.[key];
      if (answer === undefined) {
        question.reject(new Error(`${this.clientName()} sent no answer for ${question.request.method}.`));
        continue;
      }
      try {
        question.resolve(question.parse(answer));
      } catch (err) {
        question.reject(new Error(`${this.clientName()} answered ${question.request.method} with something that is not a valid result: ${(err as Error).message}`));
      }
    }
    pending.sent.clear();
    return this.round(pending, signal);
  }

  /** Cancels every call waiting between rounds (the client has gone). */
  cancelAll(reason: Error): void {
    for (const pending of this.pending.values()) pending.cancel.abort(reason);
  }

  /** Waits until the call ends (its result) or asks something (an input_required result naming it). */
  private async round(pending: Pending, signal: AbortSignal): Promise<CallToolResult | InputRequiredAnswer> {
    // While a round is open its request is the call's: the client hanging up cancels the call.
    const onAbort = () => pending.cancel.abort(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.wake = () => undefined;
    try {
      for (;;) {
        if (pending.asked.size === 0) {
          const woken = new Promise<void>((resolve) => (pending.wake = resolve));
          const ended = await Promise.race([pending.done.then(() => true, () => true), woken.then(() => false)]);
          if (ended) {
            this.forget(pending);
            return await pending.done;
          }
          if (pending.asked.size === 0) continue;
        }
        // Requests asked together (run_code's Promise.all) go out in one round.
        await new Promise((resolve) => setImmediate(resolve));
        const inputRequests: InputRequiredAnswer['inputRequests'] = {};
        for (const [key, question] of pending.asked) {
          inputRequests[key] = question.request;
          pending.sent.set(key, question);
        }
        pending.asked.clear();
        pending.expiry = setTimeout(() => this.expire(pending), this.waitMs);
        return { resultType: 'input_required', inputRequests, requestState: pending.id };
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      pending.wake = undefined;
    }
  }

  private expire(pending: Pending): void {
    const reason = new Error(`${this.clientName()} did not answer the server's request within ${Math.ceil(this.waitMs / 1000)} s; the call was cancelled.`);
    for (const question of pending.sent.values()) question.reject(reason);
    pending.sent.clear();
    pending.cancel.abort(reason);
    this.forget(pending);
  }

  private forget(pending: Pending): void {
    clearTimeout(pending.expiry);
    this.pending.delete(pending.id);
  }

  private ask(pending: Pending, method: string, params: object | undefined, schema: ResultSchema, signal: AbortSignal): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const key = `r${pending.nextKey++}`;
      const question: Question = { request: { method, ...(params ? { params: params as Record<string, unknown> } : {}) }, parse: (a) => schema.parse(a), resolve, reject };
      const settle = () => {
        pending.asked.delete(key);
        pending.sent.delete(key);
      };
      signal.addEventListener('abort', () => (settle(), reject(signal.reason instanceof Error ? signal.reason : new Error('The request was cancelled.'))), { once: true });
      pending.asked.set(key, question);
      pending.wake?.();
    });
  }

  /** Only the capabilities the client declared (in the request's envelope); undefined when it declared none. */
  private answerer(pending: Pending, caps: ClientCapabilities): RunAnswerer | undefined {
    return clientAnswerer(caps, this.clientName, (method, schema, signal, params) => this.ask(pending, method, params, schema, signal));
  }
}

export function isInputRequired(result: CallToolResult | InputRequiredAnswer): result is InputRequiredAnswer {
  return (result as InputRequiredAnswer).resultType === 'input_required';
}
