// Runs on a copy of test/fixtures/workspaces/oauth (the `workspace:oauth` run): an HTTP server behind OAuth shows
// "needs sign-in" with an inline Sign In action; "MCP: Sign In to Server" opens the authorization URL (here the
// test is the browser, through api.testing.setOpenExternal), the loopback redirect completes the sign-in, a tool
// call works, and "MCP: Sign Out of Server" revokes the tokens at the fixture's revocation endpoint
// (RFC 7009) and brings back "needs sign-in". The view's "needs sign-in" is the core's server state.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { ServersNode } from '../../../../../src/extension/serversView';
import { launchOAuthFixture, type LaunchedOAuthFixture } from '../../../../fixtures/servers/oauth/launch';
import { activateHarness, filesUnder, harnessLogText, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('oauth workspace: sign in to an HTTP server in VS Code', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let fixture: LaunchedOAuthFixture;
  const opened: string[] = [];

  const item = async () => {
    const node = (await api.serversTree.getChildren()).find((n) => n.kind === 'server' && n.definition.id === 'remote') as ServersNode | undefined;
    return node && api.serversTree.getTreeItem(node);
  };
  const showsNeedsSignIn = async () => {
    const it = await item();
    return String(it?.description ?? '').startsWith('needs sign-in') && it?.contextValue === 'server.needsSignIn';
  };

  before(async () => {
    api = await activateHarness<HarnessApi>();
    fixture = await launchOAuthFixture(process.env.MCP_HARNESS_REPO ?? '', ['--prefix', 'PLANTED']);
    api.testing.setOpenExternal(async (url) => {
      opened.push(url.href);
      // The browser: the fixture approves at once and redirects to our loopback listener.
      await (await fetch(url, { redirect: 'follow' })).text();
    });
    fs.writeFileSync(path.join(folder(), '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fixture.url } } }));
    await waitFor(() => api.discovery.definitions.some((d) => d.id === 'remote'), 'the remote server to be discovered', 15_000);
  });

  after(async () => {
    api.testing.setOpenExternal(undefined);
    await api.servers.stopAll();
    fixture?.child.kill('SIGKILL');
  });

  it('a server behind OAuth shows "needs sign-in" with the inline Sign In action', async () => {
    await assert.rejects(api.servers.start('remote'), /needs sign-in/);
    await waitFor(showsNeedsSignIn, 'the Servers view to show "needs sign-in"', 10_000);
    assert.equal(api.servers.state('remote')?.status, 'needs-sign-in', 'the view shows the core state');
    assert.equal(api.servers.state('remote')?.signIn?.reason, 'not_signed_in');
    const pkg = api.context.extension.extension.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string; group?: string }[]> } };
    const inline = pkg.contributes.menus['view/item/context'].find((m) => m.command === 'mcpHarness.signIn' && m.group?.startsWith('inline'));
    assert.ok(inline?.when?.includes('viewItem == server.needsSignIn'), 'Sign In is an inline action on a "needs sign-in" server');
    assert.deepEqual(opened, [], 'nothing was opened in a browser without the user asking');
  });

  it('MCP: Sign In to Server opens the authorization URL, completes on the loopback redirect, and a tool call works', async () => {
    const started = await vscode.commands.executeCommand<boolean>('mcpHarness.signIn', 'remote');
    assert.equal(started, true);
    assert.equal(opened.length, 1);
    const url = new URL(opened[0]);
    assert.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(api.servers.state('remote')?.status, 'running');
    assert.ok(!(await showsNeedsSignIn()));
    const result = await api.servers.connection('remote').callTool('whoami', {});
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
    assert.match(text, /scopes: mcp:read/);
  });

  it('MCP: Sign In to a server that needs none says so (not as an error) and starts it', async () => {
    const plain = spawn(process.execPath, [path.join(process.env.MCP_HARNESS_REPO ?? '', 'test', 'fixtures', 'servers', 'http.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        plain.stdout.on('data', (d: Buffer) => {
          const m = /PORT=(\d+)/.exec(d.toString());
          if (m) resolve(m[1]);
        });
        plain.once('exit', (code) => reject(new Error(`the http fixture exited (${code})`)));
      });
      const file = path.join(folder(), '.vscode', 'mcp.json');
      const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { servers: Record<string, unknown> };
      config.servers.plain = { type: 'http', url: `http://127.0.0.1:${port}/mcp` };
      fs.writeFileSync(file, JSON.stringify(config));
      await waitFor(() => api.discovery.definitions.some((d) => d.id === 'plain'), 'the plain server to be discovered', 15_000);
      const before = opened.length;
      const started = await vscode.commands.executeCommand<boolean>('mcpHarness.signIn', 'plain');
      assert.equal(started, true, 'the server was started (the command did not fail)');
      assert.equal(api.servers.state('plain')?.status, 'running');
      assert.equal(opened.length, before, 'no browser was opened');
      await waitFor(() => /plain: Sign-in not needed: the server answered a request without credentials with HTTP 200/.test(harnessLogText(api.context.extension.logUri)), 'the log to say no sign-in is needed');
      assert.ok(!harnessLogText(api.context.extension.logUri).includes('[error] Sign-in not needed'), 'not reported as an error');
      assert.ok(!harnessLogText(api.context.extension.logUri).includes('Sign-in to plain failed'), 'not logged as a failed sign-in');
    } finally {
      await api.servers.stop('plain');
      plain.kill('SIGKILL');
    }
  });

  it('MCP: Sign Out of Server revokes the tokens, then forgets them: the server needs sign-in again', async () => {
    assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.signOut', 'remote'), true);
    const events = (await (await fetch(`http://127.0.0.1:${fixture.port}/__fixture/events`)).json()) as { type: string; hint?: string; known?: boolean }[];
    assert.deepEqual(
      events.filter((e) => e.type === 'revoke').map((e) => [e.hint, e.known]),
      [
        ['refresh_token', true],
        ['access_token', true],
      ],
      'both tokens revoked at the authorization server',
    );
    assert.equal(api.servers.state('remote')?.status, 'needs-sign-in');
    await waitFor(showsNeedsSignIn, 'the Servers view to show "needs sign-in" again', 10_000);
    await assert.rejects(api.servers.start('remote'), /needs sign-in/);
  });

  it('no access token, refresh token or authorization code reached an output channel, a log or a trace', async () => {
    // The fixture's tokens and codes start with PLANTED-; the session's logs folder holds every output channel of
    // the extension host (the MCP Harness log and each server's channel), the workspace holds the traces.
    const logs = path.dirname(path.dirname(api.context.extension.logUri.fsPath));
    const files = [...filesUnder(logs), ...filesUnder(folder())];
    assert.ok(files.some((f) => /MCP Harness\.log$/.test(f)), `the extension's log is among the scanned files: ${files.length} files`);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /PLANTED-(at|rt|code)-/, `a planted token or code leaked into ${file}`);
    }
  });
});
