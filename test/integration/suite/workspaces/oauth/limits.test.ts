// Runs on a copy of test/fixtures/workspaces/oauth (the `workspace:oauth` run): the sign-in's limits in the real
// extension host, against the OAuth fixture told never to answer its metadata discovery (the SDK goes on without
// the protected-resource metadata when that fails; the authorization server's is required). The setting
// mcpHarness.oauth.requestTimeoutMs reaches the requests (the failure names it), and cancelling the sign-in's
// progress (its CancellationToken) ends the sign-in at once as cancelled, storing nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { SignInError } from '../../../../../src/core/auth/errors';
import { launchOAuthFixture, type LaunchedOAuthFixture } from '../../../../fixtures/servers/oauth/launch';
import { activateHarness, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const SETTING = 'oauth.requestTimeoutMs';

describe('oauth workspace: sign-in request timeout and cancel', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let fixture: LaunchedOAuthFixture;
  const opened: string[] = [];
  const events = async () => (await (await fetch(`http://127.0.0.1:${fixture.port}/__fixture/events`)).json()) as { type: string; what?: string }[];
  const silent = () => api.discovery.definitions.find((d) => d.id === 'silent')!;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    fixture = await launchOAuthFixture(process.env.MCP_HARNESS_REPO ?? '', ['--hang', 'resource-metadata,as-metadata', '--prefix', 'PLANTED']);
    api.testing.setOpenExternal((url) => void opened.push(url.href));
    fs.writeFileSync(path.join(folder(), '.vscode', 'mcp.json'), JSON.stringify({ servers: { silent: { type: 'http', url: fixture.url } } }));
    await waitFor(() => api.discovery.definitions.some((d) => d.id === 'silent'), 'the silent server to be discovered', 15_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('mcpHarness').update(SETTING, undefined, vscode.ConfigurationTarget.Workspace);
    api.testing.setOpenExternal(undefined);
    fixture?.child.kill('SIGKILL');
  });

  it('mcpHarness.oauth.requestTimeoutMs bounds each request; the failure names the setting to raise', async () => {
    opened.length = 0;
    await vscode.workspace.getConfiguration('mcpHarness').update(SETTING, 400, vscode.ConfigurationTarget.Workspace);
    const err = await api.context.signIns.signIn(silent()).then(
      () => assert.fail('the sign-in should fail'),
      (e: unknown) => e,
    );
    // The extension's bundle has its own copy of the class: the error is told by its name and fields.
    assert.equal((err as SignInError).name, 'SignInError', String(err));
    assert.equal((err as SignInError).failure, 'request_timeout');
    assert.match((err as Error).message, /\/\.well-known\/oauth-authorization-server did not answer within 400 ms\. If the authorization server needs longer, raise the setting mcpHarness\.oauth\.requestTimeoutMs\.$/);
    assert.deepEqual(opened, []);
  });

  it('cancelling the sign-in ends it at once while discovery waits; nothing is stored', async () => {
    opened.length = 0;
    await vscode.workspace.getConfiguration('mcpHarness').update(SETTING, undefined, vscode.ConfigurationTarget.Workspace);
    const before = (await events()).filter((e) => e.type === 'hung').length;
    const cancel = new vscode.CancellationTokenSource();
    const outcome = api.context.signIns.signIn(silent(), cancel.token).then(
      () => 'signed in',
      (e: unknown) => e,
    );
    await waitFor(async () => (await events()).filter((e) => e.type === 'hung').length > before, 'the discovery request to arrive', 10_000);
    cancel.cancel();
    let settled = false;
    void outcome.then(() => (settled = true));
    // A guard against a hang (the request's own limit is 30 s), not a timing.
    await waitFor(() => settled, 'the cancelled sign-in to settle', 5_000);
    const err = (await outcome) as SignInError;
    assert.equal(err.name, 'SignInError', String(err));
    assert.equal(err.failure, 'cancelled');
    assert.equal(err.message, 'Sign-in was cancelled.');
    assert.deepEqual(opened, []);
    const issuer = `http://127.0.0.1:${fixture.port}/`;
    assert.equal(await api.context.extension.secrets.get(`mcp-harness.oauth.tokens:${issuer} ${fixture.url}`), undefined, 'no token stored');
  });
});
