// Every request of a sign-in or sign-out (metadata discovery, registration, token exchange, revocation) is bounded:
// without a bound, an authorization server that accepts the connection and never answers holds the user for
// Node's five-minute header timeout. The bound covers the answer's body too (the signal stays armed while it is read).
import type { FetchLike } from '@modelcontextprotocol/client';
import { formatMs } from '../servers/errors';

/** How long one OAuth request may take, sign-in and sign-out alike. */
export const DEFAULT_OAUTH_FETCH_TIMEOUT_MS = 30_000;

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

/** `fetchFn` with each request (and the reading of its answer) aborted after `timeoutMs`. */
export function fetchWithTimeout(fetchFn: FetchLike = fetch, timeoutMs = DEFAULT_OAUTH_FETCH_TIMEOUT_MS): FetchLike {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await fetchFn(input, { ...init, signal });
    } catch (err) {
      if (timeout.aborted) throw new OAuthFetchTimeoutError(where(input), timeoutMs);
      throw err;
    }
  };
}

/** Whether an error is a bounded request that ran out of time (also while its body was read). */
export function isOAuthTimeout(err: unknown): boolean {
  return err instanceof OAuthFetchTimeoutError || (err instanceof Error && err.name === 'TimeoutError');
}

/** The endpoint without its query (which may carry a code or a state). */
function where(input: string | URL | Request): string {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return `${url.origin}${url.pathname}`;
}
