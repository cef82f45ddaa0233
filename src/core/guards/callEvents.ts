// What a running call reports before it ends, kept on its step record: the last progress notification (as a
// percentage when the server gave a total) and a task-based call's status history. Server text is masked.
// A call that returned its result is complete: its record says 100 % whichever of the server's last
// notifications the client handled before the result (the SDK drops one that arrives with the response).
import type { StepRecord } from '../../protocol/trace';
import { scanValue } from './redact';
import type { GuardrailsConfig, TaskStatusUpdate } from './types';

function masked(text: string | undefined, guardrails: GuardrailsConfig): string | undefined {
  return text === undefined ? undefined : (scanValue(text, guardrails, undefined, 'record').redacted as string);
}

/** The progress as a percentage with one decimal, at most 100; undefined without a total. */
export function progressPercent(p: { progress: number; total?: number }): number | undefined {
  return p.total ? Math.min(100, Math.round((p.progress / p.total) * 1000) / 10) : undefined;
}

export function recordProgress(record: StepRecord, guardrails: GuardrailsConfig, p: { progress: number; total?: number; message?: string }): void {
  const percent = progressPercent(p);
  const message = p.message ? masked(p.message, guardrails) : undefined;
  record.progress = {
    progress: p.progress,
    ...(p.total !== undefined ? { total: p.total } : {}),
    ...(percent !== undefined ? { percent } : {}),
    ...(message !== undefined ? { message } : {}),
    updates: (record.progress?.updates ?? 0) + 1,
  };
}

/** The call returned its result (not an error): a progress with a total ends at that total, 100 %. */
export function completeProgress(record: StepRecord): void {
  const p = record.progress;
  if (p?.total === undefined) return;
  record.progress = { ...p, progress: p.total, percent: 100 };
}

export function recordTaskStatus(record: StepRecord, guardrails: GuardrailsConfig, u: TaskStatusUpdate): void {
  const message = masked(u.message, guardrails);
  const task = (record.task ??= { task_id: u.taskId, status: u.status, history: [] });
  task.status = u.status;
  task.history.push({ status: u.status, at: new Date().toISOString(), ...(message !== undefined ? { message } : {}) });
}
