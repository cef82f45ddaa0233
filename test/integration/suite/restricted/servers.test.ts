// Restricted Mode (the `restricted` run opens test/fixtures/workspaces/basic untrusted): the workspace's
// servers are shown, but none is ever spawned, not even after the user presses Start.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { ServersNode } from '../../../../src/extension/serversView';
import { activateHarness, harnessChildProcesses } from '../helpers';

describe('restricted mode: servers', () => {
  let api: HarnessApi;
  const asked: string[] = [];

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    // Consent would be the next gate; it must never even be reached in Restricted Mode.
    api.testing.setConsentPrompt(async (def) => {
      asked.push(def.id);
      return 'allow';
    });
  });

  after(() => api.testing.setConsentPrompt(undefined));

  it('shows the workspace server as blocked', async () => {
    const node = (await api.serversTree.getChildren()).find((n) => n.kind === 'server' && n.definition.id === 'memory');
    assert.ok(node, 'The memory server is not shown in Restricted Mode.');
    const item = api.serversTree.getTreeItem(node);
    assert.match(String(item.description), /^blocked \(Restricted Mode\) · stdio · \.vscode\/mcp\.json$/);
    const children = await api.serversTree.getChildren(node as ServersNode);
    assert.ok(children.some((c) => c.kind === 'info' && /trust this workspace/i.test(c.label)));
  });

  it('does not spawn on Start, and says why', async () => {
    const started = await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'memory');
    assert.equal(started, false);
    assert.deepEqual(asked, []);
    assert.deepEqual(harnessChildProcesses().map((p) => p.cmdline), []);
  });

  it('refuses automatic starts (sessions, Call Tool) with a clear error and spawns nothing', async () => {
    await assert.rejects(api.servers.ensureStarted('memory'), /not trusted\. Trust the workspace \(it is in Restricted Mode\) to start the servers it defines\./);
    assert.equal(api.servers.state('memory')?.status, 'error');
    assert.deepEqual(asked, []);
    assert.deepEqual(harnessChildProcesses().map((p) => p.cmdline), []);
  });
});
