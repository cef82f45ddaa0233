// Runs on a copy of test/fixtures/workspaces/harness (the `workspace:harness` run): discovery, the Servers
// tree, config diagnostics, file watching, consent, start/stop of real servers, crash mid-call.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import { consentDetail } from '../../../../../src/extension/consent';
import { underWay } from '../../../../../src/extension/serverCommands';
import type { ServersNode } from '../../../../../src/extension/serversView';
import { activateHarness, harnessExtension, harnessLogText, isAlive, waitFor } from '../../helpers';
import { acceptInputUntil, serverProcesses } from './processes';



const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const vscodeMcp = () => path.join(folder(), '.vscode', 'mcp.json');
const cursorMcp = () => path.join(folder(), '.cursor', 'mcp.json');

async function roots(api: HarnessApi): Promise<ServersNode[]> {
  return api.serversTree.getChildren();
}

async function serverNode(api: HarnessApi, id: string): Promise<Extract<ServersNode, { kind: 'server' }>> {
  const node = (await roots(api)).find((n) => n.kind === 'server' && n.definition.id === id);
  assert.ok(node, `The Servers tree has no node for "${id}".`);
  return node as Extract<ServersNode, { kind: 'server' }>;
}

function description(api: HarnessApi, node: ServersNode): string {
  return String(api.serversTree.getTreeItem(node).description ?? '');
}

