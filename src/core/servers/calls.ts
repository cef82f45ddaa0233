// Requests over a running connection: tool calls with their timeout, cancellation and progress, other
// requests with the default timeout, and the translation of every failure into a ServerError that
// names the limit it hit. A call to a running server goes out without an await in between.
import type { Client, RequestOptions, Tool as SdkTool } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { findNeedsSignIn } from '../auth/errors';
import { formatMs, LimitError, messageOf, ServerError, URL_ELICITATION_REQUIRED, withHint, type PageToOpen, type ServerErrorHint, type ServerLimit } from './errors';
import type { Lifecycle } from './lifecycle';
import type { LiveConnection } from './live';
import type { Managed, ServerRegistry } from './registry';
import { isMcpError } from './sdk';
import { callToolAsTask, requiresTask } from './tasks';
import { isToolAllowed } from './toolFilter';
import type { ServerRequestHandlers } from './serverRequests';
import type { CallOptions } from './types';
import { followAll } from '../util/signals';

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET'];

export class ServerCalls<H> {
  constructor(
    private readonly registry: ServerRegistry<H>,
    private readonly lifecycle: Lifecycle<H>,
    private readonly requestTimeoutMs: number,
    private readonly hint: ServerErrorHint | undefined,
    /** The host's handlers, for a task that asks for input while it runs. */
    private readonly serverRequests?: ServerRequestHandlers,
  ) {}

  async callTool(id: string, name: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const m = this.registry.get(id);
    const def = m.definition;
    if (!isToolAllowed(name, def)) {
      throw new ServerError(`The tool '${name}' of ${def.name} is hidden by 'includeTools'/'excludeTools' in ${def.source.file}.`, 'tool_filtered', def.id);
    }
    if (options.signal?.aborted) {
      throw new ServerError(`The call to the tool '${name}' on ${def.name} was cancelled before it started.`, 'cancelled', def.id);
    }
    // A running server gets the request at once, without an await in between.
    const live = m.live && !m.live.closed ? m.live : await this.lifecycle.live(m, 'auto');
    // The listed definition validates the output and (2026, HTTP) mirrors parameters into headers.
    const toolDefinition = m.rawTools?.find((t) => t.name === name) as SdkTool | undefined;
    if (requiresTask(toolDefinition)) {
      // Created, polled to its end and cancelled with the call (./tasks); the call's timeout bounds the whole task.
      return this.tracked(m, live, `the tool '${name}'`, options, (client, request) =>
        callToolAsTask(client, def.id, toolDefinition!, args, {
          signal: request.signal!,
          timeoutMs: request.timeout!,
          deadlineMs: request.timeout!,
          onStatus: options.onTaskStatus,
          handlers: this.serverRequests,
          origin: options.origin,
        }),
      );
    }
    return this.tracked(m, live, `the tool '${name}'`, options, (client, request) =>
      client.callTool({ name, arguments: args, ...metaOf(options) }, { ...request, toolDefinition }) as Promise<CallToolResult>,
    );
  }

  /**
   * A request made on a caller's behalf (a resource read, a prompt, a completion...): with the caller's
   * timeout, signal, progress, `_meta` and origin, like a tool call. `run` gets the `_meta` to send.
   */
  async requestFor<T>(id: string, what: string, options: CallOptions, run: (client: Client, request: RequestOptions, meta: MetaParams) => Promise<T>): Promise<T> {
    const m = this.registry.get(id);
    if (options.signal?.aborted) {
      throw new ServerError(`The request for ${what} to ${m.definition.name} was cancelled before it started.`, 'cancelled', m.definition.id);
    }
    const live = m.live && !m.live.closed ? m.live : await this.lifecycle.live(m, 'auto');
    return this.tracked(m, live, what, options, (client, request) => run(client, request, metaOf(options)));
  }

