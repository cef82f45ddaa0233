// Signing out of a server: the stored refresh and access tokens are revoked at the authorization server's
// revocation endpoint (RFC 7009) when its metadata advertises one, then forgotten. A revocation that fails (the
// server is down, it refuses) is reported, but the local tokens are forgotten all the same: the user asked for
// them to be gone. Each request is bounded (./fetchTimeout): an authorization server that never answers leaves
// the revocation unconfirmed, not the user waiting. Messages name what failed, never a token.
import type { FetchLike, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import { fetchWithTimeout, isOAuthTimeout, OAuthRequestCancelledError } from './fetchTimeout';
import { oauthSdk } from './sdk';
import type { GrantStore } from './store';

/** The RFC 8414 fields a revocation needs (the SDK's OpenID variant of the metadata does not type them). */
interface RevocationMetadata {
  revocation_endpoint?: string;
  revocation_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

/** What became of the tokens at the authorization server. */
export type RevocationOutcome =
  /** The revocation endpoint accepted the stored tokens. */
  | 'revoked'
  /** The authorization server advertises no revocation endpoint: the tokens stay valid there until they expire. */
  | 'not_supported'
  /** The revocation endpoint could not be reached or refused; `revocationError` says why. */
  | 'failed'
  /** There were no stored tokens to revoke. */
  | 'nothing_stored';

export interface SignOutResult {
  /** True when tokens were stored (and are now forgotten). */
  hadTokens: boolean;
  revocation: RevocationOutcome;
  /** Why the revocation failed (no token in it). */
  revocationError?: string;
  /** The revocation failed for want of an answer: the tokens may or may not have been revoked there. */
  unconfirmed?: true;
}

export interface SignOutOptions {
  fetchFn?: FetchLike;
  /** How long each request (discovery, revocation) may take; DEFAULT_OAUTH_FETCH_TIMEOUT_MS by default. */
  fetchTimeoutMs?: number;
  /** Ends the revocation at once (Ctrl-C); the tokens are forgotten all the same, the revocation reported failed. */
  signal?: AbortSignal;
}

/** Revokes (when the authorization server can) and forgets the stored sign-in of a server. */
export async function signOut(serverUrl: string, store: GrantStore, options: SignOutOptions = {}): Promise<SignOutResult> {
  const record = await store.resource(serverUrl);
  const tokens = record.issuer ? await store.tokens(record.issuer, serverUrl) : undefined;
  let revocation: RevocationOutcome = 'nothing_stored';
  let revocationError: string | undefined;
  let unconfirmed = false;
  if (record.issuer && tokens) {
    const fetchFn = fetchWithTimeout(options.fetchFn, options.fetchTimeoutMs, options.signal);
    try {
      const metadata: RevocationMetadata | undefined =
        record.discovery?.authorizationServerMetadata ?? (await oauthSdk().discoverAuthorizationServerMetadata(record.issuer, { fetchFn }));
      const client = await store.client(record.issuer);
      revocation = metadata?.revocation_endpoint ? await revokeAll(metadata, tokens, client, fetchFn) : 'not_supported';
    } catch (err) {
      revocation = 'failed';
      revocationError = err instanceof Error ? err.message : String(err);
      unconfirmed = isOAuthTimeout(err) || err instanceof OAuthRequestCancelledError;
    }
  }
  const hadTokens = await store.forget(serverUrl);
  return { hadTokens, revocation, ...(revocationError ? { revocationError } : {}), ...(unconfirmed ? { unconfirmed: true as const } : {}) };
}

/** The refresh token first: revoking it ends the grant, and with it (at most servers) its access tokens. */
async function revokeAll(metadata: RevocationMetadata, tokens: StoredOAuthTokens, client: StoredOAuthClientInformation | undefined, fetchFn: FetchLike): Promise<RevocationOutcome> {
  const endpoint = oauthSdk().assertSecureTokenEndpoint(metadata.revocation_endpoint!);
  if (tokens.refresh_token) await revokeOne(endpoint, metadata, tokens.refresh_token, 'refresh_token', client, fetchFn);
  await revokeOne(endpoint, metadata, tokens.access_token, 'access_token', client, fetchFn);
  return 'revoked';
}

async function revokeOne(
  endpoint: URL,
  metadata: RevocationMetadata,
  token: string,
  hint: 'refresh_token' | 'access_token',
  client: StoredOAuthClientInformation | undefined,
  fetchFn: FetchLike,
): Promise<void> {
  const body = new URLSearchParams({ token, token_type_hint: hint });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (client) authenticate(client, metadata, body, headers);
  const res = await fetchFn(endpoint, { method: 'POST', headers, body });
  // RFC 7009 §2.2: 200 whether or not the token was still valid; anything else is a refusal.
  if (res.ok) return;
  let code = '';
  try {
    const json = (await res.json()) as { error?: unknown };
    if (typeof json.error === 'string') code = ` ('${json.error}')`;
  } catch {
    // Not JSON: the status says enough.
  }
  throw new Error(`the revocation endpoint ${endpoint.origin}${endpoint.pathname} answered HTTP ${res.status}${code} for the ${hint.replace('_', ' ')}`);
}

/** Client authentication at the revocation endpoint (RFC 7009 §2.1), the way the token endpoint gets it. */
function authenticate(client: StoredOAuthClientInformation, metadata: RevocationMetadata, body: URLSearchParams, headers: Record<string, string>): void {
  const supported = metadata.revocation_endpoint_auth_methods_supported ?? metadata.token_endpoint_auth_methods_supported ?? [];
  const method = oauthSdk().selectClientAuthMethod(client, supported);
  if (method === 'client_secret_basic' && client.client_secret) {
    const credentials = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    return;
  }
  body.set('client_id', client.client_id);
  if (method === 'client_secret_post' && client.client_secret) body.set('client_secret', client.client_secret);
}

/** One sentence for the user about a sign-out; `where` names the place the tokens were deleted from. */
export function describeSignOut(server: string, result: SignOutResult, where = ''): string {
  if (!result.hadTokens) return `${server} had no stored sign-in.`;
  const from = where ? ` from ${where}` : '';
  switch (result.revocation) {
    case 'revoked':
      return `Signed out of ${server}: its tokens were revoked at the authorization server and deleted${from}.`;
    case 'not_supported':
      return `Signed out of ${server}: its tokens were deleted${from}. The authorization server offers no revocation endpoint, so they stay valid there until they expire.`;
    default:
      if (result.unconfirmed) {
        return `Signed out of ${server}: its tokens were deleted${from}, but their revocation could not be confirmed (${result.revocationError ?? 'no answer'}). They may stay valid at the authorization server until they expire.`;
      }
      return `Signed out of ${server}, but revoking its tokens failed: ${result.revocationError ?? 'unknown error'}. They were deleted${from} anyway; they stay valid at the authorization server until they expire.`;
  }
}
