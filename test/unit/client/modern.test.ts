// The 2026-07-28 generation: a server asks through `input_required` results instead of requests. The same
// handlers answer, with the same guards and the same trace records (via: 'input_required').
import * as assert from 'node:assert/strict';
import { eachTestWorld, PLANTED_TOKEN, session, traceText } from './helpers';

describe('client features on a 2026-07-28 server (input_required)', function () {
  this.timeout(60_000);
  const { world, seen } = eachTestWorld();

  it('sampling and elicitation asked through input_required are guarded and recorded under their step', async () => {
    const result = await world().service.runSession(
      session({
        name: 'modern',
        sampling: { policy: 'allow', reply: 'modern reply' },
        elicitation: { action: 'accept', content: { confirm: true } },
        steps: [
          { id: 'sample', tool: 'modern/sample', args: { prompt: `summarise ${PLANTED_TOKEN}` }, expect: { contains: 'modern reply' } },
          { id: 'confirm', tool: 'modern/confirm', args: { action: 'deploy' } },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.output])));
    const sampling = seen.find((r) => r.parent_id === 'sample')!;
    assert.deepEqual([sampling.kind, sampling.decision, sampling.sampling?.via], ['sampling', 'ok', 'input_required']);
    const elicitation = seen.find((r) => r.parent_id === 'confirm')!;
    assert.deepEqual([elicitation.kind, elicitation.elicitation?.via, elicitation.elicitation?.action], ['elicitation', 'input_required', 'accept']);
    assert.ok(!traceText(result.trace_file).includes(PLANTED_TOKEN));
  });
});
