// Runs on a copy of test/fixtures/workspaces/lint-vscode: "MCP: Run Code in Sandbox" on *.mcp.js files and
// selections (value, logs, metrics, trace with a child step), the CodeLens, a looping script ending with
// a timeout while VS Code stays responsive, and "MCP: Generate Tool Typings".
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { RunCodeResult } from '../../../../../src/extension/sandbox/commands';
import { SANDBOX_SETTINGS } from '../../../../../src/core/sandbox/settings';
import { DEFAULT_LIMITS, LIMIT_BOUNDS } from '../../../../../src/core/sandbox/types';
import { activateHarness, harnessExtension } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const script = (name: string) => vscode.Uri.file(path.join(folder(), 'scripts', name));

describe('lint-vscode workspace: Run Code in Sandbox', function () {
  let api: HarnessApi;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    api.testing.setConsentPrompt(async () => 'allow');
    // server-everything is not a trusted server, so its tools need the destructive-call confirmation.
    api.testing.setConfirmPrompt(async () => true);
    await api.discovery.ready();
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.servers.stopAll();
  });

  it('contributes the sandbox limit settings with the core\'s defaults and bounds', () => {
    const props = harnessExtension().packageJSON.contributes.configuration.properties as Record<string, { default?: number; minimum?: number; maximum?: number }>;
    for (const [setting, limit] of Object.entries(SANDBOX_SETTINGS)) {
      const p = props[`mcpHarness.sandbox.${setting}`];
      assert.ok(p, `mcpHarness.sandbox.${setting} is contributed`);
      assert.equal(p.default, DEFAULT_LIMITS[limit], `default of ${setting}`);
      assert.equal(p.minimum, LIMIT_BOUNDS[limit][0], `minimum of ${setting}`);
      assert.equal(p.maximum, LIMIT_BOUNDS[limit][1], `maximum of ${setting}`);
    }
    assert.equal((props['mcpHarness.lint.enabled'] as { default?: unknown }).default, true);
    assert.equal((props['mcpHarness.pinning.enabled'] as { default?: unknown }).default, true);
  });

  it('shows a "Run in Sandbox" lens at the top of *.mcp.js files only', async () => {
    // The lens command needs the documents loaded.
    await vscode.workspace.openTextDocument(script('echo.mcp.js'));
    await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder(), 'server', 'server.mjs')));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', script('echo.mcp.js'))) ?? [];
    const run = lenses.find((l) => l.command?.command === 'mcpHarness.runCode');
    assert.ok(run, `expected a Run in Sandbox lens, got ${lenses.map((l) => l.command?.title).join(', ')}`);
    assert.equal(run.range.start.line, 0);
    assert.match(run.command!.title, /Run in Sandbox/);
    const serverLenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(path.join(folder(), 'server', 'server.mjs')))) ?? [];
    assert.ok(!serverLenses.some((l) => l.command?.command === 'mcpHarness.runCode'), 'no lens on ordinary .mjs files');
  });

  it('runs a file that calls server-everything echo through the guards and writes a trace with a child step', async () => {
    const result = (await vscode.commands.executeCommand('mcpHarness.runCode', script('echo.mcp.js'))) as RunCodeResult;
    assert.ok(result, 'the command returns the run result');
    assert.equal(result.ok, true, `the run failed: ${JSON.stringify(result.error)}`);
    assert.deepEqual(result.value, { echoed: 'Echo: hello from the sandbox', calls: 1 });
    assert.deepEqual(result.logs, [{ level: 'log', text: 'echo answered ok' }]);
    assert.equal(result.metrics.tool_calls, 1);
    assert.ok(result.metrics.tokens_raw > 0, 'tokens_raw counts the echo result');
    assert.ok(result.metrics.tokens_returned > 0);
    assert.equal(result.children.length, 1);
    assert.equal(result.children[0].server, 'everything');
    assert.equal(result.children[0].tool, 'echo');
    assert.equal(result.children[0].decision, 'ok');
    assert.equal(result.children[0].parent_id, result.record.step_id);

    assert.ok(result.traceFile && fs.existsSync(result.traceFile), 'a trace file was written');
    assert.ok(result.traceFile.startsWith(path.join(folder(), '.mcp-harness', 'traces')), result.traceFile);
    let lines: { type: string; kind?: string; parent_id?: string; step_id?: string; tool?: string }[] = [];
    for (let i = 0; i < 50; i++) {
      lines = fs.readFileSync(result.traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      if (lines.some((l) => l.type === 'end')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(lines[0].type, 'session');
    const code = lines.find((l) => l.type === 'step' && l.kind === 'code');
    const child = lines.find((l) => l.type === 'step' && l.parent_id);
    assert.ok(code, 'the trace has the code step');
    assert.ok(child, 'the trace has the child tool call');
    assert.equal(child.parent_id, code.step_id);
    assert.equal(child.tool, 'echo');
  });

  it('runs only the selection when there is one', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'throw new Error("not this");\nreturn 6 * 7;\n' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 1, 13);
    const result = (await vscode.commands.executeCommand('mcpHarness.runCode')) as RunCodeResult;
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value, 42);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('ends a looping script with a timeout error, and the next run works', async () => {
    const loop = (await vscode.commands.executeCommand('mcpHarness.runCode', script('loop.mcp.js'))) as RunCodeResult;
    assert.equal(loop.ok, false);
    assert.equal(loop.error?.kind, 'timeout');
    // The workspace's .vscode/settings.json sets mcpHarness.sandbox.timeoutMs to 1500 (the default is 5000).
    assert.match(loop.error!.message, /longer than 1500 ms/);
    assert.equal(loop.record.decision, 'timeout');
    // The extension host is responsive: another command and another run both work.
    const servers = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', script('echo.mcp.js'));
    assert.ok(Array.isArray(servers));
    const next = (await vscode.commands.executeCommand('mcpHarness.runCode', script('echo.mcp.js'))) as RunCodeResult;
    assert.equal(next.ok, true, JSON.stringify(next.error));
  });

  it('reports a runtime error with its message', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'throw new Error("boom from the guest");' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, doc.lineAt(0).text.length);
    const result = (await vscode.commands.executeCommand('mcpHarness.runCode')) as RunCodeResult;
    assert.equal(result.ok, false);
    assert.equal(result.error?.kind, 'runtime');
    assert.match(result.error!.message, /boom from the guest/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('generates tool typings and a jsconfig from the running servers', async () => {
    await api.servers.start('everything');
    const written = (await vscode.commands.executeCommand('mcpHarness.generateToolTypings', { ask: false })) as { typings: string; jsconfig?: string; tools: number };
    assert.ok(written, 'the command returns what it wrote');
    assert.equal(written.typings, path.join(folder(), '.mcp-harness', 'types', 'mcp-tools.d.ts'));
    const text = fs.readFileSync(written.typings, 'utf8');
    assert.match(text, /echo/);
    assert.ok(written.tools > 3);
    assert.ok(written.jsconfig && fs.existsSync(written.jsconfig), 'a jsconfig.json was written');
    assert.match(fs.readFileSync(written.jsconfig, 'utf8'), /mcp-tools\.d\.ts|\.mcp-harness\/types/);
  });
});
