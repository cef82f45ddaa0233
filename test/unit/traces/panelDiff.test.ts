// Live updates of the Sessions view and the trace panel come from re-reading a growing trace file:
// the diff must report exactly the new run, the appended steps and the end, once each.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace } from '../../../src/core/report/model';
import { diffRuns, diffRunsForPanel } from '../../../src/extension/traces/panelDiff';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'traces', 'every-decision.jsonl'), 'utf8');
const lines = fixture.trim().split('\n');
const read = (n: number) => parseTrace(lines.slice(0, n).join('\n') + '\n').runs;

describe('trace diff for live updates', () => {
  it('reports a new run with its steps, then only the appended steps, then the end', () => {
    const header = read(1);
    assert.deepEqual(diffRuns([], header).map((c) => c.kind), ['runStarted']);
    const three = read(4);
    const appended = diffRuns(header, three);
    assert.equal(appended.length, 1);
    assert.equal(appended[0].kind, 'appendSteps');
    assert.deepEqual(appended[0].kind === 'appendSteps' && appended[0].steps.map((s) => s.step_id), ['s1', 's2', 's3']);
    const all = read(lines.length);
    const rest = diffRuns(three, all);
    assert.deepEqual(rest.map((c) => c.kind), ['appendSteps', 'runEnded']);
    assert.equal(rest[0].kind === 'appendSteps' && rest[0].steps.length, all[0].steps.length - 3);
    assert.deepEqual(diffRuns(all, all), [], 'an unchanged re-read reports nothing');
  });

  it('reports a run that disappeared and maps changes to webview messages', () => {
    const all = read(lines.length);
    assert.deepEqual(diffRunsForPanel(all, []), [{ type: 'removeRun', sessionId: 'sess-every-decision' }]);
    const msgs = diffRunsForPanel([], all).map((m) => m.type);
    assert.deepEqual(msgs, ['runStarted', 'runEnded']);
  });
});
