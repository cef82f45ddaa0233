// Host-neutral sign-in errors. The core says what is wrong; each host says what to do about it (the CLI:
// "run mcp-harness login SERVER", exit 3; VS Code: the server shows "needs sign-in" with a Sign In action).
import { formatMs } from '../servers/errors';

/** Why a server needs the user to sign in (again). */
export type SignInReason = 'not_signed_in' | 'expired' | 'insufficient_scope' | 'refresh_unanswered';

/** The server asks for OAuth and no usable token is stored; only an interactive sign-in can fix it. */
export class NeedsSignInError extends Error {
  override readonly name = 'NeedsSignInError';
  constructor(
    readonly serverUrl: string,
    readonly reason: SignInReason,
    /** The scope the server asked for (step-up), when it named one. */
    readonly requiredScope?: string,
    /** For 'refresh_unanswered': which authorization server did not answer, and the limit it had. */
    readonly unanswered?: { issuer: string; timeoutMs: number },
  ) {
    super(needsSignInMessage(serverUrl, reason, requiredScope, unanswered));
  }
}

function needsSignInMessage(serverUrl: string, reason: SignInReason, scope: string | undefined, unanswered: NeedsSignInError['unanswered']): string {
  if (reason === 'refresh_unanswered') {
    return `${serverUrl} needs sign-in: the token refresh at ${unanswered?.issuer ?? 'its authorization server'} did not answer within ${formatMs(unanswered?.timeoutMs ?? 0)}; sign in again.`;
  }
  if (reason === 'expired') return `${serverUrl} needs sign-in: the stored sign-in has expired or was revoked; sign in again.`;
  if (reason === 'insufficient_scope') return `${serverUrl} needs sign-in: it asks for a wider permission (scope '${scope ?? ''}') than was granted.`;
  return `${serverUrl} needs sign-in: it requires OAuth and there is no stored sign-in for it.`;
}

/**
 * 'timeout': the browser did not come back in time; 'request_timeout': a server did not answer a request in time;
 * 'unreachable': a request got no connection at all (refused, unknown host).
 */
export type SignInFailure = 'issuer_mismatch' | 'state_mismatch' | 'denied' | 'timeout' | 'request_timeout' | 'unreachable' | 'cancelled' | 'no_redirect' | 'oauth_error';

/** An interactive sign-in that did not complete; the message says why, never with a code or token in it. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    message: string,
    readonly failure: SignInFailure,
    /** For 'request_timeout': the per-request limit that ran out (the host says how to raise it). */
    readonly requestTimeoutMs?: number,
  ) {
    super(message);
  }
}

/** The NeedsSignInError anywhere in an error's cause chain (transports and the connection layer wrap errors). */
export function findNeedsSignIn(err: unknown): NeedsSignInError | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    if (e instanceof NeedsSignInError) return e;
    seen.add(e);
  }
  return undefined;
}