  /**
   * Runs one request as an in-flight call of `live`: a server request that arrives meanwhile is tied to it
   * (origin, and a signal that ends with it).
   */
  private async tracked<T>(m: Managed<H>, live: LiveConnection, what: string, options: CallOptions, run: (client: Client, request: RequestOptions) => Promise<T>): Promise<T> {
    const limit = this.timeoutLimit(m, options);
    const call = callSignal(options.signal);
    const flight = live.inFlight.begin(options.origin);
    try {
      return await run(live.client, {
        timeout: limit.value,
        maxTotalTimeout: options.maxTotalTimeoutMs,
        signal: call.signal,
        resetTimeoutOnProgress: true,
        // A progress callback is what makes the SDK send a progressToken, which lets progress reset the timeout.
        onprogress: (p) => {
          // The SDK announces each input_required round of this call just before it asks the handlers.
          if (isFulfilmentRound(p)) live.inFlight.markFulfilling(flight.call);
          else options.onProgress?.(p);
        },
      });
    } catch (err) {
      throw this.translate(m, live, what, err, limit, options);
    } finally {
      flight.end();
      call.release();
    }
  }

  async request<T>(id: string, what: string, run: (client: Client, timeout: number) => Promise<T>): Promise<T> {
    const m = this.registry.get(id);
    const live = await this.lifecycle.live(m, 'auto');
    try {
      return await run(live.client, this.requestTimeoutMs);
    } catch (err) {
      throw this.translate(m, live, what, err, { name: 'requestTimeoutMs', value: this.requestTimeoutMs }, {});
    }
  }

  /** The timeout of one call and where it comes from: the caller's, the definition's, or the default. */
  private timeoutLimit(m: Managed<H>, options: CallOptions): ServerLimit {
    if (options.timeoutMs !== undefined) return { name: 'callTimeoutMs', value: options.timeoutMs };
    if (m.definition.timeoutMs !== undefined) return { name: 'serverTimeoutMs', value: m.definition.timeoutMs };
    return { name: 'requestTimeoutMs', value: this.requestTimeoutMs };
  }

  private translate(m: Managed<H>, live: LiveConnection, what: string, err: unknown, limit: ServerLimit, options: CallOptions): Error {
    if (err instanceof ServerError) return err;
    return withHint(this.describe(m, live, what, err, limit, options), this.hint);
  }

  private describe(m: Managed<H>, live: LiveConnection, what: string, err: unknown, limit: ServerLimit, options: CallOptions): ServerError {
    const def = m.definition;
    const needs = findNeedsSignIn(err);
    // A revoked sign-in or a step-up to a wider scope: the server stays connected but needs the user.
    if (needs) return this.lifecycle.needsSignIn(m, needs, 'server_error');
    const lost = this.lostHttpServer(m, live, what, err);
    if (lost) return lost;
    if (options.signal?.aborted) {
      return new ServerError(`The call to ${what} on ${def.name} was cancelled; the server was told to stop it.`, 'cancelled', def.id, err);
    }
    if (live.stopping) return new ServerError(`${def.name} was stopped while ${what} was running.`, 'stopped', def.id, err);
    if (isMcpError(err, 'ConnectionClosed')) {
      const facts = live.transportError instanceof LimitError ? { limit: live.transportError.limit } : {};
      return new ServerError(`${def.name} stopped while running ${what}: ${live.describeEnd()}. It will be restarted when next needed.`, 'connection_closed', def.id, err, facts);
    }
    if (isMcpError(err, 'RequestTimeout')) {
      const total = (err.data as { maxTotalTimeout?: number } | undefined)?.maxTotalTimeout;
      if (total) {
        return new ServerError(`${def.name} did not finish ${what} within ${formatMs(total)} in total (the maxTotalTimeoutMs limit); the request was cancelled.`, 'timeout', def.id, err, {
          limit: { name: 'maxTotalTimeoutMs', value: total },
        });
      }
      return new ServerError(`${def.name} did not answer ${what} within ${formatMs(limit.value)}; the request was cancelled.${limitSource(limit, def.source.file)}`, 'timeout', def.id, err, { limit });
    }
    const pages = urlElicitationPages(err);
    if (pages) {
      const hosts = [...new Set(pages.map((p) => p.host))];
      const named = hosts.length ? `a page on ${hosts.join(', ')}` : 'a page the server names';
      return new ServerError(
        `${def.name} answered ${what} that the user must first open ${named} (${URL_ELICITATION_REQUIRED}). Open it (VS Code's Call Tool… offers to; elsewhere from the server's own instructions — the address is not recorded, it may hold a one-time code), finish there, then call again.`,
        'server_error',
        def.id,
        err,
        { pages },
      );
    }
    if (isMcpError(err)) {
      return new ServerError(`${def.name} answered ${what} with an error: ${messageOf(err).replace(/^MCP error -?\d+: /, '')}.`, 'server_error', def.id, err);
    }
    return new ServerError(`${def.name} failed on ${what}: ${messageOf(err)}.`, 'server_error', def.id, err);
  }

