// Signing out revokes the stored tokens at the authorization server (RFC 7009) when its metadata advertises a
// revocation endpoint, then forgets them; a revocation that fails is reported and the tokens are forgotten anyway.
import * as assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describeSignOut, GrantStore, signIn, SignInError, signOut } from '../../../src/core/auth';
import { browse, memoryGrantStore, MemorySecretStore, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';

/** The status the protected MCP endpoint gives a bearer token (401: the token is not valid there). */
async function statusWith(fx: OAuthFixture, accessToken: string): Promise<number> {
  const res = await fetch(fx.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await res.text();
  return res.status;
}

/** A loopback HTTP endpoint that accepts every connection and never answers; counts the connections. */
async function silentServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => sockets.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('auth: sign-out revokes the tokens (RFC 7009)', function () {
  this.timeout(30_000);
  let secrets: MemorySecretStore;
  let store: GrantStore;

  beforeEach(() => ({ secrets, store } = memoryGrantStore()));
  afterEach(() => stopOAuthFixtures());

  /** Signs in and returns the stored tokens (to check afterwards what the authorization server still accepts). */
  async function signedIn(fx: OAuthFixture): Promise<{ access: string; refresh: string }> {
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const record = await store.resource(fx.url);
    const tokens = await store.tokens(record.issuer!, fx.url);
    assert.ok(tokens?.access_token && tokens.refresh_token);
    return { access: tokens.access_token, refresh: tokens.refresh_token };
  }

  it('revokes the refresh and the access token at the revocation endpoint, then forgets them', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    const tokens = await signedIn(fx);
    assert.equal(await statusWith(fx, tokens.access), 200, 'the token works before the sign-out');
    const result = await signOut(fx.url, store);
    assert.deepEqual(result, { hadTokens: true, revocation: 'revoked' });
    const revokes = (await fx.events()).filter((e) => e.type === 'revoke') as unknown as { hint: string; kind: string; known: boolean }[];
    assert.deepEqual(
      revokes.map((e) => [e.hint, e.kind, e.known]),
      [
        ['refresh_token', 'refresh_token', true],
        ['access_token', 'access_token', true],
      ],
    );
    assert.equal(await statusWith(fx, tokens.access), 401, 'the revoked access token is refused');
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/, 'nothing is left in the store');
    assert.match(describeSignOut('remote', result), /revoked at the authorization server and deleted/);
  });

  it('an authorization server without a revocation endpoint: the tokens are forgotten and the user is told they stay valid', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED', '--no-revocation']);
    const tokens = await signedIn(fx);
    const result = await signOut(fx.url, store);
    assert.deepEqual(result, { hadTokens: true, revocation: 'not_supported' });
    assert.equal(await statusWith(fx, tokens.access), 200, 'nothing revoked it');
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/);
    assert.match(describeSignOut('remote', result), /no revocation endpoint, so they stay valid there until they expire/);
  });

  it('a revocation endpoint that fails: reported (no token in the message), the tokens forgotten anyway', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED', '--revoke-status', '503']);
    await signedIn(fx);
    const result = await signOut(fx.url, store);
    assert.equal(result.hadTokens, true);
    assert.equal(result.revocation, 'failed');
    assert.match(result.revocationError ?? '', /revocation endpoint http:\/\/127\.0\.0\.1:\d+\/revoke answered HTTP 503 \('temporarily_unavailable'\) for the refresh token/);
    assert.doesNotMatch(result.revocationError ?? '', /PLANTED-/);
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/, 'forgotten although the revocation failed');
    assert.match(describeSignOut('remote', result, '/tmp/tokens.json'), /revoking its tokens failed: .*HTTP 503.* They were deleted from \/tmp\/tokens\.json anyway/);
  });

  it('an authorization server that cannot be reached: reported, the tokens forgotten anyway', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    await signedIn(fx);
    // The stored discovery names the endpoint; the server is gone by the time the user signs out.
    fx.stop();
    await new Promise((r) => fx.child.once('exit', r));
    const result = await signOut(fx.url, store);
    assert.equal(result.revocation, 'failed');
    assert.match(result.revocationError ?? '', /fetch failed|ECONNREFUSED/);
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/);
  });

  it('an authorization server that never answers its metadata discovery: the sign-out ends after the timeout, the tokens forgotten, the revocation unconfirmed', async () => {
    const silent = await silentServer();
    try {
      const resource = 'https://mcp.example/mcp';
      // Signed in earlier, with nothing known about the authorization server but its issuer URL.
      await store.updateResource(resource, { issuer: `${silent.url}/` });
      await store.saveTokens(`${silent.url}/`, resource, { access_token: 'PLANTED-at-1', refresh_token: 'PLANTED-rt-1', token_type: 'Bearer' });
      const result = await signOut(resource, store, { fetchTimeoutMs: 200 });
      assert.equal(result.hadTokens, true);
      assert.equal(result.revocation, 'failed');
      assert.equal(result.unconfirmed, true);
      assert.equal(result.revocationError, `${silent.url}/.well-known/oauth-authorization-server did not answer within 200 ms`);
      assert.equal(silent.connections(), 1, 'the discovery went out');
      assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/, 'forgotten although nothing answered');
      assert.equal(
        describeSignOut('remote', result, '/tmp/tokens.json'),
        `Signed out of remote: its tokens were deleted from /tmp/tokens.json, but their revocation could not be confirmed (${result.revocationError}). They may stay valid at the authorization server until they expire.`,
      );
    } finally {
      await silent.close();
    }
  });

  it('a revocation endpoint that never answers: the sign-out ends after the timeout, the tokens forgotten, the revocation unconfirmed', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    const silent = await silentServer();
    try {
      await signedIn(fx);
      const record = await store.resource(fx.url);
      const metadata = { ...record.discovery!.authorizationServerMetadata!, revocation_endpoint: `${silent.url}/revoke` };
      await store.updateResource(fx.url, { discovery: { ...record.discovery!, authorizationServerMetadata: metadata } });
      const result = await signOut(fx.url, store, { fetchTimeoutMs: 200 });
      assert.deepEqual(result, { hadTokens: true, revocation: 'failed', revocationError: `${silent.url}/revoke did not answer within 200 ms`, unconfirmed: true });
      assert.equal(silent.connections(), 1, 'the refresh token\'s revocation went out (and the access token\'s was not tried after it)');
      assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/);
      assert.match(describeSignOut('remote', result), /revocation could not be confirmed \(.*\/revoke did not answer within 200 ms\)/);
    } finally {
      await silent.close();
    }
  });

  it('sign-in: a server that never answers ends the sign-in after the same timeout, with a request_timeout failure', async () => {
    // (The first request of a sign-in asks the MCP server itself whether it wants a sign-in.)
    const silent = await silentServer();
    try {
      const opened: string[] = [];
      await assert.rejects(
        signIn({ serverUrl: `${silent.url}/mcp`, store, openBrowser: (url) => void opened.push(url.href), fetchTimeoutMs: 200 }),
        (err: unknown) => err instanceof SignInError && err.failure === 'request_timeout' && /^Sign-in failed: http:\/\/127\.0\.0\.1:\d+\/mcp did not answer within 200 ms\.$/.test(err.message),
      );
      assert.deepEqual(opened, [], 'no browser was opened');
      assert.equal(secrets.values.size, 0, 'nothing stored');
    } finally {
      await silent.close();
    }
  });

  it('nothing stored: nothing to revoke, nothing sent', async () => {
    const fx = await startOAuthFixture();
    assert.deepEqual(await signOut(fx.url, store), { hadTokens: false, revocation: 'nothing_stored' });
    assert.deepEqual((await fx.events()).filter((e) => e.type.startsWith('revoke')), []);
    assert.equal(describeSignOut('remote', { hadTokens: false, revocation: 'nothing_stored' }), 'remote had no stored sign-in.');
  });
});
