// The OAuthClientProvider our client hands to the SDK's HTTP transports and to its `auth()` orchestrator. The SDK
// does the protocol (RFC 9728 discovery, AS metadata, CIMD or dynamic registration, PKCE, RFC 9207 `iss`
// checks, refresh, 403 step-up); this class only keeps state: tokens and clients in the GrantStore, the PKCE
// verifier and `state` in memory for one sign-in. Without an `authorize` callback (a connection, not a sign-in)
// it never sends anyone to a browser: where the SDK would redirect, it throws NeedsSignInError.
// A connection's OAuth requests (discovery and the token refresh the transport makes on a 401) go through
// requestsFetch: bounded like a sign-in's, ended with the connection, and a refresh that failed in any way the SDK
// would print a warning of its own about (no answer, no connection, refused, HTTP 5xx) is said so by us alone.
import { randomBytes } from 'node:crypto';
import type {
  FetchLike,
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { AuthorizationServerError, NeedsSignInError, type SignInReason } from './errors';
import { fetchWithTimeout, OAuthFetchTimeoutError, OAuthRequestCancelledError, where } from './fetchTimeout';
import { oauthSdk } from './sdk';
import type { GrantStore } from './store';

export const CLIENT_NAME = 'MCP Harness';
/** The redirect registered by a connection that cannot sign in; any loopback port matches it (RFC 8252 §7.3). */
export const LOOPBACK_REDIRECT_TEMPLATE = 'http://127.0.0.1/callback';

export interface HarnessOAuthProviderOptions {
  /** The MCP server URL (the protected resource). */
  serverUrl: string;
  store: GrantStore;
  /** An HTTPS URL of this client's Client ID Metadata Document; used when the authorization server supports CIMD. */
  clientMetadataUrl?: string;
  /** Pre-registered client credentials (skips CIMD and dynamic registration). */
  preRegistered?: { client_id: string; client_secret?: string };
  /** Told when this connection cannot go on without a sign-in (the host shows "needs sign-in"). */
  onNeedsSignIn?(err: NeedsSignInError): void;
  /**
   * Present for an interactive sign-in: the loopback redirect URL, what to do with the authorization URL, and the
   * sign-in's cancellation (after it, nothing more is stored).
   */
  interactive?: { redirectUrl: string; authorize(url: URL): Promise<void>; signal?: AbortSignal };
  /** How long each OAuth request of a connection may take (DEFAULT_OAUTH_FETCH_TIMEOUT_MS by default). */
  requestTimeoutMs?: number;
}

export class HarnessOAuthProvider implements OAuthClientProvider {
  private verifier: string | undefined;
  private readonly expectedState = randomBytes(16).toString('base64url');
  private tokensInvalidated = false;

  constructor(private readonly options: HarnessOAuthProviderOptions) {}

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return this.options.interactive?.redirectUrl ?? LOOPBACK_REDIRECT_TEMPLATE;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: CLIENT_NAME,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** The `state` sent with the authorization request; the loopback listener accepts only a redirect carrying it. */
  state(): string {
    return this.expectedState;
  }

  async clientInformation(ctx?: OAuthClientInformationContext): Promise<StoredOAuthClientInformation | undefined> {
    const issuer = ctx?.issuer ?? (await this.record()).issuer;
    if (this.options.preRegistered) return this.configuredClient(issuer);
    const client = issuer ? await this.options.store.client(issuer) : undefined;
    // Registering a client is the first step of a sign-in; a connection that cannot finish one does not start it.
    if (!client && !this.options.interactive) throw this.reported(new NeedsSignInError(this.options.serverUrl, 'not_signed_in'));
    return client;
  }

  /**
   * The configured client, stamped with the issuer it is used at (the SDK warns on the console about a client without
   * one) and kept in the store as the SDK's stamping used to keep it: a sign-out authenticates its revocation with it.
   */
  private async configuredClient(issuer: string | undefined): Promise<StoredOAuthClientInformation> {
    if (!issuer) return this.options.preRegistered!;
    const client = { ...this.options.preRegistered!, issuer };
    await this.saveClientInformation(client, { issuer });
    return client;
  }

  async saveClientInformation(client: StoredOAuthClientInformation, ctx?: OAuthClientInformationContext): Promise<void> {
    this.refuseAfterCancel();
    const issuer = ctx?.issuer ?? client.issuer;
    // Pre-registered credentials are kept too: the connections after this sign-in need them for refreshes.
    if (issuer) await this.options.store.saveClient(issuer, client);
  }

  async tokens(ctx?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const issuer = ctx?.issuer ?? (await this.record()).issuer;
    return issuer ? this.options.store.tokens(issuer, this.options.serverUrl) : undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens, ctx?: OAuthClientInformationContext): Promise<void> {
    this.refuseAfterCancel();
    const issuer = ctx?.issuer ?? tokens.issuer;
    if (!issuer) return;
    await this.options.store.saveTokens(issuer, this.options.serverUrl, tokens);
    const record = await this.record();
    // A refresh that leaves out `scope` keeps the scope granted before (RFC 6749 §6).
    const grantedScope = tokens.scope ?? record.grantedScope;
    const pendingCovered = record.pendingScope?.split(' ').every((s) => grantedScope?.split(' ').includes(s));
    await this.options.store.updateResource(this.options.serverUrl, { issuer, grantedScope, pendingScope: pendingCovered ? undefined : record.pendingScope });
    this.tokensInvalidated = false;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (this.options.interactive) return this.options.interactive.authorize(authorizationUrl);
    throw this.reported(await this.needsSignIn(authorizationUrl.searchParams.get('scope') ?? undefined));
  }

  /**
   * The fetch for a connection's transport, ended by `ended` (the connection's close). The transport's own MCP
   * requests always carry a signal (its connection's, or the request's) and pass through untouched; the requests
   * the SDK's auth() makes on a 401 (discovery, the token refresh) carry none, and are bounded.
   */
  requestsFetch(ended: AbortSignal, base: FetchLike = fetch): FetchLike {
    const bounded = fetchWithTimeout(base, this.options.requestTimeoutMs, ended);
    return async (input, init) => {
      if (init?.signal) return base(input, init);
      if (!isRefresh(init)) return bounded(input, init);
      let response: Response;
      try {
        response = await bounded(input, init);
      } catch (err) {
        throw await this.refreshFailed(err, input);
      }
      const refusal = await refreshRefusal(response);
      if (!refusal) return response;
      await response.body?.cancel().catch(() => {});
      throw await this.refreshRefused(refusal);
    };
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('No PKCE code verifier: the sign-in was not started by this client.');
    return this.verifier;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const record = await this.record();
    if (scope === 'all' || scope === 'tokens') {
      if (record.issuer) await this.options.store.deleteTokens(record.issuer, this.options.serverUrl);
      this.tokensInvalidated = true;
    }
    if ((scope === 'all' || scope === 'client') && record.issuer) await this.options.store.deleteClient(record.issuer);
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') await this.options.store.updateResource(this.options.serverUrl, { discovery: undefined });
  }

  async saveDiscoveryState(discovery: OAuthDiscoveryState): Promise<void> {
    this.refuseAfterCancel();
    await this.options.store.updateResource(this.options.serverUrl, { discovery });
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.record()).discovery;
  }

  /** Why a connection that would have to redirect cannot go on; remembers a wider scope for the next sign-in. */
  private async needsSignIn(requestedScope: string | undefined): Promise<NeedsSignInError> {
    const record = await this.record();
    const granted = record.grantedScope?.split(' ') ?? [];
    const wider = requestedScope?.split(' ').filter((s) => s && s !== 'offline_access' && !granted.includes(s)) ?? [];
    let reason: SignInReason = 'not_signed_in';
    if (record.issuer && wider.length && granted.length) {
      reason = 'insufficient_scope';
      await this.options.store.updateResource(this.options.serverUrl, { pendingScope: requestedScope });
    } else if (this.tokensInvalidated || record.grantedScope !== undefined) {
      reason = 'expired';
    }
    return new NeedsSignInError(this.options.serverUrl, reason, reason === 'insufficient_scope' ? requestedScope : undefined);
  }

  /**
   * A refresh that got no (complete) answer: none in time, the connection's close, or no connection at all. The SDK
   * prints its own warning for these (console.warn: the CLI's stderr, no output channel of VS Code) and falls back to
   * a redirect for any error but an OAuthError, so it gets one it lets through (sdkPassThrough) carrying what
   * happened; findNeedsSignIn / findAuthorizationServerError find it. A connection that closed meanwhile needs
   * nothing from the user; an authorization server that did not answer or could not be reached is named.
   */
  private async refreshFailed(err: unknown, input: string | URL | Request): Promise<unknown> {
    if (err instanceof OAuthRequestCancelledError) return sdkPassThrough(err);
    // Node's fetch fails with a TypeError when it gets no connection (refused, no such host, reset).
    if (!(err instanceof OAuthFetchTimeoutError) && !(err instanceof TypeError)) return err;
    const issuer = await this.issuer(requestUrl(input));
    if (err instanceof OAuthFetchTimeoutError) {
      return sdkPassThrough(this.reported(new NeedsSignInError(this.options.serverUrl, 'refresh_unanswered', undefined, { issuer, timeoutMs: err.timeoutMs })));
    }
    return sdkPassThrough(new AuthorizationServerError(this.options.serverUrl, issuer, { kind: 'unreachable', endpoint: where(input), reason: networkReason(err) }, err));
  }

  /**
   * What the SDK would do, after printing its own warning, with a refresh the authorization server refused, done here
   * without the warning: a refresh token it no longer accepts (`invalid_grant`) is forgotten and the server needs a
   * sign-in ('expired'); a client it no longer knows (`invalid_client`, `unauthorized_client`) is forgotten with the
   * tokens, so the next sign-in registers anew; an HTTP 5xx is the authorization server failing, and the sign-in is kept.
   */
  private async refreshRefused(refusal: RefreshRefusal): Promise<Error> {
    const issuer = await this.issuer();
    if (refusal.kind === 'failing') return sdkPassThrough(new AuthorizationServerError(this.options.serverUrl, issuer, refusal));
    if (refusal.kind === 'client') {
      await this.invalidateCredentials('client');
      await this.invalidateCredentials('tokens');
      const configuredClient = this.options.preRegistered !== undefined;
      return sdkPassThrough(this.reported(new NeedsSignInError(this.options.serverUrl, 'client_rejected', undefined, { issuer, configuredClient })));
    }
    await this.invalidateCredentials('tokens');
    return sdkPassThrough(this.reported(await this.needsSignIn(undefined)));
  }

  /** The issuer the stored sign-in is with, else the origin of the request that failed. */
  private async issuer(url?: string): Promise<string> {
    return (await this.record()).issuer ?? (url ? `${new URL(url).origin}/` : this.options.serverUrl);
  }

  /** A cancelled sign-in stores nothing more, whatever answer was already on its way. */
  private refuseAfterCancel(): void {
    if (this.options.interactive?.signal?.aborted) throw new Error('The sign-in was cancelled; nothing is stored.');
  }

  private reported(err: NeedsSignInError): NeedsSignInError {
    this.options.onNeedsSignIn?.(err);
    return err;
  }

  private record() {
    return this.options.store.resource(this.options.serverUrl);
  }
}

