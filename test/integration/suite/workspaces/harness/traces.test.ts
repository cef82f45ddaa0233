// The trace explorer in the real VS Code on the harness fixture: a session run from the palette shows
// up in the Sessions view with its decisions, the trace panel opens on it and gets its `init`, a trace
// written by the CLI appears, a malformed trace reports its bad lines, export and Delete Run work.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../../../../src/core/session/runner';
import type { HarnessApi } from '../../../../../src/extension/api';
import type { SessionsNode } from '../../../../../src/extension/traces/tree';
import type { BadLine, RunSnapshot } from '../../../../../src/protocol/messages';
import { activateHarness, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const tracesDir = () => path.join(folder(), '.mcp-harness', 'traces');
const fixtureTraces = () => path.join(process.env.MCP_HARNESS_REPO!, 'test', 'fixtures', 'traces');

type InitMessage = { type: 'init'; runs: RunSnapshot[]; selectedRunId?: string; badLines?: BadLine[] };

describe('harness workspace: trace explorer', function () {
  let api: HarnessApi;
  let result: SessionResult;

  const runNode = async (id: string): Promise<SessionsNode | undefined> =>
    (await api.sessionsTree.getChildren()).find((n) => n.kind === 'run' && n.run.id === id);

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    api.testing.setConfirmPrompt(async () => true);
    api.testing.setDeleteConfirm(async () => true);
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    api.testing.setDeleteConfirm(undefined);
    api.testing.setSaveDialog(undefined);
    await vscode.commands.executeCommand('mcpHarness.clearSessionsFilter');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.servers.stopAll();
  });

  it('shows a session run from the palette in the Sessions view with the decision of every step', async () => {
    const seen: string[] = [];
    const sub = api.traceStore.onDidRecordStep((r) => seen.push(r.step_id));
    const uri = vscode.Uri.file(path.join(folder(), 'sessions', 'smoke.mcp-session.json'));
    result = (await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', uri))!;
    sub.dispose();
    assert.ok(result?.trace_file, 'Run Session wrote no trace.');
    assert.deepEqual(seen, ['greet', 'bad-args', 'env'], 'the live step event must carry every step as it is recorded');

    const node = await waitFor(async () => {
      const n = await runNode(result.session_id);
      return n && n.run.end ? n : undefined;
    }, 'the run in the Sessions view', 10_000);
    const item = api.sessionsTree.getTreeItem(node);
    assert.equal(item.label, 'smoke');
    assert.match(String(item.description), /3 steps/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(item.contextValue, 'run.rerunnable');
    const steps = await api.sessionsTree.getChildren(node);
    assert.deepEqual(
      steps.map((s) => [api.sessionsTree.getTreeItem(s).label, api.sessionsTree.getTreeItem(s).contextValue]),
      [['greet', 'step.ok'], ['bad-args', 'step.denied_schema'], ['env', 'step.denied_policy']],
    );
    assert.match(String(api.sessionsTree.getTreeItem(steps[2]).description), /everything\/get-env · \d+ ms · denied_policy/);
    // Newest first.
    assert.equal((await api.sessionsTree.getChildren())[0].kind === 'run' && (await api.sessionsTree.getChildren())[0].run.id, result.session_id);
  });

  it('filters the runs and steps by decision and clears the filter', async () => {
    await vscode.commands.executeCommand('mcpHarness.filterSessions', { decisions: ['denied_policy'] });
    const node = (await runNode(result.session_id))!;
    assert.ok(node, 'the run has a denied_policy step and must stay visible');
    const steps = await api.sessionsTree.getChildren(node);
    assert.deepEqual(steps.map((s) => s.kind === 'step' && s.step.step_id), ['env']);
    await vscode.commands.executeCommand('mcpHarness.filterSessions', { tool: 'no-such-tool' });
    assert.deepEqual(await api.sessionsTree.getChildren(), []);
    await vscode.commands.executeCommand('mcpHarness.clearSessionsFilter');
    assert.equal((await api.sessionsTree.getChildren(node)).length, 3);
  });

  it('opens the trace panel on the run; the webview says ready and gets init with the run selected', async () => {
    const node = (await runNode(result.session_id))!;
    await vscode.commands.executeCommand('mcpHarness.openTracePanel', node);
    assert.equal(api.testing.panelOpen(), true);
    const init = await waitFor(() => api.testing.lastPanelInit() as InitMessage | undefined, 'the init message after ready', 20_000);
    assert.equal(api.testing.panelMessages()[0], 'init');
    assert.equal(init.selectedRunId, result.session_id);
    const run = init.runs.find((r) => r.id === result.session_id);
    assert.ok(run, 'init must carry the run');
    assert.deepEqual(run.steps.map((s) => s.decision), ['ok', 'denied_schema', 'denied_policy']);
  });

  it('shows a trace the CLI wrote into .mcp-harness/traces, live in the open panel too', async () => {
    fs.copyFileSync(path.join(fixtureTraces(), 'every-decision.jsonl'), path.join(tracesDir(), 'cli-every-decision.jsonl'));
    const node = await waitFor(() => runNode('sess-every-decision'), 'the CLI trace in the Sessions view', 15_000);
    const decisions = (await api.sessionsTree.getChildren(node)).map((s) => s.kind === 'step' && s.step.decision);
    for (const d of ['ok', 'denied_schema', 'denied_policy', 'denied_guardrail', 'dry_run', 'error', 'timeout']) {
      assert.ok(decisions.includes(d as never), `decision ${d} missing from ${decisions.join(', ')}`);
    }
    await waitFor(() => api.testing.panelMessages().includes('runStarted'), 'runStarted posted to the open panel', 10_000);
  });

  it('exports a JSON and an XLSX report of a run without a dialog when given a target', async () => {
    const node = (await runNode(result.session_id))!;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-harness-export-'));
    try {
      const json = await vscode.commands.executeCommand<{ path: string }>('mcpHarness.exportReport', node, { format: 'json', target: path.join(out, 'r.json') });
      const report = JSON.parse(fs.readFileSync(json.path, 'utf8'));
      assert.equal(report.mcp_details.summary.total_sessions, 1);
      assert.equal(report.mcp_details.summary.total_steps, 3);
      // Through the save dialog hook, as from the context menu.
      api.testing.setSaveDialog(async (format) => vscode.Uri.file(path.join(out, `picked.${format}`)));
      const xlsx = await vscode.commands.executeCommand<{ path: string }>('mcpHarness.exportReport', node, { format: 'xlsx' });
      assert.equal(xlsx.path, path.join(out, 'picked.xlsx'));
      assert.equal(fs.readFileSync(xlsx.path).subarray(0, 2).toString(), 'PK');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('opens a malformed trace with its bad lines reported and the good steps shown', async () => {
    const file = path.join(folder(), 'malformed-copy.jsonl');
    fs.copyFileSync(path.join(fixtureTraces(), 'malformed.jsonl'), file);
    try {
      await vscode.commands.executeCommand('mcpHarness.openTraceFile', file);
      const init = await waitFor(() => {
        const m = api.testing.lastPanelInit() as InitMessage | undefined;
        return m?.badLines?.length ? m : undefined;
      }, 'an init with bad lines', 20_000);
      const lines = init.badLines!.map((b) => b.line);
      assert.deepEqual(lines, [3, 4, 5, 6, 8]);
      assert.match(init.badLines![0].message, /not valid JSON/);
      assert.equal(init.runs.length, 1);
      assert.deepEqual(init.runs[0].steps.map((s) => s.step_id), ['s1', 's2', 's3']);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('Re-run Session runs the session file named in the trace header again', async () => {
    const node = (await runNode(result.session_id))!;
    const newId = await vscode.commands.executeCommand<string>('mcpHarness.rerunSession', node);
    assert.ok(newId && newId !== result.session_id, `a new run id, got ${newId}`);
    const again = await waitFor(() => runNode(newId), 'the re-run in the Sessions view', 10_000);
    assert.equal(again.run.header?.name, 'smoke');
    assert.equal(again.run.header?.source_file, node.run.header?.source_file);
    assert.equal((await api.sessionsTree.getChildren())[0].run.id, newId, 'the re-run is listed first');
  });

  it('Delete Run removes the trace file and the run', async () => {
    const file = path.join(tracesDir(), 'cli-every-decision.jsonl');
    const node = (await runNode('sess-every-decision'))!;
    const deleted = await vscode.commands.executeCommand<boolean>('mcpHarness.deleteRun', node);
    assert.equal(deleted, true);
    assert.equal(fs.existsSync(file), false);
    assert.equal(await runNode('sess-every-decision'), undefined);
    assert.ok(await runNode(result.session_id), 'other runs stay');
  });

  it('sees a trace written into a trace folder that did not exist yet when the folder was first watched', async () => {
    // VS Code watches only paths that exist; the traces folder usually appears with the first (CLI) run,
    // and `mkdir -p` may create its parent too: here neither exists, so the workspace folder is watched.
    const late = path.join(folder(), 'late', 'traces');
    assert.equal(fs.existsSync(late), false);
    const config = vscode.workspace.getConfiguration('mcpHarness');
    await config.update('traceDir', 'late/traces', vscode.ConfigurationTarget.Workspace);
    try {
      await api.traceStore.rescan();
      assert.equal(await runNode(result.session_id), undefined, 'the runs of the other trace folder are not listed');
      fs.mkdirSync(late, { recursive: true });
      fs.copyFileSync(path.join(fixtureTraces(), 'every-decision.jsonl'), path.join(late, 'late.jsonl'));
      const node = await waitFor(() => runNode('sess-every-decision'), 'the trace in the new folder in the Sessions view', 15_000);
      assert.equal(node.run.source, path.join(late, 'late.jsonl'));
    } finally {
      await config.update('traceDir', undefined, vscode.ConfigurationTarget.Workspace);
      await api.traceStore.rescan();
    }
    assert.ok(await runNode(result.session_id), 'the default folder is listed again');
  });

  it('every contributed trace command is registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['openTracePanel', 'openTraceFile', 'rerunSession', 'exportReport', 'revealTraceFile', 'deleteRun', 'filterSessions', 'clearSessionsFilter', 'refreshSessions']) {
      assert.ok(all.includes(`mcpHarness.${id}`), `mcpHarness.${id} is not registered`);
    }
  });
});
