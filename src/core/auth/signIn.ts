// An interactive sign-in to one MCP server, the same for every host: the SDK's auth() discovers the authorization
// server and sends us an authorization URL; the host opens it (CLI: prints it, VS Code: openExternal); the loopback
// listener takes the redirect; auth() validates `iss` (RFC 9207) and redeems the code with the PKCE verifier.
// One signal cancels it all: every request (discovery, registration, token) is aborted, the wait for the browser
// ends, nothing more is stored, and the sign-in settles at once with a 'cancelled' SignInError.
import type * as ClientModule from '@modelcontextprotocol/client';
import { SignInError } from './errors';
import { fetchWithTimeout, isOAuthTimeout, OAuthFetchTimeoutError, where } from './fetchTimeout';
import { LoopbackRedirect } from './loopback';
import { HarnessOAuthProvider } from './provider';
import { oauthSdk } from './sdk';
import type { GrantStore } from './store';

export interface SignInOptions {
  serverUrl: string;
  store: GrantStore;
  /** Shows or opens the authorization URL (the user's browser goes there and comes back to the loopback listener). */
  openBrowser(url: URL): Promise<void> | void;
  /** How long to wait for the browser to come back. */
  timeoutMs?: number;
  /** Cancels the sign-in (the user's Cancel or Ctrl-C): it then fails with a 'cancelled' SignInError. */
  signal?: AbortSignal;
  clientMetadataUrl?: string;
  preRegistered?: { client_id: string; client_secret?: string };
  fetchFn?: ClientModule.FetchLike;
  /** How long each request to the servers may take; DEFAULT_OAUTH_FETCH_TIMEOUT_MS by default. */
  fetchTimeoutMs?: number;
  /**
   * How the server is reached ('http' by default: Streamable HTTP, else HTTP+SSE) and the headers its entry sends: the
   * sign-in first asks the server itself whether it wants one (see asksForSignIn).
   */
  transport?: 'http' | 'sse';
  headers?: Record<string, string>;
}

export interface SignInResult {
  issuer: string;
  scope?: string;
}

export async function signIn(options: SignInOptions): Promise<SignInResult> {
  const sdk = oauthSdk();
  const { serverUrl, store, signal } = options;
  if (signal?.aborted) throw cancelled();
  let provider: HarnessOAuthProvider | undefined;
  const redirect = await LoopbackRedirect.listen(() => provider!.state());
  try {
    let asked = false;
    provider = new HarnessOAuthProvider({
      serverUrl,
      store,
      clientMetadataUrl: options.clientMetadataUrl,
      preRegistered: options.preRegistered,
      interactive: {
        redirectUrl: redirect.redirectUrl,
        authorize: async (url) => {
          asked = true;
          await options.openBrowser(url);
        },
        signal,
      },
    });
    const record = await store.resource(serverUrl);
    const scope = sdk.computeScopeUnion(record.grantedScope, record.pendingScope);
    const common = { serverUrl, scope, fetchFn: saysWhereUnreachable(fetchWithTimeout(options.fetchFn, options.fetchTimeoutMs, signal)) };
    const answered = await withSignInErrors(() => asksForSignIn(serverUrl, options.transport ?? 'http', options.headers ?? {}, common.fetchFn), signal);
    if (answered !== 'challenged') {
      // Nothing is stored for a server without OAuth; a record left by an earlier attempt that never signed in goes.
      if (!record.issuer && Object.keys(record).length) await store.forget(serverUrl);
      throw new SignInError(
        `Sign-in not needed: the server answered a request without credentials with HTTP ${answered}, not 401, so it does not ask for OAuth. Nothing was stored; use it as it is.`,
        'not_needed',
      );
    }
    // A sign-in always asks the user: a refresh could not widen the scope, and "sign in" should mean it.
    await withSignInErrors(() => sdk.auth(provider!, { ...common, forceReauthorization: true }), signal);
    if (!asked) throw new SignInError('Sign-in failed: the authorization server did not ask for a browser sign-in.', 'no_redirect');
    const response = await redirect.wait({ timeoutMs: options.timeoutMs, signal });
    const result = await withSignInErrors(() => sdk.auth(provider!, { ...common, authorizationCode: response.code, iss: response.iss }), signal);
    if (result !== 'AUTHORIZED') throw new SignInError('Sign-in failed: the authorization server did not issue a token.', 'oauth_error');
    const after = await store.resource(serverUrl);
    return { issuer: after.issuer ?? '', scope: after.grantedScope };
  } finally {
    await redirect.close();
  }
}

function cancelled(): SignInError {
  return new SignInError('Sign-in was cancelled.', 'cancelled');
}

/**
 * One step of the sign-in, settled at once by a cancel even while it waits on something other than a request
 * (VS Code's "open this website?" dialog); the step's own requests are aborted by the same signal.
 */
