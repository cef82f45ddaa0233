// What the user reads when a running server's token refresh gets no answer, is refused (invalid_grant,
// invalid_client), gets an HTTP 5xx or no connection, from the built CLI (a real process, its real stdout and stderr):
// one message from MCP Harness on stderr (naming the authorization server and what to do: `mcp-harness login`, or
// wait for it / check that it can be reached); nothing from the SDK (it would print its own "Could not refresh OAuth
// tokens" / "OAuth invalid_grant" / "OAuth invalid_client" warning through console.warn), and nothing on stdout,
// which is for results.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signIn } from '../../../src/core/auth';
import { cliTokenStore } from '../../../src/cli/tokenStore';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';
import { browse, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';

describe('auth: a token refresh that fails, as the CLI process prints it', function () {
  this.timeout(120_000);
  let built: { cli: string; dispose(): void };
  let home: string;
  let ws: string;

  before(() => {
    built = buildPrivateCli();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mcp-harness-refresh-out-home-'));
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-refresh-out-ws-'));
  });
  afterEach(() => {
    stopOAuthFixtures();
    rmSync(home, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  });
  after(() => built.dispose());

  it('no answer: one message from MCP Harness on stderr, none from the SDK, an empty stdout', async () => {
    // Access tokens are issued already expired, so the command's first request needs a refresh, which the fixture holds.
    const fx = await startOAuthFixture(['--token-ttl', '0']);
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fx.url } } }));
    const env = { XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '', MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: '300' };
    await signIn({ serverUrl: fx.url, store: cliTokenStore(env), openBrowser: browse });
    await fx.hang('refresh');

    const run = await runCli(built.cli, ['tools', 'remote', '--json', '--workspace', ws], ws, '', env);

    assert.equal(run.code, 3, run.stderr);
    assert.ok((await fx.events()).some((e) => e.type === 'hung' && e.what === 'refresh'), 'the refresh was sent and held');
    assert.equal(run.stdout, '', 'stdout holds results only');
    const said = `the token refresh at http://127.0.0.1:${fx.port}/ did not answer within 300 ms; sign in again.`;
    assert.equal(run.stderr.split(said).length - 1, 1, `said once:\n${run.stderr}`);
    assert.match(run.stderr, /Run `mcp-harness login remote` to sign in\./);
    assert.doesNotMatch(run.stderr, /mcp-sdk|Could not refresh|falling back/i, `nothing from the SDK:\n${run.stderr}`);
  });

  it('a refresh token the server no longer accepts: "sign in again" once, nothing from the SDK', async () => {
    const fx = await startOAuthFixture();
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fx.url } } }));
    const env = { XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '' };
    await signIn({ serverUrl: fx.url, store: cliTokenStore(env), openBrowser: browse });
    await fx.control('revoke');
    await fx.control('expire');

    const run = await runCli(built.cli, ['tools', 'remote', '--json', '--workspace', ws], ws, '', env);

    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, '', 'stdout holds results only');
    assert.equal(run.stderr.split('the stored sign-in has expired or was revoked; sign in again.').length - 1, 1, `said once:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /mcp-sdk|invalid_grant/i, `nothing from the SDK:\n${run.stderr}`);
  });

  /** `tools remote` on a signed-in fixture whose access tokens are issued expired, after `breakRefresh`. */
  async function toolsAfter(args: string[], breakRefresh: (fx: OAuthFixture) => Promise<void>) {
    const fx = await startOAuthFixture(['--token-ttl', '0', ...args]);
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fx.url } } }));
    const env = { XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '' };
    await signIn({ serverUrl: fx.url, store: cliTokenStore(env), openBrowser: browse });
    await breakRefresh(fx);
    return { fx, run: await runCli(built.cli, ['tools', 'remote', '--json', '--workspace', ws], ws, '', env) };
  }

  /** Exactly one `said` on stderr, an empty stdout, and no warning of the SDK's. */
  function saidOnce(run: { stdout: string; stderr: string }, said: string): void {
    assert.equal(run.stdout, '', 'stdout holds results only');
    assert.equal(run.stderr.split(said).length - 1, 1, `said once:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /mcp-sdk|Could not refresh OAuth|falling back|invalidating the stored/i, `nothing from the SDK:\n${run.stderr}`);
  }

  it('a client the authorization server no longer knows (invalid_client): "sign in again" once, and how', async () => {
    const { fx, run } = await toolsAfter([], (fx) => fx.refreshAnswer('invalid_client'));
    assert.equal(run.code, 3, run.stderr);
    saidOnce(run, `its authorization server http://127.0.0.1:${fx.port}/ no longer accepts this client's registration (invalid_client); sign in again.`);
    assert.match(run.stderr, /Run `mcp-harness login remote` to sign in\./);
  });

  it('an HTTP 5xx from the token endpoint: the authorization server is failing, once; no sign-in asked for', async () => {
    const { fx, run } = await toolsAfter([], (fx) => fx.refreshAnswer(502));
    assert.equal(run.code, 3, run.stderr);
    saidOnce(run, `its authorization server http://127.0.0.1:${fx.port}/ answered HTTP 502, so it is failing. The sign-in is kept; try again later.`);
    assert.doesNotMatch(run.stderr, /mcp-harness login|needs sign-in/, 'not a sign-in matter');
  });

  it('a token endpoint that refuses the connection: the authorization server cannot be reached, once; no sign-in asked for', async () => {
    const { fx, run } = await toolsAfter(['--token-port'], (fx) => fx.control('token-port-down'));
    assert.equal(run.code, 3, run.stderr);
    saidOnce(run, `its authorization server http://127.0.0.1:${fx.port}/ could not be reached at `);
    assert.match(run.stderr, /\/token \(the connection was refused\)\. The sign-in is kept; check that it is running and reachable from here, then try again\./);
    assert.doesNotMatch(run.stderr, /mcp-harness login|needs sign-in/, 'not a sign-in matter');
  });
});
