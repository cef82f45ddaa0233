import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateHarness, contributedCommands, contributedViewIds, harnessChildProcesses, harnessExtension } from './helpers';

const OWN_PREFIXES = ['mcpHarness.', 'mcp-harness.'];

describe('activation', () => {
  it('runs in the real VS Code extension host', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'The test workspace folder is not open.');
  });

  it('activates the extension', async () => {
    await activateHarness();
    assert.equal(harnessExtension().isActive, true);
  });

  it('spawns no process at activation', async () => {
    await activateHarness();
    // Give anything started asynchronously by activate() a moment to appear.
    await new Promise((r) => setTimeout(r, 500));
    const children = harnessChildProcesses();
    assert.deepEqual(children.map((p) => `${p.pid}: ${p.cmdline}`), [],
      'The extension host has child processes after activation; nothing may be spawned until a server is needed.');
  });

  it('registers every contributed command and contributes every registered command', async () => {
    await activateHarness();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = contributedCommands().map((c) => c.command);
    const notRegistered = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(notRegistered, [], 'Contributed in package.json but not registered by the extension.');

    // VS Code itself registers `<viewId>.focus`, `.resetViewLocation`, ... for contributed views.
    const viewIds = contributedViewIds();
    const contributedSet = new Set(contributed);
    const notContributed = [...registered]
      .filter((id) => OWN_PREFIXES.some((p) => id.startsWith(p)))
      .filter((id) => !contributedSet.has(id))
      .filter((id) => !viewIds.some((v) => id.startsWith(`${v}.`)));
    assert.deepEqual(notContributed, [], 'Registered by the extension but missing from contributes.commands.');
  });

  it('gives every contributed command a title', () => {
    for (const c of contributedCommands()) {
      assert.ok(c.title && c.title.trim().length > 0, `Command ${c.command} has no title.`);
    }
  });
});