function untilCancelled<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return step;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The SDK's OAuth errors as SignInErrors whose messages say what happened (never with a code or token in them). */
async function withSignInErrors<T>(step: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  const sdk = oauthSdk();
  try {
    return await untilCancelled(step(), signal);
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    if (err instanceof SignInError) throw err;
    if (isOAuthTimeout(err)) {
      const limit = err instanceof OAuthFetchTimeoutError ? err.timeoutMs : undefined;
      throw new SignInError(`Sign-in failed: ${(err as Error).message}.`, 'request_timeout', limit);
    }
    if (err instanceof sdk.IssuerMismatchError || err instanceof sdk.AuthorizationServerMismatchError) {
      throw new SignInError(
        `Sign-in refused: the authorization response came from a different authorization server than the one this server names (RFC 9207 issuer check). Nothing was stored.`,
        'issuer_mismatch',
      );
    }
    if (err instanceof sdk.OAuthError) throw new SignInError(`Sign-in failed: the authorization server answered '${err.code}': ${err.message}`, 'oauth_error');
    const registration = registrationProblem(err, sdk);
    if (registration) throw new SignInError(`Sign-in failed: ${registration}. ${NO_CLIENT_ADVICE}`, 'oauth_error');
    throw err;
  }
}

/** What to do when no client can be had: often the server asks for no sign-in at all. */
const NO_CLIENT_ADVICE =
  'A server that answers without HTTP 401 needs no sign-in; one that does needs a client registered for you: give its entry "oauth": {"clientId": "…"}.';

/** Why the authorization server gave us no client (dynamic registration refused or not offered), if that is the error. */
function registrationProblem(err: unknown, sdk: ReturnType<typeof oauthSdk>): string | undefined {
  if (err instanceof sdk.RegistrationRejectedError) {
    return `the authorization server did not register MCP Harness as a client (its registration endpoint answered HTTP ${err.status}${oauthErrorOf(err.body)})`;
  }
  // The SDK's plain Error for metadata without a registration_endpoint.
  if (err instanceof Error && /does not support dynamic client registration/i.test(err.message)) {
    return 'the authorization server does not let clients register themselves (its metadata names no registration_endpoint)';
  }
  return undefined;
}

/** ": invalid_client_metadata: …" from an RFC 7591 error body; nothing from any other body (an HTML page, say). */
function oauthErrorOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error !== 'string') return '';
    return `: ${parsed.error}${typeof parsed.error_description === 'string' ? `: ${parsed.error_description.slice(0, 200)}` : ''}`;
  } catch {
    return '';
  }
}

/**
 * Whether the server asks for sign-in: an MCP request without credentials (a `ping`; for HTTP+SSE the stream's GET),
 * answered 401 or 403 or with a Bearer challenge, says it does. A server that answers it any other way short of
 * 404 or 5xx (200, 400 "not initialized", 405, 406 …) served it without credentials: the status is returned. After a
 * 4xx to the POST, the GET is asked too, as a connection falls back to HTTP+SSE. 404 or 5xx say nothing about
 * OAuth: the sign-in goes on (and its discovery says what is wrong).
 */
async function asksForSignIn(serverUrl: string, transport: 'http' | 'sse', headers: Record<string, string>, fetchFn: ClientModule.FetchLike): Promise<'challenged' | number> {
  const ask = async (init: RequestInit): Promise<number | 'challenged'> => {
    const response = await fetchFn(serverUrl, init);
    await response.body?.cancel().catch(() => {});
    const challenged = response.status === 401 || response.status === 403 || /\bbearer\b/i.test(response.headers.get('www-authenticate') ?? '');
    return challenged ? 'challenged' : response.status;
  };
  const post = () =>
    ask({ method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }) });
  const get = () => ask({ method: 'GET', headers: { ...headers, accept: 'text/event-stream' } });
  const answers = [transport === 'sse' ? await get() : await post()];
  if (transport === 'http' && typeof answers[0] === 'number' && answers[0] >= 400 && answers[0] < 500) answers.push(await get());
  if (answers.includes('challenged')) return 'challenged';
  const served = (a: number | 'challenged'): a is number => typeof a === 'number' && a < 500 && a !== 404;
  return answers.find((a) => served(a) && a < 300) ?? answers.find(served) ?? 'challenged';
}

/** A request that got no connection (refused, unknown host) fails the sign-in saying which endpoint and why. */
function saysWhereUnreachable(fetchFn: ClientModule.FetchLike): ClientModule.FetchLike {
  return async (input, init) => {
    try {
      return await fetchFn(input, init);
    } catch (err) {
      // undici's network failures are TypeErrors ("fetch failed") whose cause names the system error.
      if (!(err instanceof TypeError)) throw err;
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : err.message;
      throw new SignInError(`Sign-in failed: could not reach ${where(input)} (${why}). Check that the server is running and its URL is right.`, 'unreachable');
    }
  };
}