/**
 * `cause` as an OAuthError the SDK's auth() neither warns about nor retries: its code is no authorization server's
 * answer (the SDK acts on invalid_grant, invalid_client, unauthorized_client and server_error), its message and
 * cause are ours.
 */
function sdkPassThrough(cause: Error): Error {
  return Object.assign(new (oauthSdk().OAuthError)('mcp_harness_handled', cause.message), { cause });
}

/** How a token endpoint refused a refresh, when it did in a way the SDK would warn about (read from a copy: the SDK may read it too). */
type RefreshRefusal = { kind: 'grant' } | { kind: 'client' } | { kind: 'failing'; status: number };

async function refreshRefusal(response: Response): Promise<RefreshRefusal | undefined> {
  if (response.status >= 500) return { kind: 'failing', status: response.status };
  if (response.status < 400) return undefined;
  const body = (await response.clone().json().catch(() => undefined)) as { error?: unknown } | undefined;
  // RFC 6749 §5.2: invalid_grant comes with a 400; invalid_client may come with a 401.
  if (body?.error === 'invalid_grant' && response.status === 400) return { kind: 'grant' };
  if (body?.error === 'invalid_client' || body?.error === 'unauthorized_client') return { kind: 'client' };
  return undefined;
}

/** A failed connection in words: node's fetch says "fetch failed" and puts the system error under it. */
function networkReason(err: unknown): string {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host was not found';
  if (code === 'ECONNRESET') return 'the connection was reset';
  if (typeof code === 'string') return `the connection failed: ${code}`;
  return `the connection failed: ${err instanceof Error ? err.message : String(err)}`;
}

function requestUrl(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/** Whether a request is a refresh-token grant (the SDK sends the token request's parameters as URLSearchParams). */
function isRefresh(init: RequestInit | undefined): boolean {
  return init?.body instanceof URLSearchParams && init.body.get('grant_type') === 'refresh_token';
}
