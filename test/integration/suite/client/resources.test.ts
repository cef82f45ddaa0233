// Resources, templates and prompts of a running server in the real extension host: the Servers view's nodes
// open resources in read-only editors (an image in the image preview), templates and prompts are filled through
// the argument quick pick with the server's completions, and session files complete prompt and template
// arguments from the server.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { ServersNode } from '../../../../src/extension/serversView';
import { waitFor } from '../helpers';
import { acceptQuickInput, callUi, clientApi, StepQueue } from './helpers';

type Pick = vscode.QuickPick<vscode.QuickPickItem>;
const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function resourceNodes(api: HarnessApi): Promise<Extract<ServersNode, { kind: 'resource' }>[]> {
  const server = (await api.serversTree.getChildren()).find((n) => n.kind === 'server' && n.definition.id === 'ui')!;
  const category = (await api.serversTree.getChildren(server)).find((n) => n.kind === 'category' && n.category === 'resources')!;
  return (await api.serversTree.getChildren(category)) as Extract<ServersNode, { kind: 'resource' }>[];
}

/** Waits until the server's suggestions are listed, then picks one. */
async function pickSuggestion(p: Pick, typed: string, wanted: string, expected: string[]): Promise<void> {
  p.value = typed;
  await waitFor(() => expected.every((e) => p.items.some((i) => i.label === e && i.description === 'suggested by the server')), `suggestions ${expected.join(', ')}`);
  p.activeItems = [p.items.find((i) => i.label === wanted)!];
  await acceptQuickInput();
}

