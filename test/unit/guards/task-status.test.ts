// A task status that arrives after its call ended (the late-task fixture says "failed" right after the result) must
// not reach the caller or change the step's record, like late progress. A regression test of the whole path: the
// tasks library reports statuses only until it settles (its settle waits for its own event loop), and the executor
// ignores any after the call ended (the `ended` guard in execute.ts, kept as a second line of defence). It fails if
// both stop holding; checked by adding a late status handler to src/core/servers/tasks.ts with the guard removed.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService } from '../../../src/core/run/service';
import { FIXTURES, makeManager, stdioDefinition } from './helpers';

describe('guards: a task status after the call ended', function () {
  this.timeout(30_000);

  it('reaches neither the caller nor the record', async () => {
    const manager = makeManager([stdioDefinition('late', join(FIXTURES, 'late-task.mjs'))]);
    const traceDir = mkdtempSync(join(tmpdir(), 'mcp-harness-late-'));
    const service = new RunService({
      connections: manager,
      knownServers: ['late'],
      policy: { ...DEFAULT_POLICY, trustedServers: ['late'], confirmDestructive: false },
      guardrails: DEFAULT_GUARDRAILS,
      traceDir,
    });
    try {
      const run = await service.open({ name: 'late', servers: ['late'] });
      const heard: string[] = [];
      const late = await run.callTool({ server: 'late', tool: 'late', args: {}, stepId: 'late', onTaskStatus: (u) => heard.push(`${u.status} ${u.message ?? ''}`) });
      assert.equal(late.record.decision, 'ok');
      const atEnd = { heard: [...heard], history: late.record.task?.history.map((h) => h.status) };
      assert.equal(atEnd.heard.at(-1), 'completed done');
      // The server sends its late status again before it answers this call: once it is answered, that status was handled.
      const echo = await run.callTool({ server: 'late', tool: 'echo', args: { text: 'after' }, stepId: 'echo' });
      assert.equal(echo.record.decision, 'ok');
      await run.end();
      assert.deepEqual(heard, atEnd.heard, 'the caller heard nothing after the result');
      assert.deepEqual(late.record.task?.history.map((h) => h.status), atEnd.history, 'the record kept its history');
      assert.equal(late.record.task?.status, 'completed');
    } finally {
      await manager.dispose();
      rmSync(traceDir, { recursive: true, force: true });
    }
  });
});
