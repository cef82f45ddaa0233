// A sign-in's Cancel reaches every request it makes (discovery, dynamic registration, the token exchange): against
// the OAuth fixture told to accept one of them and never answer, a cancelled sign-in settles at once as
// 'cancelled', with its loopback listener closed and no token stored. The per-request timeout is the caller's to
// set. A connection's token refresh is bounded by the same timeout and ended by the connection's close (and so by a
// stop while the server is starting).
import * as assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  connectionAuthProviders,
  findNeedsSignIn,
  GrantStore,
  HarnessOAuthProvider,
  NeedsSignInError,
  parseOAuthRequestTimeout,
  SignInError,
  signIn,
  signOut,
  withOAuthRequests,
} from '../../../src/core/auth';
import { browse, memoryGrantStore, MemorySecretStore, rejectionOf, settles, startOAuthFixture, stopOAuthFixtures, withConsoleWarnings, type OAuthFixture } from './helpers';
import { cleanup, makeDefinition, newManager, textOf } from '../servers/helpers';

/** Listening TCP servers of this process (the loopback listener is one while a sign-in runs). */
const listeners = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** The count of listeners once a closed one has left Node's list (its socket is closed at once, the entry goes a turn later). */
async function listenersSettled(expected: number): Promise<number> {
  for (let i = 0; i < 50 && listeners() !== expected; i++) await new Promise((r) => setTimeout(r, 10));
  return listeners();
}

/** Whether something still listens at `url` (a refused connection means the listener is closed). */
async function listening(url: string): Promise<boolean> {
  try {
    await (await fetch(url)).text();
    return true;
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return false;
    throw err;
  }
}

const storedTokens = (secrets: MemorySecretStore) => [...secrets.values.keys()].filter((k) => /\.tokens:/.test(k));

describe('auth: cancelling a sign-in reaches every request it makes', function () {
  this.timeout(30_000);
  let secrets: MemorySecretStore;
  let store: GrantStore;

  beforeEach(() => ({ secrets, store } = memoryGrantStore()));
  afterEach(() => stopOAuthFixtures());

  /** Starts a sign-in; `browser` follows the authorization URL when the sign-in gets that far. */
  function startSignIn(fx: OAuthFixture, browser: boolean) {
    const controller = new AbortController();
    const opened: string[] = [];
    const openBrowser = (url: URL) => {
      opened.push(url.href);
      return browser ? browse(url) : undefined;
    };
    const settled = signIn({ serverUrl: fx.url, store, openBrowser, signal: controller.signal });
    return { controller, opened, outcome: rejectionOf(settled) };
  }

  function assertCancelled(err: unknown): void {
    assert.ok(err instanceof SignInError, `a SignInError, got ${String(err)}`);
    assert.equal(err.failure, 'cancelled');
    assert.equal(err.message, 'Sign-in was cancelled.');
  }

  it('discovery that never answers: Cancel settles the sign-in at once, closes the listener, stores nothing', async () => {
    const fx = await startOAuthFixture(['--hang', 'resource-metadata']);
    const before = listeners();
    const { controller, opened, outcome } = startSignIn(fx, false);
    await fx.waitForEvent('hung', 'resource-metadata');
    assert.equal(listeners(), before + 1, 'the loopback listener is open while the discovery waits');
    controller.abort();
    assertCancelled(await settles(outcome, 'the cancelled sign-in'));
    assert.equal(await listenersSettled(before), before, 'the loopback listener is closed');
    assert.deepEqual(opened, [], 'no browser was opened');
    assert.equal(secrets.values.size, 0, 'nothing stored');
  });

  it('dynamic registration that never answers: Cancel settles at once; the redirect port refuses connections', async () => {
    const fx = await startOAuthFixture(['--hang', 'register']);
    const { controller, outcome } = startSignIn(fx, false);
    const hung = await fx.waitForEvent('hung', 'register');
    const redirectUrl = hung.redirectUris?.[0];
    assert.match(redirectUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(await listening(redirectUrl!), true, 'the listener answers before the cancel');
    controller.abort();
    assertCancelled(await settles(outcome, 'the cancelled sign-in'));
    assert.equal(await listening(redirectUrl!), false, 'the listener is closed');
    assert.deepEqual(storedTokens(secrets), []);
    assert.equal(await store.client(`http://127.0.0.1:${fx.port}/`), undefined, 'no client registration stored');
  });

  it('a token exchange that never answers: Cancel settles at once, and no token is stored', async () => {
    const fx = await startOAuthFixture(['--hang', 'token', '--prefix', 'PLANTED']);
    const { controller, opened, outcome } = startSignIn(fx, true);
    await fx.waitForEvent('hung', 'token');
    assert.equal(opened.length, 1, 'the browser came back with a code');
    controller.abort();
    assertCancelled(await settles(outcome, 'the cancelled sign-in'));
    assert.deepEqual(storedTokens(secrets), []);
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/);
  });

  it('sign-out: a cancel ends a revocation that gets no answer; the tokens are forgotten, the revocation unconfirmed', async () => {
    const fx = await startOAuthFixture(['--prefix', 'PLANTED']);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const record = await store.resource(fx.url);
    // The revocation endpoint named in the stored discovery is the fixture's token endpoint told to hang.
    const metadata = { ...record.discovery!.authorizationServerMetadata!, revocation_endpoint: `http://127.0.0.1:${fx.port}/token` };
    await store.updateResource(fx.url, { discovery: { ...record.discovery!, authorizationServerMetadata: metadata } });
    await fx.hang('token');
    const controller = new AbortController();
    const signingOut = signOut(fx.url, store, { signal: controller.signal });
    await fx.waitForEvent('hung', 'token');
    controller.abort();
    const result = await settles(signingOut, 'the cancelled sign-out');
    assert.deepEqual(result, { hadTokens: true, revocation: 'failed', revocationError: `the request to http://127.0.0.1:${fx.port}/token was cancelled`, unconfirmed: true });
    assert.deepEqual(storedTokens(secrets), []);
    assert.doesNotMatch(secrets.dump(), /PLANTED-(at|rt)-/);
  });

  it('a signal already aborted: nothing is sent', async () => {
    const fx = await startOAuthFixture();
    const err = await rejectionOf(signIn({ serverUrl: fx.url, store, openBrowser: () => {}, signal: AbortSignal.abort() }));
    assertCancelled(err);
    assert.deepEqual(await fx.events(), []);
  });

  it('the per-request timeout is the caller\'s: a request outliving it fails the sign-in as request_timeout with the limit', async () => {
    const fx = await startOAuthFixture(['--hang', 'as-metadata']);
    const err = await settles(rejectionOf(signIn({ serverUrl: fx.url, store, openBrowser: () => {}, fetchTimeoutMs: 250 })), 'the sign-in');
    assert.ok(err instanceof SignInError);
    assert.equal(err.failure, 'request_timeout');
    assert.equal(err.requestTimeoutMs, 250);
    assert.match(err.message, /^Sign-in failed: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server did not answer within 250 ms\.$/);
    assert.equal(storedTokens(secrets).length, 0);
  });
});

