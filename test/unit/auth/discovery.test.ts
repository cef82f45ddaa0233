// The protected-resource metadata (RFC 9728) is the optional first step of discovery: a server that never answers it
// must not cost the sign-in a whole request timeout when the SDK's fallback (the authorization server at the server's
// origin) answers; a server that answers it slowly and names an authorization server elsewhere is still waited for.
// Against loopback servers: the OAuth fixture told to hang that request, and a small scripted server.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionAuthProviders, findNeedsSignIn, MAX_OAUTH_FETCH_TIMEOUT_MS, oauthSdk, signIn } from '../../../src/core/auth';
import { fetchWithTimeout } from '../../../src/core/auth/fetchTimeout';
import { RESOURCE_METADATA_GRACE_MS } from '../../../src/core/auth/resourceMetadataGrace';
import { browse, memoryGrantStore, rejectionOf, settles, startOAuthFixture, stopOAuthFixtures } from './helpers';
import { cleanup, makeDefinition, newManager } from '../servers/helpers';

describe('auth: a protected-resource metadata request that does not answer', function () {
  this.timeout(60_000);
  const servers: Server[] = [];

  afterEach(async () => {
    await cleanup();
    stopOAuthFixtures();
    for (const s of servers.splice(0)) s.close();
  });

  it('is given up once the authorization server at the origin answers: the sign-in completes within no request timeout', async () => {
    const fx = await startOAuthFixture(['--hang', 'resource-metadata']);
    const { store } = memoryGrantStore();
    // No request timeout that could end it: only giving the request up lets the sign-in go on.
    const signedIn = signIn({ serverUrl: fx.url, store, openBrowser: browse, fetchTimeoutMs: MAX_OAUTH_FETCH_TIMEOUT_MS });
    const result = await settles(signedIn, 'the sign-in', 20_000);
    assert.equal(result.issuer, `http://127.0.0.1:${fx.port}/`);
    const events = (await fx.events()).map((e) => `${e.type}${e.what ? ` ${e.what}` : ''}`);
    assert.equal(events.filter((e) => e === 'hung resource-metadata').length, 1, `asked once, not again for the code exchange: ${events.join(', ')}`);
    assert.ok(events.includes('exchange'), events.join(', '));
    await settles(fx.waitForEvent('hung-ended', 'resource-metadata'), 'the given-up request closing');
  });

  it('is given up in a connection too: a server not signed in needs sign-in within no request timeout', async () => {
    const fx = await startOAuthFixture(['--hang', 'resource-metadata']);
    const { store } = memoryGrantStore();
    const { manager } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], {
      authProviderFor: connectionAuthProviders(store, { requestTimeoutMs: () => MAX_OAUTH_FETCH_TIMEOUT_MS }),
    });
    const err = await settles(rejectionOf(manager.start('remote')), 'the start', 20_000);
    assert.equal(findNeedsSignIn(err)?.reason, 'not_signed_in', String(err));
    assert.equal(manager.state('remote')?.status, 'needs-sign-in');
    await settles(fx.waitForEvent('hung-ended', 'resource-metadata'), 'the given-up request closing');
  });

  it('ends at a request timeout shorter than the grace, once: the sign-in asks it again for the code exchange and does not wait again', async () => {
    const fx = await startOAuthFixture(['--hang', 'resource-metadata']);
    const { store } = memoryGrantStore();
    // The timeout ends the request before the grace would (the grace stays a constant: a short timeout comes first).
    const result = await settles(signIn({ serverUrl: fx.url, store, openBrowser: browse, fetchTimeoutMs: 300 }), 'the sign-in', 20_000);
    assert.equal(result.issuer, `http://127.0.0.1:${fx.port}/`);
    const events = (await fx.events()).map((e) => `${e.type}${e.what ? ` ${e.what}` : ''}`);
    assert.equal(events.filter((e) => e === 'hung resource-metadata').length, 1, `asked once, not again for the code exchange: ${events.join(', ')}`);
    assert.ok(events.includes('exchange'), events.join(', '));
  });

  it('is waited for when the origin has no authorization server: a slow answer naming one elsewhere is used', async () => {
    // Answers the metadata only after the grace; the authorization server lives under /as, the origin has none.
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/oauth-protected-resource/mcp') {
        setTimeout(() => json({ resource: `${base}/mcp`, authorization_servers: [`${base}/as`] }), RESOURCE_METADATA_GRACE_MS + 1000);
      } else if (req.url === '/.well-known/oauth-authorization-server/as') {
        json({ issuer: `${base}/as`, authorization_endpoint: `${base}/as/authorize`, token_endpoint: `${base}/as/token`, response_types_supported: ['code'] });
      } else {
        res.writeHead(404).end();
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const info = await oauthSdk().discoverOAuthServerInfo(`${base}/mcp`, { fetchFn: fetchWithTimeout(fetch, 30_000) });
    assert.equal(String(info.authorizationServerUrl), `${base}/as`);
    assert.equal(info.authorizationServerMetadata?.issuer, `${base}/as`);
  });
});
