// Runs on a copy of test/fixtures/workspaces/harness (the `workspace:harness` run): Stop while a server is still
// starting — a handshake that never ends (hang.mjs --at-init, with a grandchild), the consent prompt held open (the
// test is the user who has not answered yet) — from the view's inline action and from the palette's picker, and
// what a consent answer given after the stop does: remembered for that command line, nothing spawned, Start offered.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerDefinition } from '../../../../../src/core/config/types';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { ConsentDecision } from '../../../../../src/extension/consent';
import type { ServersNode } from '../../../../../src/extension/serversView';
import { activateHarness, descendantProcesses, harnessLogText, isAlive, track, waitFor } from '../../helpers';
import { acceptInputUntil, serverProcesses } from './processes';

const vscodeMcp = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'mcp.json');

const ADDED = {
  stuck: { type: 'stdio', command: 'node', args: ['${workspaceFolder}/../../servers/hang.mjs', '--at-init', '--child'] },
  asked: { type: 'stdio', command: 'node', args: ['${workspaceFolder}/../../servers/paged.mjs', '--tools', '3'] },
};

/** The consent prompt, answered when the test says so: a user who has not decided yet. */
class HeldPrompt {
  readonly asked: string[] = [];
  private readonly pending: ((decision: ConsentDecision | undefined) => void)[] = [];
  readonly prompt = (def: ServerDefinition) =>
    new Promise<ConsentDecision | undefined>((resolve) => {
      this.asked.push(def.id);
      this.pending.push(resolve);
    });

  answer(decision: ConsentDecision | undefined): void {
    for (const resolve of this.pending.splice(0)) resolve(decision);
  }
}