describe('harness workspace: discovery and the Servers view', function () {
  let api: HarnessApi;
  let answer: 'allow' | 'deny' | undefined = 'allow';
  const originalConfig = fs.readFileSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'mcp.json'), 'utf8');

  before(async () => {
    api = await activateHarness<HarnessApi>();
    api.testing.setConsentPrompt(async (def) => {
      void def;
      return answer;
    });
    await api.discovery.ready();
  });

  afterEach(async () => {
    await api.servers.stopAll();
  });

  after(async () => {
    fs.writeFileSync(vscodeMcp(), originalConfig);
    api.testing.setConsentPrompt(undefined);
    await api.servers.stopAll();
  });

  it('spawns nothing at activation', async () => {
    assert.deepEqual(await serverProcesses(), []);
  });

  it('shows every discovered server with its status, transport and source file', async () => {
    const ids = (await roots(api)).filter((n) => n.kind === 'server').map((n) => (n as { definition: { id: string } }).definition.id);
    assert.deepEqual(ids.sort(), ['crashy', 'everything', 'half', 'nocommand', 'withinput']);
    assert.equal(description(api, await serverNode(api, 'everything')), 'stopped · stdio · .vscode/mcp.json');
    assert.equal(description(api, await serverNode(api, 'half')), 'stopped · stdio · .cursor/mcp.json');
    // No command: an error before anything is tried, with the problem as a child node.
    const broken = await serverNode(api, 'nocommand');
    assert.match(description(api, broken), /^error · stdio/);
    assert.equal(api.serversTree.getTreeItem(broken).contextValue, 'server.error');
    const children = await api.serversTree.getChildren(broken);
    const problem = children.find((c) => c.kind === 'problem');
    assert.ok(problem && problem.kind === 'problem');
    assert.match(problem.problem.message, /no "command"/);
  });

  it('shows malformed config files as error nodes at the top level', async () => {
    const problems = (await roots(api)).filter((n) => n.kind === 'problem') as Extract<ServersNode, { kind: 'problem' }>[];
    assert.ok(problems.length >= 1, 'No error node for the malformed .cursor/mcp.json.');
    assert.ok(problems.every((p) => p.problem.file === cursorMcp()));
    const item = api.serversTree.getTreeItem(problems[0]);
    assert.equal(item.description, 'mcp.json');
    assert.equal(item.command?.command, 'mcpHarness.openServerDefinition');
  });

  it('puts config problems in the Problems panel at their exact ranges', async () => {
    const text = fs.readFileSync(cursorMcp(), 'utf8');
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(cursorMcp()));
      return d.length ? d : undefined;
    }, 'diagnostics for .cursor/mcp.json');
    const first = diags[0];
    const line = text.split('\n')[2];
    // `"args": [ }` — a value was expected where the brace is.
    assert.equal(first.range.start.line, 2);
    assert.equal(first.range.start.character, line.indexOf('[ }') + 2);
    assert.equal(first.range.end.character, line.indexOf('[ }') + 3);
    assert.equal(first.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(first.source, 'MCP Harness');
    assert.match(first.message, /value was expected/);

    const own = vscode.languages.getDiagnostics(vscode.Uri.file(vscodeMcp()));
    const missing = own.find((d) => d.code === 'missing-command');
    assert.ok(missing, 'No diagnostic for the server without a command.');
    const ownText = fs.readFileSync(vscodeMcp(), 'utf8').split('\n');
    // At the `"type": "stdio"` that asks for a command.
    const typeLine = ownText.findIndex((l) => l.includes('"nocommand"')) + 1;
    assert.equal(missing.range.start.line, typeLine);
    assert.equal(missing.range.start.character, ownText[typeLine].indexOf('"stdio"'));
    assert.equal(missing.range.end.character, ownText[typeLine].indexOf('"stdio"') + '"stdio"'.length);
  });

  // The refresh is debounced by 200 ms; timing is not asserted here (CI machines are noisy), only that the
  // change shows up by itself, without a manual refresh.
  it('refreshes the tree by itself when a config file changes on disk', async () => {
    const runs = api.discovery.runs;
    const edited = originalConfig.replace('"servers": {', '"servers": {\n    "added": { "type": "http", "url": "http://127.0.0.1:9/mcp" },');
    fs.writeFileSync(vscodeMcp(), edited);
    await waitFor(() => api.discovery.definition('added'), 'the added server to be discovered', 5000);
    assert.ok(api.discovery.runs > runs);
    assert.ok((await roots(api)).some((n) => n.kind === 'server' && n.definition.id === 'added'));
    fs.writeFileSync(vscodeMcp(), originalConfig);
    await waitFor(() => !api.discovery.definition('added'), 'the removed server to disappear', 5000);
  });

  it('"Add Server…" adds a stdio server from its command line and an HTTP server from its URL; bad input changes nothing', async () => {
    const before = fs.readFileSync(vscodeMcp(), 'utf8');
    try {
      const everything = path.join(folder(), 'node_modules-not-needed', 'server everything.js');
      const added = await vscode.commands.executeCommand<string>('mcpHarness.addServer', { kind: 'stdio', command: `node "${everything}" stdio --port=\'1 2\'`, name: ' added-local ' });
      assert.equal(added, 'added-local');
      const written = JSON.parse(fs.readFileSync(vscodeMcp(), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { servers: Record<string, unknown> };
      assert.deepEqual(written.servers['added-local'], { type: 'stdio', command: 'node', args: [everything, 'stdio', '--port=1 2'] });
      await vscode.commands.executeCommand('mcpHarness.addServer', { kind: 'http', url: ' http://127.0.0.1:9/mcp ', name: 'added-remote' });
      const again = JSON.parse(fs.readFileSync(vscodeMcp(), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { servers: Record<string, unknown> };
      assert.deepEqual(again.servers['added-remote'], { type: 'http', url: 'http://127.0.0.1:9/mcp' });
      // Both are discovered at once (the tree lists them stopped; nothing is started without consent).
      assert.match(description(api, await serverNode(api, 'added-local')), /^stopped · stdio/);
      assert.match(description(api, await serverNode(api, 'added-remote')), /^stopped · http/);
      // The editor shows the new entry.
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, vscodeMcp());

      const text = fs.readFileSync(vscodeMcp(), 'utf8');
      // A refusal is shown as an error message (and logged): the command returns nothing and writes nothing.
      const refused = async (options: object, message: RegExp) => {
        assert.equal(await vscode.commands.executeCommand('mcpHarness.addServer', options), undefined);
        await waitFor(() => message.test(harnessLogText(api.context.extension.logUri)), `the log to say ${message}`);
        assert.equal(fs.readFileSync(vscodeMcp(), 'utf8'), text, 'a refused server leaves the file as it was');
      };
      await refused({ kind: 'http', url: '127.0.0.1:9/mcp', name: 'x' }, /not a URL: start it with https:\/\//);
      await refused({ kind: 'stdio', command: 'uvx mcp-server-fetch | tee log', name: 'x' }, /"\|" is shell syntax/);
      await refused({ kind: 'stdio', command: 'node "server.js', name: 'x' }, /double quote is not closed/);
      await refused({ kind: 'stdio', command: 'node s.js', name: 'a/b' }, /cannot contain "\/"/);
      await refused({ kind: 'stdio', command: 'node s.js', name: 'added-local' }, /"added-local" already exists/);
    } finally {
      fs.writeFileSync(vscodeMcp(), before);
      await api.discovery.refresh();
    }
  });

  it('shows the negotiated protocol on the tree item and tooltip, for a 2025 and a 2026-only server', async () => {
    answer = 'allow';
    const modern = '"modern": { "type": "stdio", "command": "node", "args": ["${workspaceFolder}/../../servers/modern.mjs"] },';
    fs.writeFileSync(vscodeMcp(), originalConfig.replace('"servers": {', `"servers": {\n    ${modern}`));
    try {
      await waitFor(() => api.discovery.definition('modern'), 'the modern server to be discovered', 5000);
      assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'everything'), true);
      assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'modern'), true);
      assert.match(description(api, await serverNode(api, 'everything')), /^running · stdio · MCP 2025-\d\d-\d\d · \.vscode\/mcp\.json$/);
      assert.equal(description(api, await serverNode(api, 'modern')), 'running · stdio · MCP 2026-07-28 · .vscode/mcp.json');
      // appendText escapes spaces and parentheses in the Markdown; compare the text as shown.
      const tip = async (id: string) =>
        (api.serversTree.getTreeItem(await serverNode(api, id)).tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\([()])/g, '$1');
      assert.match(await tip('modern'), /MCP protocol 2026-07-28 \(2026 generation, stateless\)/);
      assert.match(await tip('everything'), /MCP protocol 2025-\d\d-\d\d \(2025 generation, initialize handshake\)/);
      await api.servers.stop('modern');
      // Stopped: the description no longer claims a protocol.
      assert.equal(description(api, await serverNode(api, 'modern')), 'stopped · stdio · .vscode/mcp.json');
    } finally {
      await api.servers.stopAll();
      fs.writeFileSync(vscodeMcp(), originalConfig);
      await waitFor(() => !api.discovery.definition('modern'), 'the modern server to disappear', 5000);
    }
  });

  it('starts a real server on Start, lists its tools, and leaves no process after Stop', async () => {
    answer = 'allow';
    const started = await vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'everything');
    assert.equal(started, true);
    const state = api.servers.state('everything');
    assert.equal(state?.status, 'running');
    const pid = state?.pid;
    assert.ok(pid && isAlive(pid), 'No live process for the started server.');
    const node = await serverNode(api, 'everything');
    assert.match(description(api, node), /^running · stdio/);
    const cats = await api.serversTree.getChildren(node);
    const tools = cats.find((c) => c.kind === 'category' && c.category === 'tools');
    assert.ok(tools);
    const toolNodes = await api.serversTree.getChildren(tools);
    const echo = toolNodes.find((t) => t.kind === 'tool' && t.tool.name === 'echo');
    assert.ok(echo, 'echo is not among the tools shown.');
    const tooltip = api.serversTree.getTreeItem(echo).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /Input schema/);
    assert.match(tooltip.value, /"message"/);

    await vscode.commands.executeCommand('mcpHarness.stopServer', 'everything');
    assert.equal(api.servers.state('everything')?.status, 'stopped');
    await waitFor(() => !isAlive(pid), `pid ${pid} to exit after Stop`);
    assert.deepEqual(await serverProcesses(), []);
  });

  it('asks for an ${input:…} value once when the server starts, and keeps it in SecretStorage', async () => {
    answer = 'allow';
    // Secret storage can outlive the workspace (it belongs to the user): start from nothing saved.
    await vscode.commands.executeCommand('mcpHarness.forgetInputs');
    assert.deepEqual(api.discovery.definition('withinput')?.pendingInputs, ['greeting']);
    assert.equal(description(api, await serverNode(api, 'withinput')), 'stopped, needs input · stdio · .vscode/mcp.json');
    const starting = vscode.commands.executeCommand<boolean>('mcpHarness.startServer', 'withinput');
    // The input box is pre-filled with the input's default; accept it as a user pressing Enter would.
    assert.equal(await acceptInputUntil(starting), true);
    const def = api.discovery.definition('withinput')!;
    assert.equal(def.pendingInputs, undefined);
    assert.equal(def.env?.GREETING, 'hello');
    assert.equal(api.servers.state('withinput')?.status, 'running');
    await api.servers.stop('withinput');
    // A refresh resolves it from SecretStorage without asking again (nothing to accept this time).
    await api.discovery.refresh();
    assert.equal(api.discovery.definition('withinput')?.env?.GREETING, 'hello');
    assert.equal(api.discovery.definition('withinput')?.pendingInputs, undefined);
    assert.equal(await vscode.commands.executeCommand<number>('mcpHarness.forgetInputs'), 1);
    assert.deepEqual(api.discovery.definition('withinput')?.pendingInputs, ['greeting']);
  });

  it('leaves no process behind when a server dies in the middle of a call', async () => {
    answer = 'allow';
    await vscode.commands.executeCommand('mcpHarness.startServer', 'crashy');
    const pid = api.servers.state('crashy')?.pid;
    assert.ok(pid && isAlive(pid));
    await assert.rejects(api.servers.connection('crashy').callTool('crash', { code: 9 }));
    await waitFor(() => !isAlive(pid), `pid ${pid} to be gone after the crash`);
    assert.deepEqual(await serverProcesses(), []);
  });
});

