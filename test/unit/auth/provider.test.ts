// The OAuth client against the fixture authorization server + protected MCP server on 127.0.0.1, through the
// v2 SDK's own Client and Streamable HTTP transport with our provider: sign-in, refresh, RFC 9207 issuer check,
// 403 step-up, revoked refresh token, CIMD and dynamic registration, and the loopback listener's limits.
import * as assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { findNeedsSignIn, GrantStore, HarnessOAuthProvider, LoopbackRedirect, NeedsSignInError, SignInError, signIn, signOut } from '../../../src/core/auth';
import { browse, MemorySecretStore, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';

async function connect(fx: OAuthFixture, store: GrantStore): Promise<Client> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(fx.url), { authProvider: new HarnessOAuthProvider({ serverUrl: fx.url, store }) });
  await client.connect(transport);
  return client;
}

async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as { content: { type: string; text?: string }[] };
  return result.content.map((c) => c.text ?? '').join('');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('auth: OAuth provider against the loopback fixture', function () {
  this.timeout(30_000);
  let secrets: MemorySecretStore;
  let store: GrantStore;
  const clients: Client[] = [];
  const connected = async (fx: OAuthFixture) => {
    const c = await connect(fx, store);
    clients.push(c);
    return c;
  };

  beforeEach(() => {
    secrets = new MemorySecretStore();
    store = new GrantStore(secrets);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
    stopOAuthFixtures();
  });

  it('needs sign-in before any token is stored, without registering a client', async () => {
    const fx = await startOAuthFixture();
    const err = findNeedsSignIn(await rejection(connect(fx, store)));
    assert.ok(err instanceof NeedsSignInError);
    assert.equal(err.reason, 'not_signed_in');
    assert.match(err.message, /needs sign-in/);
    assert.deepEqual((await fx.events()).filter((e) => e.type === 'register'), []);
  });

  it('signs in through the loopback redirect (discovery, dynamic registration, PKCE) and calls a tool', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    let seen: URL | undefined;
    const result = await signIn({ serverUrl: fx.url, store, openBrowser: (url) => ((seen = url), browse(url)) });
    assert.equal(result.issuer, `http://127.0.0.1:${fx.port}/`);
    assert.ok(seen, 'the authorization URL went to the browser');
    assert.equal(seen.searchParams.get('code_challenge_method'), 'S256');
    assert.match(seen.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(seen.searchParams.get('resource'), fx.url);
    const events = await fx.events();
    assert.equal(events.filter((e) => e.type === 'register').length, 1, 'dynamic registration (no CIMD advertised)');
    const verifier = events.find((e) => e.type === 'verifier')?.verifier;
    assert.ok(verifier && verifier.length >= 43, 'the code was redeemed with a PKCE verifier');
    assert.ok(events.some((e) => e.type === 'exchange'));
    assert.match(secrets.dump(), /PLANTED-at-/, 'the token is in the host store');
    const client = await connected(fx);
    assert.equal(await callText(client, 'whoami'), 'scopes: mcp:read offline_access');
  });

  it('refreshes an expired access token without asking the user', async () => {
    const fx = await startOAuthFixture(['--token-ttl', '0']);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const client = await connected(fx);
    assert.match(await callText(client, 'whoami'), /mcp:read/);
    assert.ok((await fx.events()).filter((e) => e.type === 'refresh').length >= 1, 'the expired token was refreshed');
  });

  it('refuses an authorization response whose iss names another authorization server, storing nothing', async () => {
    const fx = await startOAuthFixture(['--wrong-iss', '--prefix', 'PLANTED']);
    const err = await rejection(signIn({ serverUrl: fx.url, store, openBrowser: browse }));
    assert.ok(err instanceof SignInError, String(err));
    assert.equal(err.failure, 'issuer_mismatch');
    assert.deepEqual((await fx.events()).filter((e) => e.type === 'exchange'), [], 'the code was never redeemed');
    assert.doesNotMatch(secrets.dump(), /PLANTED-at-/);
    assert.doesNotMatch(err.message, /PLANTED/);
  });

  it('steps up on 403 insufficient_scope: needs sign-in with the wider scope, then the tool works', async () => {
    const fx = await startOAuthFixture();
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const client = await connected(fx);
    const err = findNeedsSignIn(await rejection(callText(client, 'admin_echo', { text: 'hi' })));
    assert.ok(err, 'a NeedsSignInError in the cause chain');
    assert.equal(err.reason, 'insufficient_scope');
    assert.match(err.requiredScope ?? '', /mcp:admin/);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const authorizations = (await fx.events()).filter((e) => e.type === 'authorize');
    assert.match(authorizations.at(-1)?.scope ?? '', /mcp:read.*mcp:admin|mcp:admin.*mcp:read/, 'the new sign-in keeps the old scope and adds the new one');
    const again = await connected(fx);
    assert.equal(await callText(again, 'admin_echo', { text: 'hi' }), 'admin: hi');
    assert.equal((await store.resource(fx.url)).pendingScope, undefined);
  });

  it('a revoked refresh token means "sign in again"', async () => {
    const fx = await startOAuthFixture();
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    await fx.control('revoke');
    await fx.control('expire');
    const err = findNeedsSignIn(await rejection(connect(fx, store)));
    assert.ok(err);
    assert.equal(err.reason, 'expired');
    assert.match(err.message, /sign in again/);
  });

  it('uses a Client ID Metadata Document when the authorization server supports it (no registration)', async () => {
    const cimd = 'https://client.example/mcp-harness.json';
    const fx = await startOAuthFixture(['--cimd', cimd]);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse, clientMetadataUrl: cimd });
    const events = await fx.events();
    assert.deepEqual(events.filter((e) => e.type === 'register'), []);
    assert.equal(events.find((e) => e.type === 'authorize')?.clientId, cimd);
    assert.match(await callText(await connected(fx), 'whoami'), /mcp:read/);
  });

  it('signs out: the stored tokens are gone and the server needs sign-in again', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    assert.equal((await signOut(fx.url, store)).hadTokens, true);
    assert.doesNotMatch(secrets.dump(), /PLANTED-at-|PLANTED-rt-/);
    assert.deepEqual(await signOut(fx.url, store), { hadTokens: false, revocation: 'nothing_stored' });
    assert.ok(findNeedsSignIn(await rejection(connect(fx, store))));
  });
});

