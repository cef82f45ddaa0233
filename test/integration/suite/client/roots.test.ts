// Roots and logging in the real extension host: roots/list answers the workspace folders and a folder change
// sends roots/list_changed; a server's log messages land in its output channel with secrets masked.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import { waitFor } from '../helpers';
import { callUi, clientApi } from './helpers';

const TOKEN = 'ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3poR2d2';

interface Roots {
  roots: { uri: string; name: string }[];
  changed: number;
}

function logFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? logFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('client: roots and server logs', function () {
  this.timeout(60_000);
  let api: HarnessApi;

  before(async () => {
    api = await clientApi();
  });
  after(async () => {
    await api.servers.stopAll();
  });

  it('answers roots/list with the workspace folders and tells running servers when they change', async () => {
    const first = JSON.parse((await callUi(api, 'roots')).text) as Roots;
    const folder = vscode.workspace.workspaceFolders![0];
    assert.deepEqual(first.roots, [{ uri: folder.uri.toString(), name: folder.name }]);
    assert.equal(first.changed, 0);

    const extra = vscode.Uri.file(path.join(folder.uri.fsPath, 'extra'));
    const changed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
        sub.dispose();
        resolve();
      });
    });
    assert.ok(vscode.workspace.updateWorkspaceFolders(1, 0, { uri: extra, name: 'extra' }));
    await changed;
    try {
      const after = await waitFor(async () => {
        const r = JSON.parse((await callUi(api, 'roots')).text) as Roots;
        return r.changed >= 1 ? r : undefined;
      }, 'roots/list_changed at the server');
      assert.deepEqual(after.roots.map((r) => r.name), [folder.name, 'extra']);
      assert.equal(after.roots[1].uri, extra.toString());
    } finally {
      vscode.workspace.updateWorkspaceFolders(1, 1);
    }
  });

  it('writes log messages to the server\'s output channel with secrets masked', async () => {
    await callUi(api, 'log', { level: 'warning', message: `rotating key ${TOKEN} now` });
    await callUi(api, 'log', { level: 'notice', message: 'notice text' });
    // The session's logs folder: output channels of the extension host are files under it.
    const logDir = path.dirname(path.dirname(api.context.extension.logUri.fsPath));
    const file = await waitFor(() => logFiles(logDir).find((f) => /MCP Server.{1,3}ui\.log$/.test(path.basename(f))), 'the output channel file of ui').catch((err: Error) => {
      throw new Error(`${err.message} Files: ${logFiles(logDir).join(', ')}`);
    });
    const text = await waitFor(() => {
      const t = fs.readFileSync(file, 'utf8');
      return t.includes('notice text') ? t : undefined;
    }, 'both log lines in the channel');
    assert.match(text, /\[warning\] \[client-ui\] rotating key .* now/);
    assert.match(text, /\[info\] notice: \[client-ui\] notice text/);
    assert.ok(!text.includes(TOKEN), 'the secret must be masked in the output channel');
  });
});