describe('harness workspace: a server waiting to reconnect after a crash', function () {
  this.timeout(30_000);
  let api: HarnessApi;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    await api.servers.stopAll();
  });

  /** The inline actions the package contributes for a tree item with this contextValue. */
  function inlineCommands(contextValue: string): string[] {
    const menus = harnessExtension().packageJSON.contributes.menus['view/item/context'] as { command: string; when: string; group?: string }[];
    return menus
      .filter((m) => m.group?.startsWith('inline') && m.when.includes('view == mcpHarness.servers'))
      .filter((m) => {
        const regex = /viewItem =~ \/(.+)\/$/.exec(m.when);
        return regex ? new RegExp(regex[1]).test(contextValue) : m.when.includes(`viewItem == ${contextValue}`);
      })
      .map((m) => m.command);
  }

  it('shows "reconnecting in Ns (attempt k)" with an inline Stop that cancels the reconnect', async () => {
    await vscode.commands.executeCommand('mcpHarness.startServer', 'crashy');
    const crashed = api.servers.state('crashy')?.pid;
    assert.ok(crashed && isAlive(crashed));
    const conn = api.servers.connection('crashy');
    await assert.rejects(conn.callTool('crash', { code: 9 }));
    // A call needs the server again: its start waits out the backoff (1 s after the first failure).
    const call = conn.callTool('echo', { text: 'after the crash' });
    const outcome = call.then(() => 'answered', (err: Error) => err.message);
    const reconnect = await waitFor(() => api.servers.state('crashy')?.reconnect, 'the start to wait out the reconnect backoff', 900, 5);
    assert.equal(reconnect.attempt, 1);

    const node = await serverNode(api, 'crashy');
    const item = api.serversTree.getTreeItem(node);
    assert.equal(item.description, 'reconnecting in 1s (attempt 1) · stdio · .vscode/mcp.json');
    // The Stop picker (Stop Server with no argument) describes it the same way, not just "waiting to reconnect".
    assert.equal(underWay(api.context, api.discovery.definition('crashy')!), 'reconnecting in 1s (attempt 1)');
    assert.equal(item.contextValue, 'server.reconnecting');
    assert.match((item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' '), /stopped unexpectedly[\s\S]*Stop cancels the reconnect/);
    const inline = inlineCommands('server.reconnecting');
    assert.ok(inline.includes('mcpHarness.stopServer') && inline.includes('mcpHarness.restartServer'), inline.join(', '));
    assert.ok(!inline.includes('mcpHarness.startServer'), 'a start is already under way');
    assert.ok(!inlineCommands('server.error').includes('mcpHarness.stopServer'), 'a plain error offers Start, not Stop');

    // The inline Stop, as the tree runs it (with the node): the wait ends, nothing is spawned.
    assert.equal(await vscode.commands.executeCommand('mcpHarness.stopServer', node), true);
    assert.match(await outcome, /stopped/i);
    const state = api.servers.state('crashy')!;
    assert.deepEqual([state.status, state.reconnect], ['stopped', undefined]);
    assert.match(String(api.serversTree.getTreeItem(await serverNode(api, 'crashy')).description), /^stopped · stdio/);
    // Past the moment the reconnect was due: still nothing runs.
    await new Promise((r) => setTimeout(r, Math.max(0, reconnect.at - Date.now()) + 300));
    assert.equal(api.servers.state('crashy')?.status, 'stopped');
    assert.deepEqual(await serverProcesses(), []);
  });
});