describe('auth: loopback redirect listener', () => {
  const state = () => 'expected-state';

  it('listens on 127.0.0.1 at a random port and takes one response with the expected state', async () => {
    const redirect = await LoopbackRedirect.listen(state);
    assert.match(redirect.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const waiting = redirect.wait({ timeoutMs: 5000 });
    const forged = await fetch(`${redirect.redirectUrl}?code=forged&state=other`);
    assert.equal(forged.status, 400, 'a response with another state is refused');
    const ok = await fetch(`${redirect.redirectUrl}?code=abc&state=expected-state&iss=${encodeURIComponent('http://as/')}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await waiting, { code: 'abc', iss: 'http://as/' });
    await assert.rejects(fetch(`${redirect.redirectUrl}?code=again&state=expected-state`), 'one-shot: the listener is closed');
  });

  it('times out with a SignInError naming the wait', async () => {
    const redirect = await LoopbackRedirect.listen(state);
    const err = await rejection(redirect.wait({ timeoutMs: 50 }));
    assert.ok(err instanceof SignInError);
    assert.equal(err.failure, 'timeout');
    assert.match(err.message, /did not come back/);
  });

  it('is cancelled by its signal', async () => {
    const redirect = await LoopbackRedirect.listen(state);
    const controller = new AbortController();
    const waiting = redirect.wait({ timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    const err = await rejection(waiting);
    assert.ok(err instanceof SignInError);
    assert.equal(err.failure, 'cancelled');
  });

  it('reports an authorization error (access_denied) from the redirect', async () => {
    const redirect = await LoopbackRedirect.listen(state);
    const waiting = redirect.wait({ timeoutMs: 5000 });
    await fetch(`${redirect.redirectUrl}?error=access_denied&state=expected-state`);
    const err = await rejection(waiting);
    assert.ok(err instanceof SignInError);
    assert.equal(err.failure, 'denied');
  });
});
