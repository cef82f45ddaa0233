// "MCP: Run Session" with the client features in the real extension host: sampling (consent + scripted model),
// an elicitation form filled in the real quick input, a URL elicitation declined, roots, progress, a task-based
// tool (server-everything's simulate-research-query), resource and prompt steps; what the server asked is in the trace as children of the step that caused it, redacted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../../../src/core/run/types';
import type { StepRecord } from '../../../../src/protocol/trace';
import type { HarnessApi } from '../../../../src/extension/api';
import type { ElicitationStep } from '../../../../src/extension/client/elicitationForm';
import { scriptedLm } from '../../support/scriptedLm';
import { acceptQuickInput, clientApi, StepQueue } from './helpers';

const TOKEN = 'ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3poR2d2';

describe('client: a session run that uses every client feature', function () {
  this.timeout(90_000);
  let api: HarnessApi;

  before(async () => {
    api = await clientApi();
    api.testing.setConfirmPrompt(async () => true);
  });
  after(async () => {
    api.testing.setSamplingConsentPrompt(undefined);
    api.testing.setUrlElicitation(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
  });

  it('runs, and records sampling and elicitation as redacted children of their steps', async () => {
    const lm = await scriptedLm();
    lm.script([{ text: 'The notes say hello.' }]);
    const shown: string[] = [];
    api.testing.setSamplingConsentPrompt(async (r) => {
      shown.push(r.messages.map((m) => m.text).join('\n'));
      return 'once';
    });
    api.testing.setUrlElicitation(async () => 'decline', async () => assert.fail('nothing may be opened'));
    const steps = new StepQueue<ElicitationStep>((l) => api.testing.onElicitationStep(l));
    const fill = (async () => {
      for (;;) {
        const s = await steps.next('a form step', 30_000);
        const box = s.input as vscode.InputBox;
        const pick = s.input as vscode.QuickPick<vscode.QuickPickItem>;
        if (s.field === 'name') box.value = 'Grace';
        else if (s.field === 'email') box.value = 'grace.hopper@example.com';
        else if (s.field === 'size') pick.activeItems = [pick.items[1]];
        else if (s.field === 'topics') pick.selectedItems = [pick.items[0]];
        await acceptQuickInput();
        if (s.field === undefined) return;
      }
    })();
    const file = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'sessions', 'ui.mcp-session.json'));
    const result = (await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', file))!;
    await fill;
    steps.dispose();

    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.error])));
    assert.ok(result.trace_file, 'a trace was written');
    const records = fs.readFileSync(result.trace_file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string } & Partial<StepRecord>);
    assert.ok(!fs.readFileSync(result.trace_file, 'utf8').includes(TOKEN), 'the planted secret never reaches the trace');
    assert.ok(!fs.readFileSync(result.trace_file, 'utf8').includes('grace.hopper@example.com'), 'PII in the elicitation answer is redacted');
    const steps_ = records.filter((r) => r.type === 'step') as StepRecord[];
    const sampling = steps_.filter((r) => r.kind === 'sampling');
    assert.equal(sampling.length, 1);
    assert.equal(sampling[0].parent_id, 'sample', 'the sampling record is a child of the step whose call caused it');
    assert.equal(sampling[0].decision, 'ok');
    assert.match(String(sampling[0].sampling?.model), /^mcp-harness-scripted\//);
    assert.ok(sampling[0].tokens_in > 0 && sampling[0].tokens_out > 0, 'tokens counted by the model');
    const elicitations = steps_.filter((r) => r.kind === 'elicitation');
    assert.deepEqual(elicitations.map((e) => [e.parent_id, e.elicitation?.mode, e.elicitation?.action]), [['form', 'form', 'accept'], ['url', 'url', 'decline']]);
    const progress = steps_.find((r) => r.step_id === 'progress')!;
    // Completed: 100 %, even when the client handled the last notification after the result (the SDK drops it).
    assert.deepEqual([progress.progress?.progress, progress.progress?.total, progress.progress?.percent], [3, 3, 100], JSON.stringify(progress.progress));
    // The task-based tool: its status history ends completed, and its result met the step's expectation.
    const research = steps_.find((r) => r.step_id === 'research')!;
    assert.equal(research.decision, 'ok');
    assert.equal(research.task?.status, 'completed');
    assert.deepEqual([...new Set(research.task?.history.map((h) => h.status))], ['working', 'completed']);
    assert.equal(research.expectation?.passed, true, JSON.stringify(research.expectation));
    assert.deepEqual(['readme', 'user', 'review'].map((id) => steps_.find((r) => r.step_id === id)?.kind), ['resource', 'resource', 'prompt']);
    assert.equal(shown.length, 1);
    assert.ok(!shown[0].includes(TOKEN), 'the consent modal showed the redacted prompt');
    assert.equal(lm.requests()[0].messages[0].text, shown[0]);
  });

  it('shows a running call\'s progress on its row in the Sessions view, until its record arrives', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(folder, 'sessions', 'progress.mcp-session.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'client progress', policy: { trustedServers: ['ui'], confirmDestructive: false }, steps: [{ id: 'slow', tool: 'ui/progress', args: { steps: 4, ms: 400 } }] }));
    const tree = api.sessionsTree;
    const shown: string[] = [];
    const look = async () => {
      for (const run of await tree.getChildren()) {
        if (run.kind !== 'run' || run.run.header?.name !== 'client progress') continue;
        for (const node of await tree.getChildren(run)) if (node.kind === 'call') shown.push(String(tree.getTreeItem(node).description));
      }
    };
    const sub = tree.onDidChangeTreeData(() => void look());
    try {
      const result = (await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', vscode.Uri.file(file)))!;
      assert.equal(result.status, 'passed');
      assert.ok(shown.some((d) => /^(25|50|75|100) % · step [1-4] of 4$/.test(d)), `the row showed the percentage: ${JSON.stringify(shown)}`);
      assert.equal(result.steps[0].progress?.percent, 100);
      await look();
      const run = (await tree.getChildren()).find((n) => n.kind === 'run' && n.run.id === result.session_id)!;
      const rows = await tree.getChildren(run);
      assert.deepEqual(rows.map((n) => n.kind), ['step'], 'the finished step is drawn from its record, nothing live is left');
    } finally {
      sub.dispose();
      fs.rmSync(file, { force: true });
    }
  });
});