describe('harness workspace: consent', function () {
  let api: HarnessApi;
  const asked: { id: string; hash: string }[] = [];
  let answer: 'allow' | 'deny' | undefined;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    await api.consent.forget();
    api.testing.setConsentPrompt(async (def) => {
      asked.push({ id: def.id, hash: def.hash });
      return answer;
    });
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    await api.servers.stopAll();
  });

  it('does not spawn and does not remember anything when the prompt is dismissed', async () => {
    answer = undefined;
    await assert.rejects(api.servers.ensureStarted('everything'));
    assert.equal(asked.length, 1);
    assert.equal(api.consent.decisionFor(api.discovery.definition('everything')!), undefined);
    assert.deepEqual(await serverProcesses(), []);
  });

  it('remembers Deny per definition: no spawn, and no second prompt for automatic starts', async () => {
    answer = 'deny';
    await assert.rejects(api.servers.ensureStarted('everything'));
    await assert.rejects(api.servers.ensureStarted('everything'));
    assert.equal(asked.length, 2, 'A remembered Deny must not prompt again.');
    assert.equal(api.consent.decisionFor(api.discovery.definition('everything')!), 'deny');
    assert.deepEqual(await serverProcesses(), []);
  });

  it('asks again when the user starts a denied server by hand, and remembers Allow', async () => {
    answer = 'allow';
    assert.equal(await vscode.commands.executeCommand('mcpHarness.startServer', 'everything'), true);
    assert.equal(asked.length, 3);
    await api.servers.stop('everything');
    await api.servers.ensureStarted('everything');
    assert.equal(asked.length, 3, 'A remembered Allow must not prompt again.');
    await api.servers.stop('everything');
  });

  it('asks again after the command line changes', async () => {
    const config = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'mcp.json');
    const original = fs.readFileSync(config, 'utf8');
    const before = api.discovery.definition('everything')!.hash;
    try {
      fs.writeFileSync(config, original.replace('"stdio"]', '"stdio", "--extra"]'));
      await waitFor(() => api.discovery.definition('everything')?.hash !== before, 'the changed definition', 5000);
      answer = 'deny';
      await assert.rejects(api.servers.ensureStarted('everything'));
      assert.equal(asked.length, 4);
      assert.notEqual(asked[3].hash, before);
    } finally {
      fs.writeFileSync(config, original);
      await waitFor(() => api.discovery.definition('everything')?.hash === before, 'the original definition', 5000);
    }
    // The original definition's Allow is still remembered.
    assert.equal(api.consent.decisionFor(api.discovery.definition('everything')!), 'allow');
  });

  it('forgets every decision on "MCP: Reset Server Consent"', async () => {
    const n = await vscode.commands.executeCommand<number>('mcpHarness.resetConsent');
    assert.ok(n >= 2);
    assert.equal(api.consent.decisionFor(api.discovery.definition('everything')!), undefined);
  });

  it('shows the exact command line and env names, never env values', async () => {
    const def = api.discovery.definition('crashy')!;
    const detail = consentDetail(def);
    assert.ok(detail.includes(`node ${def.args![0]}`), detail);
    assert.match(detail, /CRASHY_TOKEN/);
    assert.doesNotMatch(detail, /not-a-real-secret/);
  });
});
