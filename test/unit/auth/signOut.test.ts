// Signing out revokes the stored tokens at the authorization server (RFC 7009) when its metadata advertises a
// revocation endpoint, then forgets them; a revocation that fails is reported and the tokens are forgotten anyway.
import * as assert from 'node:assert/strict';
import { describeSignOut, GrantStore, signIn, signOut } from '../../../src/core/auth';
import { browse, MemorySecretStore, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';

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

describe('auth: sign-out revokes the tokens (RFC 7009)', function () {
  this.timeout(30_000);
  let secrets: MemorySecretStore;
  let store: GrantStore;

  beforeEach(() => {
    secrets = new MemorySecretStore();
    store = new GrantStore(secrets);
  });
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

  it('nothing stored: nothing to revoke, nothing sent', async () => {
    const fx = await startOAuthFixture();
    assert.deepEqual(await signOut(fx.url, store), { hadTokens: false, revocation: 'nothing_stored' });
    assert.deepEqual((await fx.events()).filter((e) => e.type.startsWith('revoke')), []);
    assert.equal(describeSignOut('remote', { hadTokens: false, revocation: 'nothing_stored' }), 'remote had no stored sign-in.');
  });
});
