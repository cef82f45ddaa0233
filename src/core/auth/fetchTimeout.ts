// Every request of a sign-in or sign-out (metadata discovery, registration, token exchange, revocation) is bounded:
// without a bound, an authorization server that accepts the connection and never answers holds the user for
// Node's five-minute header timeout. The bound covers the answer's body too (the signal stays armed while it is read).
// A sign-in's cancellation reaches every request the same way, so Cancel ends the sign-in at once. The optional first
// step of discovery may end sooner (resourceMetadataGrace.ts).
import type { FetchLike } from '@modelcontextprotocol/client';
import { formatMs } from '../servers/errors';
import { isResourceMetadataRequest, ResourceMetadataGivenUpError, withResourceMetadataGrace } from './resourceMetadataGrace';

/** How long one OAuth request may take, sign-in and sign-out alike. */
export const DEFAULT_OAUTH_FETCH_TIMEOUT_MS = 30_000;
/** The longest a Node timer waits: a larger delay (2^31 ms and up) fires at once. */
export const MAX_OAUTH_FETCH_TIMEOUT_MS = 2 ** 31 - 1;

/** An OAuth request that got no (complete) answer in time; says where, never what was sent. */
export class OAuthFetchTimeoutError extends Error {
  override readonly name = 'OAuthFetchTimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${url} did not answer within ${formatMs(timeoutMs)}`);
  }
}

/** An OAuth request ended because what it was made for was cancelled (a sign-in, a connection that closed). */
export class OAuthRequestCancelledError extends Error {
  override readonly name = 'OAuthRequestCancelledError';
  constructor(readonly url: string) {
    super(`the request to ${url} was cancelled`);
  }
}

/**
 * `fetchFn` with each request (and the reading of its answer) aborted after `timeoutMs`, and at once when `cancel`
 * is aborted (then it fails with OAuthRequestCancelledError, before anything is sent if it already was); a
 * protected-resource metadata request that the SDK can do without is given up sooner when its fallback answers.
 */
export function fetchWithTimeout(fetchFn: FetchLike = fetch, timeoutMs = DEFAULT_OAUTH_FETCH_TIMEOUT_MS, cancel?: AbortSignal): FetchLike {
  const probing = withResourceMetadataGrace(fetchFn);
  // A sign-in asks for the protected-resource metadata twice (auth() runs again for the code exchange): one that got
  // no answer in time (its grace or its timeout) is not waited for again; the SDK falls back at once.
  const unansweredMetadata = new Map<string, Error>();
  return async (input, init) => {
    if (cancel?.aborted) throw new OAuthRequestCancelledError(where(input));
    const metadata = isResourceMetadataRequest(input, init);
    const before = metadata ? unansweredMetadata.get(String(input)) : undefined;
    if (before) throw before;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, ...(init?.signal ? [init.signal] : []), ...(cancel ? [cancel] : [])]);
    try {
      return await probing(input, { ...init, signal });
    } catch (err) {
      if (cancel?.aborted) throw new OAuthRequestCancelledError(where(input));
      const failure = timeout.aborted ? new OAuthFetchTimeoutError(where(input), timeoutMs) : err;
      if (metadata && (failure instanceof OAuthFetchTimeoutError || failure instanceof ResourceMetadataGivenUpError)) unansweredMetadata.set(String(input), failure);
      throw failure;
    }
  };
}

/** Whether an error is a bounded request that ran out of time (also while its body was read). */
export function isOAuthTimeout(err: unknown): boolean {
  return err instanceof OAuthFetchTimeoutError || (err instanceof Error && err.name === 'TimeoutError');
}

/**
 * A request timeout given as a setting, flag or environment variable: whole milliseconds from 1 to
 * MAX_OAUTH_FETCH_TIMEOUT_MS, as a number or a string of digits; otherwise why not, naming `what` (the host's
 * name for it) so the user knows what to change.
 */
export function parseOAuthRequestTimeout(raw: unknown, what: string): { value: number } | { problem: string } {
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  const n = typeof raw === 'number' ? raw : text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_OAUTH_FETCH_TIMEOUT_MS) return { value: n };
  const got = typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw) ?? String(raw);
  return { problem: `${what} must be a whole number of milliseconds from 1 to ${MAX_OAUTH_FETCH_TIMEOUT_MS} (e.g. 60000); got ${got}.` };
}

/** The endpoint without its query (which may carry a code or a state). */
export function where(input: string | URL | Request): string {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return `${url.origin}${url.pathname}`;
}
