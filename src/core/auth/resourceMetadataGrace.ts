// The first step of OAuth discovery, the protected-resource metadata (RFC 9728), is optional to the SDK: when it fails
// with anything but a TypeError, auth() falls back to the authorization server at the MCP server's origin. A server
// that accepts that request and never answers would cost a whole request timeout before the fallback. So once the
// request has had RESOURCE_METADATA_GRACE_MS, the fallback is asked whether it would work (the SDK's own discovery at
// the origin); if it answers, the request is given up and the SDK falls back at once. If it would not work, the
// request keeps its whole timeout: a slow server that names an authorization server elsewhere is still waited for.
import type { FetchLike } from '@modelcontextprotocol/client';
import { formatMs } from '../servers/errors';
import { oauthSdk } from './sdk';

/** How long the protected-resource metadata is waited for before the fallback is considered. */
export const RESOURCE_METADATA_GRACE_MS = 3_000;

/** The protected-resource metadata was given up on because the authorization server at the origin answered. */
export class ResourceMetadataGivenUpError extends Error {
  override readonly name = 'ResourceMetadataGivenUpError';
  constructor(
    readonly url: string,
    readonly graceMs: number,
  ) {
    super(`${url} did not answer within ${formatMs(graceMs)}; using the authorization server at the server's origin`);
  }
}

/** `fetchFn` with its protected-resource metadata requests given up on as described above; other requests untouched. */
export function withResourceMetadataGrace(fetchFn: FetchLike, graceMs = RESOURCE_METADATA_GRACE_MS): FetchLike {
  // A sign-in asks twice (auth() runs again for the code exchange): a request given up once is not waited for again.
  const givenUpBefore = new Set<string>();
  return async (input, init) => {
    const url = new URL(String(input));
    if ((init?.method ?? 'GET').toUpperCase() !== 'GET' || !url.pathname.startsWith('/.well-known/oauth-protected-resource')) return fetchFn(input, init);
    if (givenUpBefore.has(url.href)) throw new ResourceMetadataGivenUpError(`${url.origin}${url.pathname}`, graceMs);
    const giveUp = new AbortController();
    const answered = new AbortController();
    const signal = init?.signal ? AbortSignal.any([init.signal, giveUp.signal]) : giveUp.signal;
    const answer = fetchFn(input, { ...init, signal });
    let timer: NodeJS.Timeout | undefined;
    const fallbackWorks = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))).then(() =>
      originAnswers(fetchFn, url.origin, AbortSignal.any([signal, answered.signal])),
    );
    // Settles only when the fallback would work; otherwise the request's own answer, timeout or cancel decides.
    const givenUp = fallbackWorks.then((works) => (works ? ('given up' as const) : new Promise<never>(() => {})));
    try {
      const first = await Promise.race([answer, givenUp]);
      if (first !== 'given up') return first;
      giveUp.abort();
      answer.catch(() => {});
      givenUpBefore.add(url.href);
      throw new ResourceMetadataGivenUpError(`${url.origin}${url.pathname}`, graceMs);
    } finally {
      clearTimeout(timer);
      answered.abort();
    }
  };
}

/** Whether the SDK's fallback, the authorization server metadata at `origin`, answers. */
async function originAnswers(fetchFn: FetchLike, origin: string, signal: AbortSignal): Promise<boolean> {
  try {
    const fetchWithSignal: FetchLike = (input, init) => fetchFn(input, { ...init, signal });
    return (await oauthSdk().discoverAuthorizationServerMetadata(`${origin}/`, { fetchFn: fetchWithSignal })) !== undefined;
  } catch {
    return false;
  }
}
