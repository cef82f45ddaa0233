// Runs in the `multiroot` run: a multi-root window opened from a copy of
// test/fixtures/workspaces/multiroot/multiroot.code-workspace (folders alpha and beta; gamma sits next to
// them). Folders are added and removed with vscode.workspace.updateWorkspaceFolders while the extension
// runs; discovery, the Servers view, running servers and config diagnostics must follow without a reload.
// The tests build on each other in order: alpha+beta → add gamma → remove alpha.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { ServersNode } from '../../../../src/extension/serversView';
import { activateHarness, harnessChildProcesses, harnessExtension, isAlive, waitFor } from '../helpers';

type ServerNode = Extract<ServersNode, { kind: 'server' }>;

const root = () => path.dirname(vscode.workspace.workspaceFile!.fsPath);
const folderPath = (name: string) => path.join(root(), name);
const folderNames = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.name);

/** What a user can tell apart in the list: id, name, the folder it came from and the file, relative to the workspace. */
function listed(api: HarnessApi): string[] {
  return api.discovery.definitions
    .map((d) => `${d.id} | ${d.name} | ${d.source.workspaceFolder ? path.basename(d.source.workspaceFolder) : '-'} | ${path.relative(root(), d.source.file)}`)
    .sort();
}

async function serverNodes(api: HarnessApi): Promise<ServerNode[]> {
  return (await api.serversTree.getChildren()).filter((n): n is ServerNode => n.kind === 'server');
}

/** Each server node as `id: description` (the description ends with the folder-qualified source file). */
async function treeLines(api: HarnessApi): Promise<string[]> {
  return (await serverNodes(api)).map((n) => `${n.definition.id}: ${String(api.serversTree.getTreeItem(n).description)}`).sort();
}

/** Diagnostics MCP Harness published, as `file (relative): code`, over every file. */
function harnessDiagnostics(): string[] {
  const out: string[] = [];
  for (const [uri, diags] of vscode.languages.getDiagnostics()) {
    for (const d of diags) {
      if (d.source === 'MCP Harness') out.push(`${path.relative(root(), uri.fsPath)}: ${String(d.code)}`);
    }
  }
  return [...new Set(out)].sort();
}

