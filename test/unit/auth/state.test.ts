// "Needs sign-in" is a state of the core's server registry, the same for every host: a start without a usable
// sign-in and a sign-out leave the server in 'needs-sign-in' with the reason, a call that needs a wider scope (403
// step-up) marks the running server with `signIn`; it is no failure of the server (the circuit breaker does not count it), and a start after a
// sign-in runs again.
import * as assert from 'node:assert/strict';
import { connectionAuthProviders, GrantStore, signIn } from '../../../src/core/auth';
import { browse, MemorySecretStore, startOAuthFixture, stopOAuthFixtures } from './helpers';
import { cleanup, makeDefinition, newManager, textOf } from '../servers/helpers';

describe('auth: "needs sign-in" as a server state of the core', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await cleanup();
    stopOAuthFixtures();
  });

  it('a start without a sign-in: state needs-sign-in with its reason; repeated starts never open the breaker', async () => {
    const fx = await startOAuthFixture();
    const store = new GrantStore(new MemorySecretStore());
    const { manager } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], {
      authProviderFor: connectionAuthProviders(store),
      hint: () => 'Sign in first.',
      retry: { backoffInitialMs: 0, breakerFailures: 2 },
    });
    const seen: string[] = [];
    manager.onDidChange((s) => seen.push(s.status));
    for (let i = 0; i < 4; i++) await assert.rejects(manager.start('remote'), /needs sign-in: it requires OAuth/);
    const state = manager.state('remote')!;
    assert.equal(state.status, 'needs-sign-in');
    assert.deepEqual(state.signIn, { reason: 'not_signed_in', scope: undefined });
    assert.match(state.error!, /needs sign-in.*Sign in first\.$/, "the host's advice is in the state");
    assert.ok(!state.circuitOpen, 'needing a sign-in is not a failure of the server');
    assert.ok(seen.includes('needs-sign-in'), 'listeners heard of it');

    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    await manager.start('remote');
    assert.equal(manager.state('remote')!.status, 'running');
    assert.equal(manager.state('remote')!.signIn, undefined);
  });

  it('a call answered 403 insufficient_scope: still running, with signIn naming the wider scope; a sign-out: needs-sign-in', async () => {
    const fx = await startOAuthFixture();
    const store = new GrantStore(new MemorySecretStore());
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const { manager } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], { authProviderFor: connectionAuthProviders(store) });
    await manager.start('remote');
    await assert.rejects(manager.connection('remote').callTool('admin_echo', { text: 'hi' }), /wider permission/);
    const state = manager.state('remote')!;
    assert.equal(state.status, 'running', 'its other tools still work');
    assert.equal(state.signIn?.reason, 'insufficient_scope');
    assert.match(state.signIn?.scope ?? '', /mcp:admin/);
    assert.match(state.error ?? '', /wider permission/);
    assert.match(textOf(await manager.connection('remote').callTool('whoami', {})), /mcp:read/);

    await manager.restart('remote');
    assert.equal(manager.state('remote')!.status, 'running');
    assert.equal(manager.state('remote')!.signIn, undefined, 'a new start clears it');
    await manager.signedOut('remote');
    assert.equal(manager.state('remote')!.status, 'needs-sign-in');
    assert.equal(manager.state('remote')!.pid, undefined);
    assert.deepEqual(manager.state('remote')!.signIn, { reason: 'not_signed_in', scope: undefined });
  });
});
