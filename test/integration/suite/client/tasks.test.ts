// Task-based tool calls in the Sessions view, in the real extension host: a working task step shows its
// status and message live, ends as completed; "Cancel Task" on a working step cancels that task only and
// the session goes on with its next step.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../../../src/core/run/types';
import type { HarnessApi } from '../../../../src/extension/api';
import type { SessionsNode } from '../../../../src/extension/traces/tree';
import type { StepRecord } from '../../../../src/protocol/trace';
import { waitFor } from '../helpers';
import { clientApi } from './helpers';

type TaskNode = Extract<SessionsNode, { kind: 'task' }>;

describe('client: task-based steps in the Sessions view', function () {
  this.timeout(90_000);
  let api: HarnessApi;

  before(async () => {
    api = await clientApi();
    api.testing.setConfirmPrompt(async () => true);
  });
  after(async () => {
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
  });

  it('shows a task working → completed live, and Cancel Task ends only that task as cancelled', async () => {
    const tree = api.sessionsTree;
    const seen: { step: string; description: string; context: string }[] = [];
    let stopme: TaskNode | undefined;
    const look = async () => {
      for (const run of await tree.getChildren()) {
        if (run.kind !== 'run' || run.run.header?.name !== 'client tasks' || run.run.end) continue;
        for (const node of await tree.getChildren(run)) {
          if (node.kind !== 'task') continue;
          const item = tree.getTreeItem(node);
          seen.push({ step: node.task.stepId, description: String(item.description), context: String(item.contextValue) });
          if (node.task.stepId === 'stopme' && node.task.status === 'working' && item.contextValue === 'task.working') stopme ??= node;
        }
      }
    };
    const sub = tree.onDidChangeTreeData(() => void look());
    try {
      const file = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'sessions', 'tasks.mcp-session.json'));
      const running = vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', file);
      const node = await waitFor(() => stopme, 'the second task step to be shown as working with Cancel Task', 30_000);
      assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.cancelTask', node), true, 'Cancel Task cancelled the task');
      const result = (await running)!;

      const research = seen.filter((s) => s.step === 'research');
      assert.ok(research.length > 0, 'the first task was shown while it ran');
      assert.ok(research.some((s) => s.context === 'task.working'), `Cancel Task was offered while it worked: ${JSON.stringify(research)}`);
      assert.ok(research.some((s) => /^task working · .+/.test(s.description)), `a status message was shown: ${JSON.stringify(research)}`);

      const byId = new Map(result.steps.map((s) => [s.step_id, s] as [string, StepRecord]));
      assert.equal(byId.get('research')?.decision, 'ok');
      assert.equal(byId.get('research')?.task?.status, 'completed');
      assert.deepEqual([...new Set(byId.get('research')!.task!.history.map((h) => h.status))], ['working', 'completed']);
      assert.equal(byId.get('stopme')?.decision, 'cancelled', JSON.stringify(byId.get('stopme')));
      assert.equal(byId.get('stopme')?.task?.status, 'cancelled');
      assert.equal(byId.get('after')?.decision, 'ok', 'the session went on after the cancelled task');
      assert.ok(result.trace_file && fs.existsSync(result.trace_file));

      // Finished: the steps carry their task outcome; nothing is left to cancel.
      const run = (await tree.getChildren()).find((n) => n.kind === 'run' && n.run.id === result.session_id)!;
      const items = new Map((await tree.getChildren(run)).map((n) => [n.kind === 'step' ? n.step.step_id : n.kind, tree.getTreeItem(n)]));
      assert.match(String(items.get('research')?.description), /task completed/);
      assert.match(String(items.get('stopme')?.description), /task cancelled/);
      assert.ok(![...items.values()].some((i) => i.contextValue === 'task.working'));
      assert.equal(await vscode.commands.executeCommand<boolean>('mcpHarness.cancelTask', node), false, 'a finished task cannot be cancelled again');
    } finally {
      sub.dispose();
    }
  });
});
