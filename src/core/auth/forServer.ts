// Which servers get OAuth: every HTTP (Streamable HTTP or SSE) server, unless its config already sends its own
// Authorization header (static `headers`, e.g. with an `${input:…}` secret), which then stays in charge.
import type { OAuthClientProvider } from '@modelcontextprotocol/client';
import type { ServerDefinition } from '../config/types';
import { HarnessOAuthProvider } from './provider';
import type { GrantStore } from './store';

export interface OAuthHostOptions {
  /** An HTTPS URL of the host's Client ID Metadata Document, when it has one. */
  clientMetadataUrl?: string;
}

export function usesOAuth(def: ServerDefinition): boolean {
  if (def.transport === 'stdio' || !def.url) return false;
  return !Object.keys(def.headers ?? {}).some((h) => h.toLowerCase() === 'authorization');
}

/** The ServerManager's `authProviderFor`: a provider that uses stored sign-ins and never starts one. */
export function connectionAuthProviders(store: GrantStore, options: OAuthHostOptions = {}): (def: ServerDefinition) => OAuthClientProvider | undefined {
  return (def) => (usesOAuth(def) ? new HarnessOAuthProvider({ serverUrl: def.url!, store, clientMetadataUrl: options.clientMetadataUrl }) : undefined);
}