describe('harness workspace: Stop while a server is starting', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  const original = fs.readFileSync(vscodeMcp(), 'utf8');
  const held = new HeldPrompt();
  const def = (id: string) => api.discovery.definition(id)!;
  const log = () => harnessLogText(api.context.extension.logUri);
  const serverNode = async (id: string) =>
    (await api.serversTree.getChildren()).find((n) => n.kind === 'server' && n.definition.id === id) as ServersNode;

  /**
   * Starts "asked" with no decision remembered and waits for its consent prompt: `ended` is how that start ends (its
   * error code, or 'started'), `asks` the number of prompts shown so far.
   */
  async function startAsked(start: () => Promise<unknown>): Promise<{ ended: Promise<string | undefined>; asks: number }> {
    await api.consent.forget(def('asked'));
    const asks = held.asked.length + 1;
    const ended = start().then(
      () => 'started',
      (err: { code?: string }) => err.code,
    );
    await waitFor(() => held.asked.length === asks, 'the consent prompt');
    return { ended, asks };
  }

  before(async () => {
    api = await activateHarness<HarnessApi>();
    const entries = Object.entries(ADDED).map(([id, entry]) => `    ${JSON.stringify(id)}: ${JSON.stringify(entry)},`).join('\n');
    fs.writeFileSync(vscodeMcp(), original.replace('"servers": {', `"servers": {\n${entries}`));
    await waitFor(() => api.discovery.definition('stuck') && api.discovery.definition('asked'), 'the added servers to be discovered', 5000);
    api.testing.setConsentPrompt(held.prompt);
    for (const id of Object.keys(ADDED)) await api.consent.forget(def(id));
  });

  afterEach(async () => {
    held.answer(undefined);
    await api.servers.stopAll();
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    fs.writeFileSync(vscodeMcp(), original);
    await waitFor(() => !api.discovery.definition('stuck') && !api.discovery.definition('asked'), 'the added servers to be gone', 5000);
  });

  it('Stop on a server stuck in its handshake ends the start at once: stopped, not failed, its process tree gone', async () => {
    await api.consent.remember(def('stuck'), 'allow');
    const starting = track(vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'stuck'));
    const server = await waitFor(() => descendantProcesses().find((p) => p.cmdline.includes('hang.mjs --at-init')), 'the stuck server process');
    const child = await waitFor(() => descendantProcesses(server.pid).find((p) => p.cmdline.includes('setInterval')), 'its child process');
    assert.equal(api.servers.state('stuck')?.status, 'starting');
    const node = await serverNode('stuck');
    assert.equal(api.serversTree.getTreeItem(node).contextValue, 'server.starting', 'the inline Stop is offered on it');

    // The inline Stop passes the tree node.
    const began = Date.now();
    assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.stopServer', node), true);
    const took = Date.now() - began;
    assert.ok(!isAlive(server.pid), `the server (pid ${server.pid}) is gone once Stop returns`);
    assert.ok(!isAlive(child.pid), `its child (pid ${child.pid}) is gone once Stop returns`);
    await waitFor(() => starting.done, 'the Start command to return');
    assert.equal(starting.value, false, 'Start says the server did not start');
    const state = api.servers.state('stuck');
    assert.equal(state?.status, 'stopped');
    assert.equal(state?.error, undefined, 'a stop is not a failure');
    assert.match(String(api.serversTree.getTreeItem(await serverNode('stuck')).description), /^stopped · stdio/);
    // The user stopped it: an info line, no "Start of stuck failed" warning (and so no error notification).
    await waitFor(() => log().includes('Start of stuck ended: stuck was stopped while it was starting.'), 'the ended start in the MCP Harness log');
    assert.doesNotMatch(log(), /Start of stuck failed/);
    assert.deepEqual(await serverProcesses(), []);
    console.log(`[mocha] Stop of a start stuck in its handshake returned after ${took} ms (the stop grace is 1000 ms).`);
  });

  it('the Stop picker offers a server waiting for consent; a later Allow is remembered, spawns nothing, and offers Start', async () => {
    const starting = track(vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'asked'));
    await waitFor(() => held.asked.length === 1, 'the consent prompt');
    assert.equal(api.servers.state('asked')?.status, 'stopped', 'nothing starts while the user is asked');

    // The palette's Stop, without an argument: its picker must offer the server (its only entry); accept it.
    const stopping = vscode.commands.executeCommand<boolean>('mcpHarness.stopServer');
    assert.equal(await acceptInputUntil(stopping), true, 'the picker offered the server waiting for consent, and it was stopped');
    await waitFor(() => starting.done, 'the Start command to return');
    assert.equal(starting.value, false);
    assert.equal(api.servers.state('asked')?.status, 'stopped');
    assert.equal(api.consent.isAsking(def('asked')), true, 'the question stays open: VS Code cannot close a modal');

    held.answer('allow');
    const line = 'Consent for server "asked": allow (remembered for this definition), given after it was stopped while you were asked: it was not started.';
    await waitFor(() => log().includes(line), 'the late answer in the MCP Harness log');
    assert.equal(api.consent.decisionFor(def('asked')), 'allow', 'the user decided: the answer is kept');
    assert.equal(api.servers.state('asked')?.status, 'stopped');
    assert.deepEqual(await serverProcesses(), [], 'nothing was spawned by the late answer');

    // The information message's Start button is its primary action: pressed, the server starts without asking again.
    await vscode.commands.executeCommand('notification.acceptPrimaryAction');
    await waitFor(() => api.servers.state('asked')?.status === 'running', 'Start on the notification to start the server', 15_000);
    assert.deepEqual(held.asked, ['asked'], 'the remembered Allow is not asked again');
  });

  it('a start made while the prompt is still open after a stop waits for the same answer, and gets it', async () => {
    const { ended: first, asks } = await startAsked(() => api.servers.start('asked'));
    await vscode.commands.executeCommand('mcpHarness.stopServer', 'asked');
    assert.equal(await first, 'stopped');

    const second = track(vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'asked'));
    await waitFor(() => api.servers.isStarting('asked'), 'the second start to be under way');
    held.answer('allow');
    await waitFor(() => second.done, 'the second start to finish');
    assert.equal(second.value, true);
    assert.equal(held.asked.length, asks, 'one question for both starts');
    assert.equal(api.servers.state('asked')?.status, 'running');
    assert.equal((await serverProcesses()).length, 1);
  });

  it('a Deny given after the stop is remembered and spawns nothing', async () => {
    const { ended: start } = await startAsked(() => api.servers.ensureStarted('asked'));
    await api.servers.stop('asked');
    assert.equal(await start, 'stopped');
    held.answer('deny');
    const line = 'Consent for server "asked": deny (remembered for this definition), given after it was stopped while you were asked: it was not started.';
    await waitFor(() => log().includes(line), 'the late Deny in the MCP Harness log');
    assert.equal(api.consent.decisionFor(def('asked')), 'deny');
    assert.equal(api.servers.state('asked')?.status, 'stopped');
    assert.deepEqual(await serverProcesses(), []);
  });

  it('with nothing under way, Stop says so instead of opening a picker', async () => {
    assert.equal(api.servers.list().some((s) => s.status === 'running' || s.status === 'starting'), false);
    assert.equal(await vscode.commands.executeCommand('mcpHarness.stopServer'), false);
  });
});