  /**
   * An HTTP server that went away shows up as a failed fetch, not as a closed connection: drop the
   * connection so the next use reconnects, and count it like a crash.
   */
  private lostHttpServer(m: Managed<H>, live: LiveConnection, what: string, err: unknown): ServerError | undefined {
    if (live.kind === 'stdio' || live.stopping) return undefined;
    const code = (err as { cause?: { code?: string } })?.cause?.code;
    const network = code !== undefined ? NETWORK_CODES.includes(code) : /fetch failed/i.test(messageOf(err));
    if (!network) return undefined;
    const def = m.definition;
    const reason = code === 'ECONNREFUSED' ? 'the connection was refused' : code ? `the connection failed (${code})` : 'the connection failed';
    this.lifecycle.drop(m, live, `${def.name} could not be reached at ${def.url}: ${reason}. It will be reconnected when next needed.`);
    return new ServerError(`${def.name} could not be reached at ${def.url} while running ${what}: ${reason}. It will be reconnected when next needed.`, 'connection_closed', def.id, err);
  }
}

/** The limit named in a timeout message: the host's hint says how to change the default or the caller's. */
function limitSource(limit: ServerLimit, file: string): string {
  return limit.name === 'serverTimeoutMs' ? ` The limit is the server's 'timeout' in ${file}.` : '';
}

/**
 * A signal for one request that follows the caller's. The SDK adds an abort listener to the signal of
 * every request and never removes it, so a session's signal shared by all its calls would collect one
 * listener (and the closure over its request) per call; the SDK gets this short-lived signal instead.
 * While calls are in flight the caller's signal carries a single listener that aborts them all: a listener
 * per call would pass Node's limit of 10 (MaxListenersExceededWarning) as soon as a run has more calls in
 * flight than that.
 */
export function callSignal(outer: AbortSignal | undefined): { signal: AbortSignal | undefined; release(): void } {
  return followAll(outer);
}

/** The SDK's report that it is fulfilling an `input_required` result (2026-07-28), not the server's progress. */
function isFulfilmentRound(progress: { message?: string }): boolean {
  return progress.message?.startsWith('Fulfilling input required by ') === true;
}

export type MetaParams = { _meta?: Record<string, unknown> };

/** The caller's `_meta` (a traceparent, say) for a request's params; the SDK adds its progressToken to it. */
export function metaOf(options: CallOptions): MetaParams {
  return options.meta ? { _meta: { ...options.meta } } : {};
}

/**
 * A server's URLElicitationRequiredError (-32042): the pages it wants the user to open (the message names their
 * hosts only, as a URL may carry a one-time token and the message reaches logs and traces);
 * undefined for any other error.
 */
function urlElicitationPages(err: unknown): PageToOpen[] | undefined {
  if (!isMcpError(err) || err.code !== -32042) return undefined;
  const listed = (err.data as { elicitations?: { url?: unknown; message?: unknown }[] } | undefined)?.elicitations;
  const pages: PageToOpen[] = [];
  for (const e of Array.isArray(listed) ? listed : []) {
    try {
      if (typeof e?.url !== 'string') continue;
      const host = new URL(e.url).host;
      pages.push({ url: e.url, host, ...(typeof e.message === 'string' && e.message ? { message: e.message } : {}) });
    } catch {
      // Not a URL: nothing to name or open.
    }
  }
  return pages;
}
