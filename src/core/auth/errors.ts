// Host-neutral sign-in errors. The core says what is wrong; each host says what to do about it (the CLI:
// "run mcp-harness login SERVER", exit 3; VS Code: the server shows "needs sign-in" with a Sign In action).
import { formatMs } from '../servers/errors';

/** Why a server needs the user to sign in (again). */
export type SignInReason = 'not_signed_in' | 'expired' | 'insufficient_scope' | 'refresh_unanswered' | 'client_rejected';

/** The server asks for OAuth and no usable token is stored; only an interactive sign-in can fix it. */
export class NeedsSignInError extends Error {
  override readonly name = 'NeedsSignInError';
  constructor(
    readonly serverUrl: string,
    readonly reason: SignInReason,
    /** The scope the server asked for (step-up), when it named one. */
    readonly requiredScope?: string,
    /** For 'refresh_unanswered' and 'client_rejected': which authorization server, and the limit it had or the client it refused. */
    readonly refresh?: { issuer: string; timeoutMs?: number; configuredClient?: boolean },
  ) {
    super(needsSignInMessage(serverUrl, reason, requiredScope, refresh));
  }
}

function needsSignInMessage(serverUrl: string, reason: SignInReason, scope: string | undefined, refresh: NeedsSignInError['refresh']): string {
  const issuer = refresh?.issuer ?? 'its authorization server';
  if (reason === 'refresh_unanswered') {
    return `${serverUrl} needs sign-in: the token refresh at ${issuer} did not answer within ${formatMs(refresh?.timeoutMs ?? 0)}; sign in again.`;
  }
  if (reason === 'client_rejected') {
    return refresh?.configuredClient
      ? `${serverUrl} needs sign-in: its authorization server ${issuer} refused the client id configured for it (invalid_client); check "oauth" clientId and clientSecret in its entry, then sign in again.`
      : `${serverUrl} needs sign-in: its authorization server ${issuer} no longer accepts this client's registration (invalid_client); sign in again.`;
  }
  if (reason === 'expired') return `${serverUrl} needs sign-in: the stored sign-in has expired or was revoked; sign in again.`;
  if (reason === 'insufficient_scope') return `${serverUrl} needs sign-in: it asks for a wider permission (scope '${scope ?? ''}') than was granted.`;
  return `${serverUrl} needs sign-in: it requires OAuth and there is no stored sign-in for it.`;
}

/**
 * 'timeout': the browser did not come back in time; 'request_timeout': a server did not answer a request in time;
 * 'unreachable': a request got no connection at all (refused, unknown host); 'not_needed': the server answered
 * without asking for credentials, so it uses no OAuth (nothing was stored).
 */
export type SignInFailure = 'issuer_mismatch' | 'state_mismatch' | 'denied' | 'timeout' | 'request_timeout' | 'unreachable' | 'cancelled' | 'no_redirect' | 'oauth_error' | 'not_needed';

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

/** Why a token refresh failed through no fault of the sign-in: its authorization server is failing or out of reach. */
export type AuthorizationServerProblem = { kind: 'failing'; status: number } | { kind: 'unreachable'; endpoint: string; reason: string };

/**
 * A token refresh the authorization server could not do. Not a sign-in matter: the sign-in is kept, and the next
 * connection refreshes again; the host shows it as the server's failure to connect (or the call's).
 */
export class AuthorizationServerError extends Error {
  override readonly name = 'AuthorizationServerError';
  constructor(
    readonly serverUrl: string,
    readonly issuer: string,
    readonly problem: AuthorizationServerProblem,
    /** The failure under it (a refused connection), when there is one. */
    cause?: unknown,
  ) {
    super(
      problem.kind === 'failing'
        ? `the sign-in to ${serverUrl} could not be refreshed: its authorization server ${issuer} answered HTTP ${problem.status}, so it is failing. The sign-in is kept; try again later.`
        : `the sign-in to ${serverUrl} could not be refreshed: its authorization server ${issuer} could not be reached at ${problem.endpoint} (${problem.reason}). The sign-in is kept; check that it is running and reachable from here, then try again.`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The NeedsSignInError anywhere in an error's cause chain (transports and the connection layer wrap errors). */
export function findNeedsSignIn(err: unknown): NeedsSignInError | undefined {
  return findInCauses(err, NeedsSignInError);
}

/** The AuthorizationServerError anywhere in an error's cause chain. */
export function findAuthorizationServerError(err: unknown): AuthorizationServerError | undefined {
  return findInCauses(err, AuthorizationServerError);
}

function findInCauses<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    if (e instanceof type) return e;
    seen.add(e);
  }
  return undefined;
}
