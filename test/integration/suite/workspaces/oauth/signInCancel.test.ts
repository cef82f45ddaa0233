// Runs on a copy of test/fixtures/workspaces/oauth (the `workspace:oauth` run): the Cancel button of the "Signing in
// to …" notification. The browser is opened (here the test, through api.testing.setOpenExternal) and the user never
// finishes there; Cancel is the notification's primary action, so `notification.acceptPrimaryAction` runs the same
// action the button runs, which cancels the token VS Code handed the sign-in.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import { launchOAuthFixture, type LaunchedOAuthFixture } from '../../../../fixtures/servers/oauth/launch';
import { activateHarness, harnessLogText, track, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('oauth workspace: Cancel on the sign-in notification', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let fixture: LaunchedOAuthFixture;
  const opened: URL[] = [];
  const events = async () => (await (await fetch(`http://127.0.0.1:${fixture.port}/__fixture/events`)).json()) as { type: string }[];

  before(async () => {
    api = await activateHarness<HarnessApi>();
    fixture = await launchOAuthFixture(process.env.MCP_HARNESS_REPO ?? '', ['--prefix', 'CANCELLED']);
    // The browser opens the page; the user never signs in there.
    api.testing.setOpenExternal((url) => void opened.push(url));
    fs.writeFileSync(path.join(folder(), '.vscode', 'mcp.json'), JSON.stringify({ servers: { pending: { type: 'http', url: fixture.url } } }));
    await waitFor(() => api.discovery.definitions.some((d) => d.id === 'pending'), 'the pending server to be discovered', 15_000);
    await assert.rejects(api.servers.start('pending'), /needs sign-in/);
  });

  after(async () => {
    api.testing.setOpenExternal(undefined);
    await api.servers.stopAll();
    fixture?.child.kill('SIGKILL');
  });

  it('ends the sign-in at once: nothing stored, the redirect listener closed, the server still needs sign-in, and the log says so', async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    const outcome = track(vscode.commands.executeCommand<boolean>('mcpHarness.signIn', 'pending'));
    await waitFor(() => opened.length === 1, 'the authorization URL to be opened', 15_000);
    const redirect = new URL(opened[0].searchParams.get('redirect_uri') ?? '');
    assert.equal(outcome.done, false, 'the sign-in waits for the browser');

    await vscode.commands.executeCommand('notification.acceptPrimaryAction');
    await waitFor(() => outcome.done, 'the sign-in to end after Cancel', 15_000);
    assert.equal(outcome.value, false, 'the command reports that nobody signed in');

    // The browser coming back now finds nobody listening; the authorization server issued nothing.
    await assert.rejects(fetch(new URL('/callback?code=late&state=late', redirect)), 'the loopback listener is closed');
    const seen = (await events()).map((e) => e.type);
    assert.ok(!seen.includes('exchange') && !seen.includes('grant'), `no code was redeemed: ${seen.join(', ')}`);
    await assert.rejects(api.servers.start('pending'), /needs sign-in/);
    assert.equal(api.servers.state('pending')?.status, 'needs-sign-in');
    assert.equal(api.servers.state('pending')?.signIn?.reason, 'not_signed_in', 'no token was stored');
    await waitFor(
      () => harnessLogText(api.context.extension.logUri).includes('Sign-in to pending cancelled; nothing was stored.'),
      'the cancelled sign-in in the MCP Harness log',
    );
  });
});
