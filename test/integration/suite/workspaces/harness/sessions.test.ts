// Sessions in VS Code on the harness fixture: Run Session from the palette writes a trace with the
// right decisions; session files get live diagnostics, completion, hovers and CodeLenses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../../../../src/core/session/runner';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { SessionHeader, StepRecord, TraceLine } from '../../../../../src/protocol/trace';
import { activateHarness, waitFor } from '../../helpers';
import { acceptInputUntil, serverProcesses } from './processes';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('harness workspace: sessions', function () {
  let api: HarnessApi;
  const confirmed: string[] = [];
  let confirmAnswer = true;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    api.testing.setConfirmPrompt(async (request) => {
      confirmed.push(`${request.server}/${request.tool}`);
      return confirmAnswer;
    });
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
    assert.deepEqual(await serverProcesses(), []);
  });

  it('runs the workspace session from the palette command and writes a trace with the decisions', async () => {
    confirmAnswer = true;
    const result = await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession');
    assert.ok(result, 'Run Session returned nothing.');
    assert.equal(result.name, 'smoke');
    assert.deepEqual(result.steps.map((s) => [s.step_id, s.decision]), [
      ['greet', 'ok'],
      ['bad-args', 'denied_schema'],
      ['env', 'denied_policy'],
    ]);
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => s.expectation)));
    // echo is not from a trusted server, so it counts as destructive and was confirmed once.
    assert.deepEqual(confirmed, ['everything/echo']);

    assert.ok(result.trace_file, 'No trace file was written.');
    assert.ok(result.trace_file.startsWith(path.join(folder(), '.mcp-harness', 'traces')));
    assert.ok(fs.existsSync(path.join(folder(), '.mcp-harness', '.gitignore')));
    const lines = fs.readFileSync(result.trace_file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
    assert.equal(lines[0].type, 'session');
    assert.equal((lines[0] as SessionHeader).name, 'smoke');
    const steps = lines.filter((l): l is StepRecord => l.type === 'step');
    assert.deepEqual(steps.map((s) => s.decision), ['ok', 'denied_schema', 'denied_policy']);
    assert.equal(steps[2].stages.find((st) => st.stage === 'policy')?.rule, 'deny:*/get-env');
    const end = lines[lines.length - 1];
    assert.equal(end.type, 'end');
    assert.deepEqual(end.type === 'end' && end.decisions, { ok: 1, denied_schema: 1, denied_policy: 1 });
  });

  it('denies a destructive step when the confirmation is refused', async () => {
    confirmAnswer = false;
    confirmed.length = 0;
    const uri = vscode.Uri.file(path.join(folder(), 'sessions', 'smoke.mcp-session.json'));
    const result = await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSessionStep', uri, 'greet');
    assert.ok(result);
    assert.deepEqual(result.steps.map((s) => s.step_id), ['greet'], 'Run Step must run only that step.');
    assert.equal(result.steps[0].decision, 'denied_policy');
    assert.deepEqual(confirmed, ['everything/echo']);
    confirmAnswer = true;
  });

  it('calls one tool with "MCP: Call Tool…" and arguments pre-filled from its schema', async () => {
    confirmAnswer = true;
    await api.servers.start('everything');
    const echo = api.servers.state('everything')!.tools!.find((t) => t.name === 'echo')!;
    const calling = vscode.commands.executeCommand<StepRecord>('mcpHarness.callTool', { kind: 'tool', serverId: 'everything', tool: echo });
    // Accept the pre-filled arguments ({"message": ""}) as they are.
    const record = await acceptInputUntil(calling);
    assert.ok(record, 'Call Tool returned no step record.');
    assert.equal(record.server, 'everything');
    assert.equal(record.tool, 'echo');
    assert.equal(record.decision, 'ok');
    assert.deepEqual(record.args, { message: '' });
  });

  it('offers Run Session and Run Step CodeLenses', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'sessions', 'smoke.mcp-session.json'));
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.includes('Run Session')), titles.join(', '));
    for (const id of ['greet', 'bad-args', 'env']) assert.ok(titles.some((t) => t.includes(`Run Step "${id}"`)), titles.join(', '));
    const stepLens = lenses.find((l) => l.command?.title.includes('"bad-args"'))!;
    assert.deepEqual(stepLens.command?.arguments?.[1], 'bad-args');
  });

  describe('live diagnostics, completion and hovers', () => {
    let uri: vscode.Uri;
    let text: string;

    before(async () => {
      await api.servers.start('everything'); // tool lists come only from running (or cached) servers
      text = [
        '{',
        '  "name": "broken",',
        '  "policy": { "deny": ["*/get-env"] },',
        '  "steps": [',
        '    { "id": "a", "tool": "nosuch/echo", "args": {} },',
        '    { "id": "b", "tool": "everything/nosuch", "args": {} },',
        '    { "id": "c", "tool": "everything/echo", "args": { "message": 42 } },',
        '    { "id": "d", "tool": "everything/get-env", "args": {} },',
        '    { "id": "e", "tool": "everything/echo", "args": { "" } },',
        '    { "id": "f", "tool": "everything/echo", "args": { "message": "https://example.com/f" }, "policy": { "noNetwork": true } }',
        '  ]',
        '}',
        '',
      ].join('\n');
      uri = vscode.Uri.file(path.join(folder(), 'sessions', 'broken.mcp-session.json'));
      fs.writeFileSync(uri.fsPath, text);
      await vscode.workspace.openTextDocument(uri);
    });

    after(() => {
      fs.rmSync(uri.fsPath, { force: true });
    });

    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

    it('flags unknown servers, unknown tools, schema failures at the argument, and policy conflicts', async () => {
      const diags = await waitFor(() => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'MCP Harness');
        return ['unknown-server', 'unknown-tool', 'schema', 'policy-conflict'].every((c) => d.some((x) => x.code === c)) ? d : undefined;
      }, 'session diagnostics', 10_000);
      const byCode = (c: string) => diags.find((d) => d.code === c)!;
      assert.equal(byCode('unknown-server').range.start.line, lineOf('nosuch/echo'));
      assert.match(byCode('unknown-server').message, /Unknown server "nosuch"/);
      assert.equal(byCode('unknown-tool').range.start.line, lineOf('everything/nosuch'));
      const schema = byCode('schema');
      const line = text.split('\n')[lineOf('"message": 42')];
      assert.equal(schema.range.start.line, lineOf('"message": 42'));
      assert.equal(schema.range.start.character, line.indexOf('"message": 42'));
      assert.equal(schema.range.end.character, line.indexOf('"message": 42') + '"message": 42'.length);
      assert.match(schema.message, /message/);
      assert.equal(byCode('policy-conflict').range.start.line, lineOf('everything/get-env'));
      assert.match(byCode('policy-conflict').message, /deny/);
      // Argument rules apply to the literal args: a URL under the step's noNetwork is flagged on its step.
      const network = diags.find((d) => d.code === 'policy-conflict' && d.range.start.line === lineOf('https://example.com/f'));
      assert.ok(network, `no policy conflict on the noNetwork step: ${diags.map((d) => `${d.range.start.line}: ${d.message}`).join(' | ')}`);
      assert.match(network.message, /noNetwork.*\$\.message.*network address/);
    });

    it('completes tool names and argument keys from the live tool list', async () => {
      const toolLine = lineOf('everything/nosuch');
      const col = text.split('\n')[toolLine].indexOf('everything/nosuch') + 1;
      const tools = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider', uri, new vscode.Position(toolLine, col));
      const labels = tools.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.ok(labels.includes('everything/echo'), labels.slice(0, 20).join(', '));

      const keyLine = lineOf('{ "" }');
      const keyCol = text.split('\n')[keyLine].indexOf('{ "" }') + 3;
      const keys = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider', uri, new vscode.Position(keyLine, keyCol));
      const keyLabels = keys.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.ok(keyLabels.includes('message'), keyLabels.join(', '));
    });

    it('shows tool and parameter descriptions on hover', async () => {
      const toolLine = lineOf('"message": 42');
      const col = text.split('\n')[toolLine].indexOf('everything/echo') + 3;
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(toolLine, col));
      const content = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(content, /\*\*echo\*\*/);
      const argCol = text.split('\n')[toolLine].indexOf('"message"') + 2;
      const argHovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(toolLine, argCol));
      const argContent = argHovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(argContent, /\*\*message\*\*: `string`/);
    });
  });
});
