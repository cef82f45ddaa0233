// What the Sessions view shows of a step whose call is still going (a step has no record until its call ends):
// one entry per run and step, replaced as news arrives and forgotten when the record or the run's end arrives.
// LiveTasks (task-based calls) and LiveProgress (progress notifications) are the two kinds.
import * as vscode from 'vscode';
import { progressPercent } from '../../core/guards/callEvents';
import type { RunToolProgress } from '../../core/run/index';
import { Disposable } from '../disposable';

const key = (sessionId: string, stepId: string) => `${sessionId}\u0000${stepId}`;

export class LiveSteps<T extends { sessionId: string; stepId: string }> extends Disposable {
  private readonly items = new Map<string, T>();
  private readonly changed = this._register(new vscode.EventEmitter<T>());
  /** An entry changed, or was forgotten. */
  readonly onDidChange = this.changed.event;

  protected set(item: T): void {
    this.items.set(key(item.sessionId, item.stepId), item);
    this.changed.fire(item);
  }

  /** The step's record arrived or its run ended (no step given): nothing live is left. */
  forget(sessionId: string, stepId?: string): void {
    for (const [k, t] of this.items) {
      if (t.sessionId !== sessionId || (stepId !== undefined && t.stepId !== stepId)) continue;
      this.items.delete(k);
      this.changed.fire(t);
    }
  }

  get(sessionId: string, stepId: string): T | undefined {
    return this.items.get(key(sessionId, stepId));
  }

  /** The run's entries, in the order their steps first reported. */
  of(sessionId: string): T[] {
    return [...this.items.values()].filter((t) => t.sessionId === sessionId);
  }
}

export interface LiveCallProgress {
  sessionId: string;
  stepId: string;
  progress: number;
  total?: number;
  /** Rounded to one decimal; only when the server gave a total. */
  percent?: number;
  /** The server's message, masked like the trace. */
  message?: string;
}

/** The last progress notification of each call in flight. */
export class LiveProgress extends LiveSteps<LiveCallProgress> {
  update({ sessionId, stepId, progress: p }: RunToolProgress): void {
    const percent = progressPercent(p);
    this.set({
      sessionId,
      stepId,
      progress: p.progress,
      ...(p.total !== undefined ? { total: p.total } : {}),
      ...(percent !== undefined ? { percent } : {}),
      ...(p.message ? { message: p.message } : {}),
    });
  }
}

/** "42 %" (or "3 of ?" without a total) and the server's message: a live step's tree description. */
export function describeProgress(p: LiveCallProgress): string {
  const amount = p.percent !== undefined ? `${p.percent} %` : `${p.progress}${p.total !== undefined ? ` of ${p.total}` : ''}`;
  return p.message ? `${amount} · ${p.message}` : amount;
}
