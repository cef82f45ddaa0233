// Which servers get OAuth: every HTTP (Streamable HTTP or SSE) server, unless its config already sends its own
// Authorization header (static `headers`, e.g. with an `${input:…}` secret), which then stays in charge.
import type { FetchLike, OAuthClientProvider, Transport } from '@modelcontextprotocol/client';
import type { ServerDefinition } from '../config/types';
import type { NeedsSignInError } from './errors';
import { HarnessOAuthProvider, type HarnessOAuthProviderOptions } from './provider';
import type { GrantStore } from './store';

export interface OAuthHostOptions {
  /** Told which server needs a sign-in, when a connection finds out. */
  onNeedsSignIn?(def: ServerDefinition, err: NeedsSignInError): void;
  /** An HTTPS URL of the host's Client ID Metadata Document, when it has one. */
  clientMetadataUrl?: string;
  /** How long each OAuth request of a connection (a token refresh) may take, read when the connection starts. */
  requestTimeoutMs?(): number;
}

export function usesOAuth(def: ServerDefinition): boolean {
  if (def.transport === 'stdio' || !def.url) return false;
  return !Object.keys(def.headers ?? {}).some((h) => h.toLowerCase() === 'authorization');
}

/** How this client identifies itself to a server's authorization server: the entry's "oauth" block, else the host's CIMD. */
export function oauthClientFor(def: ServerDefinition, hostClientMetadataUrl?: string): Pick<HarnessOAuthProviderOptions, 'clientMetadataUrl' | 'preRegistered'> {
  const oauth = def.oauth;
  if (oauth?.clientId) return { preRegistered: { client_id: oauth.clientId, ...(oauth.clientSecret ? { client_secret: oauth.clientSecret } : {}) } };
  const clientMetadataUrl = oauth?.clientMetadataUrl ?? hostClientMetadataUrl;
  return clientMetadataUrl ? { clientMetadataUrl } : {};
}

/** The ServerManager's `authProviderFor`: a provider that uses stored sign-ins and never starts one. */
export function connectionAuthProviders(store: GrantStore, options: OAuthHostOptions = {}): (def: ServerDefinition) => OAuthClientProvider | undefined {
  return (def) => {
    if (!usesOAuth(def)) return undefined;
    const onNeedsSignIn = options.onNeedsSignIn && ((err: NeedsSignInError) => options.onNeedsSignIn!(def, err));
    const requestTimeoutMs = options.requestTimeoutMs?.();
    return new HarnessOAuthProvider({ serverUrl: def.url!, store, ...oauthClientFor(def, options.clientMetadataUrl), onNeedsSignIn, requestTimeoutMs });
  };
}

/**
 * An HTTP transport (`make` builds it with the fetch it is given) whose OAuth requests are bounded and end with it:
 * its close aborts a token refresh in flight. Other providers (or none) get the transport as `make` builds it.
 */
export function withOAuthRequests<T extends Transport>(provider: OAuthClientProvider | undefined, make: (fetch: FetchLike | undefined) => T): T {
  if (!(provider instanceof HarnessOAuthProvider)) return make(undefined);
  const ended = new AbortController();
  const transport = make(provider.requestsFetch(ended.signal));
  const close = transport.close.bind(transport);
  transport.close = async () => {
    ended.abort();
    await close();
  };
  return transport;
}
