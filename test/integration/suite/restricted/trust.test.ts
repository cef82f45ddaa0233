// Runs on an untrusted workspace copy (Restricted Mode): see the `restricted` run in test/integration/runs.mjs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateHarness, contributedCommands, harnessChildProcesses } from '../helpers';

describe('restricted mode', () => {
  it('opens the workspace untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'The workspace is trusted; the restricted run must not pass --disable-workspace-trust.');
  });

  it('still activates the extension (limited support)', async () => {
    await activateHarness();
  });

  it('registers the contributed commands', async () => {
    await activateHarness();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributedCommands().map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, []);
  });

  it('spawns no process', async () => {
    await activateHarness();
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(harnessChildProcesses().map((p) => `${p.pid}: ${p.cmdline}`), []);
  });
});
