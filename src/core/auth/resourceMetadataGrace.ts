// The first step of OAuth discovery, the protected-resource metadata (RFC 9728), is optional to the SDK: when it fails
// with anything but a TypeError, auth() falls back to the authorization server at the MCP server's origin. A server
// that accepts that request and never answers would cost a whole request timeout before the fallback. So once the
// request has had RESOURCE_METADATA_GRACE_MS, the fallback is asked whether it would work (the SDK's own discovery at
// the origin); if it answers, the request is given up and the SDK falls back at once. If it would not work, the
// request keeps its whole timeout: a slow server that names an authorization server elsewhere is still waited for.
// The grace does not follow the request timeout: a timeout shorter than it ends the request first, and the SDK falls
// back just the same (so a short timeout is not slowed), while a shorter grace would give up on more slow servers
// that name an authorization server elsewhere, for a different sign-in than they ask for.
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

/** Whether a request is for protected-resource metadata (RFC 9728), the optional first step of discovery. */
export function isResourceMetadataRequest(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return (init?.method ?? 'GET').toUpperCase() === 'GET' && url.pathname.startsWith('/.well-known/oauth-protected-resource');
}

/** `fetchFn` with its protected-resource metadata requests given up on as described above; other requests untouched. */
export function withResourceMetadataGrace(fetchFn: FetchLike, graceMs = RESOURCE_METADATA_GRACE_MS): FetchLike {
  return async (input, init) => {
    if (!isResourceMetadataRequest(input, init)) return fetchFn(input, init);
    const url = new URL(String(input));
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