describe('auth: the OAuth request timeout as a setting or flag', () => {
  it('takes whole milliseconds from 1 to 2^31-1, as a number or digits', () => {
    assert.deepEqual(parseOAuthRequestTimeout(1, 'x'), { value: 1 });
    assert.deepEqual(parseOAuthRequestTimeout(' 60000 ', 'x'), { value: 60000 });
    assert.deepEqual(parseOAuthRequestTimeout(2 ** 31 - 1, 'x'), { value: 2147483647 });
  });

  for (const [raw, shown] of [
    [0, '0'],
    [-5, '-5'],
    ['-5', "'-5'"],
    ['abc', "'abc'"],
    ['', "''"],
    [1.5, '1.5'],
    ['1e3', "'1e3'"],
    [2 ** 31, '2147483648'],
    ['2147483648', "'2147483648'"],
    [null, 'null'],
    [true, 'true'],
  ] as const) {
    it(`refuses ${JSON.stringify(raw)}, naming the setting, the range and the value`, () => {
      assert.deepEqual(parseOAuthRequestTimeout(raw, 'mcpHarness.oauth.requestTimeoutMs'), {
        problem: `mcpHarness.oauth.requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647 (e.g. 60000); got ${shown}.`,
      });
    });
  }
});

describe('auth: a connection\'s token refresh is bounded and ends with the connection', function () {
  this.timeout(30_000);
  let store: GrantStore;
  const clients: Client[] = [];

  beforeEach(() => {
    store = new GrantStore(new MemorySecretStore());
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
    await cleanup();
    stopOAuthFixtures();
  });

  /** A signed-in fixture whose access tokens are issued expired (the first request is refreshed) and whose refreshes hang. */
  async function expiredAndHanging(): Promise<OAuthFixture> {
    const fx = await startOAuthFixture(['--token-ttl', '0']);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    await fx.hang('refresh');
    return fx;
  }

  /** The SDK's client over the transport the launcher builds: the provider's bounded fetch for OAuth requests. */
  function clientFor(fx: OAuthFixture, provider: HarnessOAuthProvider): { client: Client; connecting: Promise<void> } {
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    clients.push(client);
    const transport = withOAuthRequests(provider, (fetch) => new StreamableHTTPClientTransport(new URL(fx.url), { authProvider: provider, fetch }));
    return { client, connecting: client.connect(transport) };
  }

  it('a refresh that never answers: the server needs sign-in, naming the authorization server and the limit', async () => {
    const fx = await expiredAndHanging();
    const { manager, logger } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], {
      authProviderFor: connectionAuthProviders(store, { requestTimeoutMs: () => 300 }),
      hint: () => 'Sign in with the host.',
    });
    const warnings: unknown[][] = [];
    const err = await settles(rejectionOf(withConsoleWarnings(warnings, () => manager.start('remote'))), 'the start');
    // The host's log (VS Code's output channel) has the one message; the console (the extension host's log) has nothing.
    assert.deepEqual(warnings, [], 'nothing printed to the console');
    assert.equal(logger.count(/did not answer within 300 ms; sign in again/), 1, logger.lines.join('\n'));
    await fx.waitForEvent('hung', 'refresh');
    const needs = findNeedsSignIn(err);
    assert.ok(needs instanceof NeedsSignInError, `needs sign-in, got ${String(err)}`);
    assert.equal(needs.reason, 'refresh_unanswered');
    assert.equal(needs.message, `${fx.url} needs sign-in: the token refresh at http://127.0.0.1:${fx.port}/ did not answer within 300 ms; sign in again.`);
    const state = manager.state('remote')!;
    assert.equal(state.status, 'needs-sign-in');
    assert.equal(state.signIn?.reason, 'refresh_unanswered');
    assert.match(state.error ?? '', /did not answer within 300 ms; sign in again\..*Sign in with the host\.$/);
  });

  it('closing the connection ends a refresh in flight at once, and it is no sign-in matter', async () => {
    const fx = await expiredAndHanging();
    const reported: NeedsSignInError[] = [];
    const provider = new HarnessOAuthProvider({ serverUrl: fx.url, store, onNeedsSignIn: (e) => reported.push(e) });
    const transport = withOAuthRequests(provider, (fetch) => new StreamableHTTPClientTransport(new URL(fx.url), { authProvider: provider, fetch }));
    await transport.start();
    // The send settles when the transport's whole sign-in step (refresh, and whatever the SDK does after it) has.
    const sending = rejectionOf(transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    await fx.waitForEvent('hung', 'refresh');
    await transport.close();
    // The request's own limit is 30 s here: only the close can have ended it.
    const err = await settles(sending, 'the request waiting on the refresh');
    assert.equal(findNeedsSignIn(err), undefined, `not a needs-sign-in: ${String(err)}`);
    assert.deepEqual(reported, [], 'the host was not told to ask for a sign-in');
    await settles(fx.waitForEvent('hung-ended', 'refresh'), 'the refresh request');
  });

  it('stopping the server while its start waits for a refresh ends the refresh at once; the server is stopped, no sign-in asked', async () => {
    const fx = await expiredAndHanging();
    const reported: NeedsSignInError[] = [];
    // The refresh's own limit is 30 s: only the stop can end it within the bounds below.
    const { manager } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], {
      authProviderFor: connectionAuthProviders(store, { onNeedsSignIn: (_def, e) => reported.push(e), requestTimeoutMs: () => 30_000 }),
    });
    const outcome = rejectionOf(manager.start('remote'));
    await fx.waitForEvent('hung', 'refresh');
    await settles(manager.stop('remote'), 'the stop');
    const err = await settles(outcome, 'the start');
    assert.equal((err as Error).message, 'remote was stopped while it was starting.');
    await settles(fx.waitForEvent('hung-ended', 'refresh'), 'the refresh request');
    await fx.events();
    await fx.events();
    assert.deepEqual(reported, [], 'the host was not told to ask for a sign-in');
    const state = manager.state('remote')!;
    assert.deepEqual([state.status, state.error, state.signIn], ['stopped', undefined, undefined]);
  });

  it('the bound is for OAuth requests only: a tool call longer than it goes through', async () => {
    const fx = await startOAuthFixture();
    await signIn({ serverUrl: fx.url, store, openBrowser: browse });
    const provider = new HarnessOAuthProvider({ serverUrl: fx.url, store, requestTimeoutMs: 100 });
    const { client, connecting } = clientFor(fx, provider);
    await connecting;
    assert.equal(textOf(await settles(client.callTool({ name: 'wait', arguments: { ms: 400 } }), 'the call')), 'waited 400 ms');
  });
});
