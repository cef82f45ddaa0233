// What changed between two reads of the same trace file, as run-level changes and as the live
// messages the webview understands. vscode-free, so the unit tests run it directly.
import type { TraceRun } from '../../core/report/model';
import type { HostToWebview } from '../../protocol/messages';
import type { SessionEnd, StepRecord } from '../../protocol/trace';

export type TraceStoreChange =
  | { kind: 'runStarted'; run: TraceRun }
  | { kind: 'appendSteps'; sessionId: string; steps: StepRecord[] }
  | { kind: 'runEnded'; end: SessionEnd }
  | { kind: 'removeRun'; sessionId: string };

/** What changed between two reads of the same file. */
export function diffRuns(before: TraceRun[], after: TraceRun[]): TraceStoreChange[] {
  const changes: TraceStoreChange[] = [];
  const old = new Map(before.map((r) => [r.id, r]));
  for (const run of after) {
    const prev = old.get(run.id);
    old.delete(run.id);
    if (!prev) {
      changes.push({ kind: 'runStarted', run });
      if (run.end) changes.push({ kind: 'runEnded', end: run.end });
      continue;
    }
    const seen = new Set(prev.steps.map((s) => s.step_id));
    const added = run.steps.filter((s) => !seen.has(s.step_id));
    if (added.length) changes.push({ kind: 'appendSteps', sessionId: run.id, steps: added });
    if (run.end && !prev.end) changes.push({ kind: 'runEnded', end: run.end });
  }
  for (const id of old.keys()) changes.push({ kind: 'removeRun', sessionId: id });
  return changes;
}

export function diffRunsForPanel(before: TraceRun[], after: TraceRun[]): HostToWebview[] {
  return diffRuns(before, after).map((c): HostToWebview => {
    switch (c.kind) {
      case 'runStarted':
        return { type: 'runStarted', run: c.run };
      case 'appendSteps':
        return { type: 'appendSteps', sessionId: c.sessionId, steps: c.steps };
      case 'runEnded':
        return { type: 'runEnded', end: c.end };
      default:
        return { type: 'removeRun', sessionId: c.sessionId };
    }
  });
}
