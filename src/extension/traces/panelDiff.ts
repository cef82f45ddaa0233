// Turns two reads of the same runs into the live messages the webview understands.
import type { TraceRun } from '../../core/report/model';
import type { HostToWebview } from '../../protocol/messages';
import { diffRuns } from './store';

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