describe('client: resources, templates and prompts', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let picks: StepQueue<Pick>;

  before(async () => {
    api = await clientApi();
    await api.servers.ensureStarted('ui');
  });
  beforeEach(() => {
    picks = new StepQueue((l) => api.testing.onArgumentInput(l));
  });
  afterEach(async () => {
    picks.dispose();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await api.servers.stopAll();
  });

  it('opens a resource node in a read-only editor with the language of its MIME type', async () => {
    const nodes = await resourceNodes(api);
    assert.deepEqual(nodes.map((n) => n.resource.uri), ['ui://notes/readme.md', 'ui://data/config.json', 'ui://data/counter.txt', 'ui://images/dot.png']);
    const item = api.serversTree.getTreeItem(nodes[1]);
    assert.equal(item.command?.command, 'mcpHarness.openResource', 'clicking a resource opens it');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('mcpHarness.openResource', nodes[1]);
    assert.equal(uri?.scheme, 'mcp-harness-resource');
    const doc = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.toString() === uri!.toString() ? vscode.window.activeTextEditor.document : undefined), 'the resource editor');
    assert.equal(doc.getText(), '{"answer": 42}');
    assert.equal(doc.languageId, 'json');
    const readme = await vscode.commands.executeCommand<vscode.Uri>('mcpHarness.openResource', nodes[0]);
    const md = await vscode.workspace.openTextDocument(readme!);
    assert.equal(md.languageId, 'markdown');
    assert.match(md.getText(), /^# Notes/);
  });

  it('opens an image resource in the image preview', async () => {
    const nodes = await resourceNodes(api);
    const file = await vscode.commands.executeCommand<vscode.Uri>('mcpHarness.openResource', nodes.find((n) => n.resource.uri === 'ui://images/dot.png'));
    assert.ok(file && file.scheme === 'file' && file.path.endsWith('.png'), `an image file, not ${file?.toString()}`);
    const bytes = fs.readFileSync(file.fsPath);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG as the server sent it');
    const tab = await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.uri.toString() === file.toString() ? input : undefined;
    }, 'the image preview tab');
    assert.equal(tab.viewType, 'imagePreview.previewEditor');
  });

  it('subscribes while a resource document is open in an editor: an update re-reads it, closing the editor unsubscribes', async () => {
    // Documents of other resources opened by earlier tests may still be open (and subscribed): only the counter counts.
    const subscriptions = async () => (JSON.parse((await callUi(api, 'subscriptions')).text) as string[]).filter((u) => u === 'ui://data/counter.txt');
    assert.deepEqual(await subscriptions(), []);
    const uri = await api.context.client.openResource('ui', 'ui://data/counter.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    const start = Number(/^count (\d+)$/.exec(doc.getText())?.[1]);
    assert.ok(Number.isInteger(start), `the counter, not ${doc.getText()}`);
    await waitFor(async () => (await subscriptions()).length === 1 || undefined, 'the subscription on the server');
    assert.deepEqual(await subscriptions(), ['ui://data/counter.txt']);
    assert.ok(api.context.client.subscriptions.subscribed().some((r) => r.server === 'ui' && r.uri === 'ui://data/counter.txt'));
    assert.equal((await callUi(api, 'bump')).text, JSON.stringify({ counter: start + 1, notified: true }));
    await waitFor(() => doc.getText() === `count ${start + 1}` || undefined, `the re-read document (shows ${doc.getText()})`);
    // Opening the same resource again keeps one subscription.
    await api.context.client.openResource('ui', 'ui://data/counter.txt');
    await api.context.client.subscriptions.sync();
    assert.deepEqual(await subscriptions(), ['ui://data/counter.txt']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.context.client.subscriptions.sync();
    assert.deepEqual(await subscriptions(), [], 'the document closed: the subscription ended');
    assert.ok(!api.context.client.subscriptions.subscribed().some((r) => r.uri === 'ui://data/counter.txt'));
    assert.equal((await callUi(api, 'bump')).text, JSON.stringify({ counter: start + 2, notified: false }));
  });

  it('subscribes again when the server restarts with the resource document open (the old process took the subscription)', async () => {
    const subscriptions = async () => (JSON.parse((await callUi(api, 'subscriptions')).text) as string[]).filter((u) => u === 'ui://data/counter.txt');
    const uri = await api.context.client.openResource('ui', 'ui://data/counter.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    await waitFor(async () => (await subscriptions()).length === 1 || undefined, 'the subscription on the server');
    const before = api.servers.state('ui')!.pid;
    await api.servers.restart('ui');
    assert.notEqual(api.servers.state('ui')!.pid, before, 'a new server process');
    await waitFor(async () => (await subscriptions()).length === 1 || undefined, 'the subscription on the restarted server');
    // The new process counts from 0: its first bump notifies this window, which re-reads the document.
    assert.equal((await callUi(api, 'bump')).text, JSON.stringify({ counter: 1, notified: true }));
    await waitFor(() => doc.getText() === 'count 1' || undefined, `the re-read document (shows ${doc.getText()})`);
    assert.deepEqual(api.context.client.subscriptions.subscribed().filter((r) => r.uri === 'ui://data/counter.txt'), [{ server: 'ui', uri: 'ui://data/counter.txt' }]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.context.client.subscriptions.sync();
    assert.deepEqual(await subscriptions(), [], 'the document closed: the subscription ended');
  });

  it('fills a resource template with the server\'s completions and opens the resource', async () => {
    const opened = vscode.commands.executeCommand<vscode.Uri>('mcpHarness.openResourceTemplate', 'ui', 'ui://users/{name}');
    const p = await picks.next('the template variable');
    assert.equal(p.title, 'ui: ui://users/{name} — name');
    await pickSuggestion(p, 'al', 'albert', ['alice', 'albert']);
    const uri = await opened;
    assert.equal((await vscode.workspace.openTextDocument(uri!)).getText(), 'user albert');
  });

  it('runs a prompt with its argument form (completions, optional argument left out) and shows its messages', async () => {
    const run = vscode.commands.executeCommand<vscode.TextDocument>('mcpHarness.runPrompt', 'ui', 'review');
    const language = await picks.next('the language argument');
    assert.equal(language.step, 1);
    assert.equal(language.totalSteps, 2);
    assert.equal(language.placeholder, 'The language of the code');
    await pickSuggestion(language, 'ty', 'typescript', ['typescript']);
    const style = await picks.next('the style argument');
    assert.match(String(style.title), /style \(optional\)/);
    assert.equal(style.items[0]?.description, 'leave out');
    await acceptQuickInput();
    const doc = await run;
    assert.equal(doc?.languageId, 'markdown');
    assert.equal(doc!.getText(), '# ui/review\n\nArguments: `language` = "typescript"\n\n## user\n\nReview this typescript code.\n\n## assistant\n\nPaste the code.\n');
  });

  it('clicking a prompt in the Servers view runs it (its arguments asked for), clicking a tool opens its schema', async () => {
    const server = (await api.serversTree.getChildren()).find((n) => n.kind === 'server' && n.definition.id === 'ui')!;
    const children = await api.serversTree.getChildren(server);
    const promptsCategory = children.find((n) => n.kind === 'category' && n.category === 'prompts')!;
    const review = (await api.serversTree.getChildren(promptsCategory)).find((n) => n.kind === 'prompt' && n.prompt.name === 'review')!;
    const click = api.serversTree.getTreeItem(review).command;
    assert.equal(click?.command, 'mcpHarness.runPrompt', 'clicking a prompt runs it');
    const run = vscode.commands.executeCommand<vscode.TextDocument>(click!.command, ...(click!.arguments ?? []));
    const language = await picks.next('the language argument');
    await pickSuggestion(language, 'ty', 'typescript', ['typescript']);
    await picks.next('the style argument');
    await acceptQuickInput();
    assert.match((await run)!.getText(), /## user\n\nReview this typescript code\./);

    const toolsCategory = children.find((n) => n.kind === 'category' && n.category === 'tools')!;
    const tool = (await api.serversTree.getChildren(toolsCategory))[0] as Extract<ServersNode, { kind: 'tool' }>;
    const open = api.serversTree.getTreeItem(tool).command;
    assert.equal(open?.command, 'mcpHarness.openToolSchema', 'clicking a tool opens its schema');
    await vscode.commands.executeCommand(open!.command, ...(open!.arguments ?? []));
    const schema = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.path.endsWith(`/${tool.tool.name}.json`) ? vscode.window.activeTextEditor.document : undefined), 'the tool schema editor');
    assert.match(schema.getText(), /"inputSchema"/);
  });

  it('runs a prompt with given arguments, and refuses a resource of a server that is not running', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('mcpHarness.runPrompt', 'ui', 'review', { language: 'rust', style: 'strict' });
    assert.match(doc!.getText(), /## user\n\nReview this rust code \(strict\)\./);
    await api.servers.stop('ui');
    await assert.rejects(api.context.client.openResource('ui', 'ui://data/config.json'), /The server 'ui' is not running\. Start it in the Servers view first\./);
    await api.servers.ensureStarted('ui');
  });

  it('completes prompt and template arguments in a session file from the running server', async () => {
    const file = vscode.Uri.file(path.join(folder(), 'sessions', 'ui.mcp-session.json'));
    const doc = await vscode.workspace.openTextDocument(file);
    const text = doc.getText();
    const at = (needle: string, into: number) => doc.positionAt(text.indexOf(needle) + into);
    const fromServer = async (pos: vscode.Position) => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, pos);
      return list.items.filter((i) => i.detail === 'from ui').map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    };
    assert.deepEqual(await fromServer(at('"name": "alice"', '"name": "al'.length)), ['alice', 'albert']);
    assert.deepEqual(await fromServer(at('"language": "rust"', '"language": "'.length)), ['python', 'rust', 'typescript']);
    assert.deepEqual(await fromServer(at('"prompt": "Summarise', '"prompt": "Su'.length)), [], 'tool arguments are not prompt arguments');
  });
});
