// Task-based tool calls of this window's runs while they are going: their latest status for the Sessions
// view (a step has no record until its call ends) and the way to cancel one task ("Cancel Task").
import * as vscode from 'vscode';
import type { RunTaskStatus } from '../../core/run/index';
import type { TaskStatusUpdate } from '../../core/guards/types';
import type { CommandEntry } from '../commands';
import { Disposable } from '../disposable';

export interface LiveTask {
  sessionId: string;
  stepId: string;
  taskId: string;
  status: TaskStatusUpdate['status'];
  message?: string;
  /** Present while the task is still running and can be cancelled. */
  cancel?: () => Promise<void>;
}

const key = (sessionId: string, stepId: string) => `${sessionId}\u0000${stepId}`;

export class LiveTasks extends Disposable {
  private readonly tasks = new Map<string, LiveTask>();
  private readonly changed = this._register(new vscode.EventEmitter<LiveTask>());
  /** A task's status changed, or it was cancelled or forgotten. */
  readonly onDidChange = this.changed.event;

  /** A status change from a run service (RunService.onTaskStatus). */
  update({ sessionId, stepId, update }: RunTaskStatus): void {
    const task: LiveTask = {
      sessionId,
      stepId,
      taskId: update.taskId,
      status: update.status,
      ...(update.message ? { message: update.message } : {}),
      ...(update.cancel ? { cancel: update.cancel } : {}),
    };
    this.tasks.set(key(sessionId, stepId), task);
    this.changed.fire(task);
  }

  /** The step's record arrived (it carries the task's history) or its run ended: nothing live is left. */
  forget(sessionId: string, stepId?: string): void {
    for (const [k, t] of this.tasks) {
      if (t.sessionId !== sessionId || (stepId !== undefined && t.stepId !== stepId)) continue;
      this.tasks.delete(k);
      this.changed.fire(t);
    }
  }

  get(sessionId: string, stepId: string): LiveTask | undefined {
    return this.tasks.get(key(sessionId, stepId));
  }

  /** The tasks of a run whose steps have no record yet, in the order they started. */
  of(sessionId: string): LiveTask[] {
    return [...this.tasks.values()].filter((t) => t.sessionId === sessionId);
  }

  /** Cancels one running task; its call ends as cancelled and the run goes on by its own rules. */
  async cancel(sessionId: string, stepId: string): Promise<boolean> {
    const task = this.get(sessionId, stepId);
    if (!task?.cancel) return false;
    const cancel = task.cancel;
    this.tasks.set(key(sessionId, stepId), { ...task, cancel: undefined, message: 'cancelling…' });
    this.changed.fire(task);
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
