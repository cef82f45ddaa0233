// A running sign-in's token refresh that the authorization server refuses or cannot do, through a real ServerManager
// against the OAuth fixture: the client it no longer knows (invalid_client), an HTTP 5xx, a token endpoint whose
// connection is refused. Each gives one message from MCP Harness in the host's log (VS Code's output channel) saying
// what happened and what to do, and nothing on the console (the SDK would print "OAuth invalid_client — …" or
// "Could not refresh OAuth tokens; falling back …" there, and then report a sign-in that merely expired).
import * as assert from 'node:assert/strict';
import { AuthorizationServerError, connectionAuthProviders, findAuthorizationServerError, findNeedsSignIn, GrantStore, signIn } from '../../../src/core/auth';
import { browse, memoryGrantStore, rejectionOf, settles, startOAuthFixture, stopOAuthFixtures, withConsoleWarnings, type OAuthFixture } from './helpers';
import { cleanup, makeDefinition, newManager } from '../servers/helpers';

describe('auth: a token refresh the authorization server refuses or cannot do', function () {
  this.timeout(30_000);
  let store: GrantStore;

  beforeEach(() => ({ store } = memoryGrantStore()));
  afterEach(async () => {
    await cleanup();
    stopOAuthFixtures();
  });

  /** A signed-in fixture whose access tokens are issued expired, so a start refreshes first. */
  async function signedIn(args: string[] = [], preRegistered?: { client_id: string; client_secret: string }): Promise<OAuthFixture> {
    const fx = await startOAuthFixture(['--token-ttl', '0', ...args]);
    await signIn({ serverUrl: fx.url, store, openBrowser: browse, preRegistered });
    return fx;
  }

  /** A manager for the fixture's server, its start's rejection, what reached the console and what reached the host's log. */
  async function failedStart(fx: OAuthFixture) {
    const { manager, logger } = newManager([makeDefinition({ id: 'remote', transport: 'http', url: fx.url })], {
      authProviderFor: connectionAuthProviders(store, { requestTimeoutMs: () => 10_000 }),
    });
    const warnings: unknown[][] = [];
    const err = await settles(rejectionOf(withConsoleWarnings(warnings, () => manager.start('remote'))), 'the start');
    return { manager, logger, err, warnings };
  }

  const storedIssuer = async (fx: OAuthFixture) => (await store.resource(fx.url)).issuer!;

  it('invalid_client: the server needs sign-in because its registration is gone; client and tokens forgotten', async () => {
    const fx = await signedIn();
    const issuer = await storedIssuer(fx);
    assert.ok(await store.client(issuer), 'a registered client before');
    await fx.refreshAnswer('invalid_client');

    const { manager, logger, err, warnings } = await failedStart(fx);

    assert.deepEqual(warnings, [], 'nothing printed to the console');
    const said = `${fx.url} needs sign-in: its authorization server http://127.0.0.1:${fx.port}/ no longer accepts this client's registration (invalid_client); sign in again.`;
    assert.deepEqual(logger.lines, [`warn ${said}`], 'the one message in the host\'s log');
    assert.equal(findNeedsSignIn(err)?.reason, 'client_rejected', String(err));
    assert.equal(manager.state('remote')!.status, 'needs-sign-in');
    assert.equal(await store.client(issuer), undefined, 'the refused registration is forgotten (the next sign-in registers anew)');
    assert.equal(await store.tokens(issuer, fx.url), undefined, 'its tokens are forgotten');
    assert.ok((await fx.events()).some((e) => e.type === 'refresh-refused'), 'the refresh was sent and refused');
  });

  it('a pre-registered client refused: says to check the configured client id', async () => {
    const fx = await signedIn(['--client', 'harness-test:s3cret'], { client_id: 'harness-test', client_secret: 's3cret' });
    await fx.refreshAnswer('invalid_client');
    const def = makeDefinition({ id: 'remote', transport: 'http', url: fx.url, oauth: { clientId: 'harness-test', clientSecret: 's3cret' } });
    const { manager } = newManager([def], { authProviderFor: connectionAuthProviders(store) });
    const warnings: unknown[][] = [];
    const err = await settles(rejectionOf(withConsoleWarnings(warnings, () => manager.start('remote'))), 'the start');
    assert.deepEqual(warnings, [], 'nothing printed to the console');
    assert.match(String((err as Error).message), /refused the client id configured for it \(invalid_client\); check "oauth" clientId and clientSecret in its entry, then sign in again\.$/);
  });

  it('HTTP 503: the authorization server is failing; the sign-in is kept and works once it answers again', async () => {
    const fx = await signedIn();
    await fx.refreshAnswer(503);

    const { manager, logger, err, warnings } = await failedStart(fx);

    assert.deepEqual(warnings, [], 'nothing printed to the console');
    const said =
      `Could not connect to remote: the sign-in to ${fx.url} could not be refreshed: its authorization server http://127.0.0.1:${fx.port}/ ` +
      'answered HTTP 503, so it is failing. The sign-in is kept; try again later.';
    assert.deepEqual(logger.lines, [`warn ${said}`], 'the one message in the host\'s log');
    assert.equal(findNeedsSignIn(err), undefined, 'no sign-in asked for');
    assert.deepEqual(findAuthorizationServerError(err)?.problem, { kind: 'failing', status: 503 });
    assert.equal(manager.state('remote')!.status, 'error');

    await fx.refreshAnswer('');
    await manager.start('remote');
    assert.equal(manager.state('remote')!.status, 'running', 'the kept sign-in was refreshed');
  });

  it('connection refused: the authorization server cannot be reached, naming where; the sign-in is kept', async () => {
    const fx = await signedIn(['--token-port']);
    const issuer = await storedIssuer(fx);
    await fx.control('token-port-down');

    const { manager, logger, err, warnings } = await failedStart(fx);

    assert.deepEqual(warnings, [], 'nothing printed to the console');
    const problem = findAuthorizationServerError(err)?.problem;
    assert.ok(problem?.kind === 'unreachable', String(err));
    assert.notEqual(new URL(problem.endpoint).port, String(fx.port), 'the token endpoint on its own port');
    const said =
      `Could not connect to remote: the sign-in to ${fx.url} could not be refreshed: its authorization server http://127.0.0.1:${fx.port}/ ` +
      `could not be reached at ${problem.endpoint} (the connection was refused). The sign-in is kept; check that it is running and reachable from here, then try again.`;
    assert.deepEqual(logger.lines, [`warn ${said}`], 'the one message in the host\'s log');
    assert.ok(err instanceof Error && findAuthorizationServerError(err) instanceof AuthorizationServerError);
    assert.equal(findNeedsSignIn(err), undefined, 'no sign-in asked for');
    assert.equal(manager.state('remote')!.status, 'error');
    assert.ok(await store.tokens(issuer, fx.url), 'the tokens are kept');
  });
});
