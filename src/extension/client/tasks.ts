// Task-based tool calls of this window's runs while they are going: their latest status for the Sessions
// view (a step has no record until its call ends) and the way to cancel one task ("Cancel Task").
import * as vscode from 'vscode';
import type { RunTaskStatus } from '../../core/run/index';
import type { TaskStatusUpdate } from '../../core/guards/types';
import type { CommandEntry } from '../commands';
import { LiveSteps } from '../traces/liveSteps';

export interface LiveTask {
  sessionId: string;
  stepId: string;
  taskId: string;
  status: TaskStatusUpdate['status'];
  message?: string;
  /** Present while the task is still running and can be cancelled. */
  cancel?: () => Promise<void>;
}

export class LiveTasks extends LiveSteps<LiveTask> {
  /** A status change from a run service (RunService.onTaskStatus). */
  update({ sessionId, stepId, update }: RunTaskStatus): void {
    this.set({
      sessionId,
      stepId,
      taskId: update.taskId,
      status: update.status,
      ...(update.message ? { message: update.message } : {}),
      ...(update.cancel ? { cancel: update.cancel } : {}),
    });
  }

  /** Cancels one running task; its call ends as cancelled and the run goes on by its own rules. */
  async cancel(sessionId: string, stepId: string): Promise<boolean> {
    const task = this.get(sessionId, stepId);
    if (!task?.cancel) return false;
    const cancel = task.cancel;
    this.set({ ...task, cancel: undefined, message: 'cancelling…' });
    await cancel();
    return true;
  }
}

/** The tree node's run and step, or explicit ids (palette, tests). */
function target(arg: unknown, stepArg: unknown): { sessionId: string; stepId: string } | undefined {
  if (typeof arg === 'string' && typeof stepArg === 'string') return { sessionId: arg, stepId: stepArg };
  const node = arg as { kind?: string; run?: { id?: unknown }; step?: { step_id?: unknown }; task?: LiveTask } | undefined;
  if (node?.task) return { sessionId: node.task.sessionId, stepId: node.task.stepId };
  if (node?.kind === 'step' && typeof node.run?.id === 'string' && typeof node.step?.step_id === 'string') return { sessionId: node.run.id, stepId: node.step.step_id };
  return undefined;
}

export const taskCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.cancelTask',
    async run(ctx, arg, stepArg) {
      const t = target(arg, stepArg);
      if (!t) {
        void vscode.window.showInformationMessage('MCP Harness: choose a working task step in the Sessions view to cancel it.');
        return false;
      }
      try {
        if (await ctx.traces.tasks.cancel(t.sessionId, t.stepId)) return true;
        void vscode.window.showInformationMessage(`MCP Harness: the task of step '${t.stepId}' is no longer running.`);
      } catch (err) {
        void vscode.window.showErrorMessage(`MCP Harness: the task of step '${t.stepId}' could not be cancelled: ${(err as Error).message}`);
      }
      return false;
    },
  },
];