/** The next event, or an error naming `what` after `timeoutMs`. Subscribe before causing the event. */
function nextEvent<T>(event: vscode.Event<T>, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`));
    }, timeoutMs);
    const sub = event((e) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/** Applies one updateWorkspaceFolders change and returns the event VS Code fired for it. */
async function changeFolders(start: number, deleteCount: number, ...add: string[]): Promise<vscode.WorkspaceFoldersChangeEvent> {
  const changed = nextEvent(vscode.workspace.onDidChangeWorkspaceFolders, 'onDidChangeWorkspaceFolders');
  const accepted = vscode.workspace.updateWorkspaceFolders(start, deleteCount, ...add.map((name) => ({ uri: vscode.Uri.file(folderPath(name)) })));
  assert.equal(accepted, true, 'VS Code refused the workspace folder change.');
  return changed;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** PIDs of the memory servers this extension host runs (other helpers of VS Code are not ours). */
function memoryServerPids(): number[] {
  return harnessChildProcesses().filter((p) => p.cmdline.includes('server-memory/dist/index.js')).map((p) => p.pid).sort();
}

describe('multi-root workspace: changing workspace folders', function () {
  let api: HarnessApi;
  let alphaPid: number | undefined;
  let betaPid: number | undefined;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    // Starting a stdio server asks for consent in a modal, which a test cannot click.
    api.testing.setConsentPrompt(async () => 'allow');
    await api.discovery.ready();
  });

  after(async () => {
    await api.servers.stopAll();
    api.testing.setConsentPrompt(undefined);
    for (const pid of [alphaPid, betaPid]) if (pid) await waitFor(() => !isAlive(pid), `pid ${pid} to exit after Stop All`);
  });

  it('opens the .code-workspace file with alpha and beta as its folders', () => {
    const file = vscode.workspace.workspaceFile;
    assert.ok(file, 'No workspace file is open: the run did not open multiroot.code-workspace.');
    assert.equal(file.scheme, 'file');
    assert.equal(path.basename(file.fsPath), 'multiroot.code-workspace');
    assert.deepEqual(folderNames(), ['alpha', 'beta']);
    assert.deepEqual((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), [folderPath('alpha'), folderPath('beta')]);
  });

  it('lists the servers of both folders, each with the folder it came from', async () => {
    assert.deepEqual(listed(api), [
      'alpha-half | alpha-half | alpha | alpha/.cursor/mcp.json',
      'alpha-memory | alpha-memory | alpha | alpha/.vscode/mcp.json',
      'alpha-remote | alpha-remote | alpha | alpha/.vscode/mcp.json',
      'beta-memory | beta-memory | beta | beta/.vscode/mcp.json',
      'beta-nocommand | beta-nocommand | beta | beta/.vscode/mcp.json',
      // The same name in two folders: each id names its folder so both can be started apart.
      'shared@vscode:alpha | shared | alpha | alpha/.vscode/mcp.json',
      'shared@vscode:beta | shared | beta | beta/.vscode/mcp.json',
    ]);
    // `${workspaceFolder}` resolves per folder.
    assert.equal(api.discovery.definition('alpha-memory')?.env?.MEMORY_FILE_PATH, path.join(folderPath('alpha'), 'memory.jsonl'));
    assert.equal(api.discovery.definition('beta-memory')?.env?.MEMORY_FILE_PATH, path.join(folderPath('beta'), 'memory.jsonl'));
    assert.deepEqual(api.discovery.definition('shared@vscode:beta')?.notes, ['differs from alpha/.vscode/mcp.json: url']);

    const tree = await treeLines(api);
    assert.ok(tree.includes('alpha-memory: stopped · stdio · alpha/.vscode/mcp.json'), tree.join('\n'));
    assert.ok(tree.includes('beta-memory: stopped · stdio · beta/.vscode/mcp.json'), tree.join('\n'));
    assert.ok(tree.includes('shared@vscode:alpha: stopped · http · alpha/.vscode/mcp.json'), tree.join('\n'));

    const diags = await waitFor(() => {
      const d = harnessDiagnostics();
      return d.some((l) => l.startsWith('alpha/.cursor/mcp.json')) && d.some((l) => l.startsWith('beta/')) ? d : undefined;
    }, 'config diagnostics for alpha and beta');
    assert.ok(diags.includes('beta/.vscode/mcp.json: missing-command'), diags.join('\n'));
    assert.ok(diags.every((l) => l.startsWith('alpha/.cursor/mcp.json: ') || l === 'beta/.vscode/mcp.json: missing-command'), diags.join('\n'));
  });

  it('shows the servers of a folder added to the window without a reload', async () => {
    const runsBefore = api.discovery.runs;
    const event = await changeFolders(vscode.workspace.workspaceFolders!.length, 0, 'gamma');
    assert.deepEqual(event.added.map((f) => f.name), ['gamma']);
    assert.deepEqual(event.removed.map((f) => f.name), []);

    await waitFor(() => api.discovery.definition('gamma-memory'), "gamma's servers to be discovered");
    assert.ok(api.discovery.runs > runsBefore);
    // Same extension host and same API object: the window did not reload.
    assert.equal(harnessExtension().exports, api);
    assert.deepEqual(folderNames(), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(listed(api).filter((l) => l.includes(' | gamma | ')), [
      'gamma-memory | gamma-memory | gamma | gamma/.vscode/mcp.json',
      'gamma-remote | gamma-remote | gamma | gamma/.vscode/mcp.json',
    ]);
    assert.equal(listed(api).length, 9, listed(api).join('\n'));
    assert.equal(api.discovery.definition('gamma-memory')?.env?.MEMORY_FILE_PATH, path.join(folderPath('gamma'), 'memory.jsonl'));
    const tree = await treeLines(api);
    assert.ok(tree.includes('gamma-memory: stopped · stdio · gamma/.vscode/mcp.json'), tree.join('\n'));
    assert.ok(tree.includes('gamma-remote: stopped · sse · gamma/.vscode/mcp.json'), tree.join('\n'));
    // The new folder's config file is watched like the others: an edit shows up by itself.
    const gammaConfig = path.join(folderPath('gamma'), '.vscode', 'mcp.json');
    const original = fs.readFileSync(gammaConfig, 'utf8');
    try {
      fs.writeFileSync(gammaConfig, original.replace('"servers": {', '"servers": {\n    "gamma-added": { "type": "http", "url": "http://127.0.0.1:9/gamma/added" },'));
      await waitFor(() => api.discovery.definition('gamma-added'), 'a server added to gamma/.vscode/mcp.json to be discovered');
      assert.equal(api.discovery.definition('gamma-added')?.source.workspaceFolder, folderPath('gamma'));
    } finally {
      fs.writeFileSync(gammaConfig, original);
    }
    await waitFor(() => !api.discovery.definition('gamma-added'), 'the restored gamma/.vscode/mcp.json to be read again');
  });

  it("stops a removed folder's running server, drops its servers and problems, and leaves the other folders alone", async () => {
    assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'alpha-memory'), true);
    assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'beta-memory'), true);
    alphaPid = api.servers.state('alpha-memory')?.pid;
    betaPid = api.servers.state('beta-memory')?.pid;
    assert.ok(alphaPid && isAlive(alphaPid), 'alpha-memory has no live process after Start.');
    assert.ok(betaPid && isAlive(betaPid), 'beta-memory has no live process after Start.');
    assert.notEqual(alphaPid, betaPid);
    assert.match(cmdline(alphaPid), /server-memory\/dist\/index\.js/);
    assert.deepEqual(memoryServerPids(), [alphaPid, betaPid].sort());

    const event = await changeFolders(folderNames().indexOf('alpha'), 1);
    assert.deepEqual(event.removed.map((f) => f.name), ['alpha']);
    assert.deepEqual(event.added.map((f) => f.name), []);
    assert.deepEqual(folderNames(), ['beta', 'gamma']);

    await waitFor(() => !api.discovery.definitions.some((d) => d.source.workspaceFolder === folderPath('alpha')), "alpha's servers to disappear");
    // The server of the removed folder is stopped: its process exits and the manager forgets it.
    const pid = alphaPid;
    await waitFor(() => !isAlive(pid), `alpha-memory's process (pid ${pid}) to exit after its folder was removed`);
    assert.equal(api.servers.state('alpha-memory'), undefined);
    assert.equal(api.servers.definition('alpha-memory'), undefined);

    // beta's server kept running, in the same process.
    assert.equal(api.servers.state('beta-memory')?.status, 'running');
    assert.equal(api.servers.state('beta-memory')?.pid, betaPid);
    assert.ok(isAlive(betaPid));
    assert.deepEqual(memoryServerPids(), [betaPid]);

    assert.deepEqual(listed(api), [
      'beta-memory | beta-memory | beta | beta/.vscode/mcp.json',
      'beta-nocommand | beta-nocommand | beta | beta/.vscode/mcp.json',
      'gamma-memory | gamma-memory | gamma | gamma/.vscode/mcp.json',
      'gamma-remote | gamma-remote | gamma | gamma/.vscode/mcp.json',
      // Only beta defines it now: the plain name again, and no note comparing it with alpha's.
      'shared | shared | beta | beta/.vscode/mcp.json',
    ]);
    assert.deepEqual(api.discovery.definition('shared')?.notes, []);

    const tree = await treeLines(api);
    assert.deepEqual(tree.filter((l) => l.includes('alpha')), [], tree.join('\n'));
    // A running server's description names the protocol version it negotiated (server-memory speaks 2025).
    assert.ok(tree.some((l) => /^beta-memory: running · stdio · MCP 2025-\d\d-\d\d · beta\/\.vscode\/mcp\.json$/.test(l)), tree.join('\n'));
    const problemFiles = (await api.serversTree.getChildren()).flatMap((n) => (n.kind === 'problem' ? [path.relative(root(), n.problem.file)] : []));
    assert.deepEqual(problemFiles.filter((f) => f.startsWith('alpha/')), []);

    // The malformed alpha/.cursor/mcp.json no longer reports problems; beta's problem stays.
    const cursorUri = vscode.Uri.file(path.join(folderPath('alpha'), '.cursor', 'mcp.json'));
    await waitFor(() => vscode.languages.getDiagnostics(cursorUri).length === 0, "alpha's diagnostics to be cleared");
    assert.deepEqual(harnessDiagnostics(), ['beta/.vscode/mcp.json: missing-command']);
  });
});
