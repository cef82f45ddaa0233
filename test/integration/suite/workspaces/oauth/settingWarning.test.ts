// Runs on a copy of test/fixtures/workspaces/oauth (the `workspace:oauth` run): a bad value of
// mcpHarness.oauth.requestTimeoutMs (a settings.json edit bypasses the settings editor's check) is announced when a
// sign-in reads it — in the "MCP Harness" output channel (and a warning notification, which a test cannot read)
// saying what is allowed, what was given and that the default is used — once, not at every use.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { SignInError } from '../../../../../src/core/auth/errors';
import { launchOAuthFixture, type LaunchedOAuthFixture } from '../../../../fixtures/servers/oauth/launch';
import { activateHarness, harnessLogText, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const SETTING = 'oauth.requestTimeoutMs';
const WARNING =
  "The setting mcpHarness.oauth.requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647 (e.g. 60000); got 'soon'. Using 30000 ms.";

describe('oauth workspace: a bad mcpHarness.oauth.requestTimeoutMs value', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let fixture: LaunchedOAuthFixture;
  const hung = async () =>
    ((await (await fetch(`http://127.0.0.1:${fixture.port}/__fixture/events`)).json()) as { type: string }[]).filter((e) => e.type === 'hung').length;
  const server = () => api.discovery.definitions.find((d) => d.id === 'held')!;

  const channelText = () => harnessLogText(api.context.extension.logUri);
  const timesWarned = () => channelText().split(WARNING).length - 1;

  /** A sign-in that reads the setting, held at discovery by the fixture and then cancelled (it stores nothing). */
  async function cancelledSignIn(): Promise<void> {
    const before = await hung();
    const cancel = new vscode.CancellationTokenSource();
    const outcome = api.context.signIns.signIn(server(), cancel.token).then(
      () => undefined,
      (e: unknown) => e as SignInError,
    );
    await waitFor(async () => (await hung()) > before, 'the discovery request to arrive', 10_000);
    cancel.cancel();
    assert.equal((await outcome)?.failure, 'cancelled');
  }

  before(async () => {
    api = await activateHarness<HarnessApi>();
    fixture = await launchOAuthFixture(process.env.MCP_HARNESS_REPO ?? '', ['--hang', 'resource-metadata,as-metadata']);
    api.testing.setOpenExternal(() => assert.fail('nothing is opened: the sign-in never gets that far'));
    fs.writeFileSync(path.join(folder(), '.vscode', 'mcp.json'), JSON.stringify({ servers: { held: { type: 'http', url: fixture.url } } }));
    await waitFor(() => api.discovery.definitions.some((d) => d.id === 'held'), 'the held server to be discovered', 15_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('mcpHarness').update(SETTING, undefined, vscode.ConfigurationTarget.Workspace);
    api.testing.setOpenExternal(undefined);
    fixture?.child.kill('SIGKILL');
  });

  it('is announced in the output channel when a sign-in reads it, once, naming what is allowed and the default used', async () => {
    await vscode.workspace.getConfiguration('mcpHarness').update(SETTING, 'soon', vscode.ConfigurationTarget.Workspace);
    assert.equal(vscode.workspace.getConfiguration('mcpHarness').get(SETTING), 'soon', 'the bad value is in effect');
    assert.equal(timesWarned(), 0, 'not announced before anything reads it');
    await cancelledSignIn();
    await waitFor(() => timesWarned() === 1, 'the warning in the MCP Harness output channel', 10_000);
    assert.match(channelText(), new RegExp(`\\[warning\\] ${WARNING.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await cancelledSignIn();
    // The second sign-in's own lines are written by now: a repeated warning would be among them.
    await waitFor(() => (channelText().match(/Sign-in to held cancelled/g) ?? []).length === 2, 'both cancellations in the channel', 10_000);
    assert.equal(timesWarned(), 1, 'announced once, not at every use');
  });
});
