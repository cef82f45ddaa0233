import * as assert from 'node:assert/strict';
import { Sandbox } from '../../../src/core/sandbox/sandbox';
import type { GuardPipeline } from '../../../src/core/guards/pipeline';
import { EVERYTHING, pipelineFor, startServer, type RealServer } from './helpers';

describe('sandbox: guest API over server-everything', function () {
  this.timeout(20000);
  let server: RealServer;
  let gateway: GuardPipeline;
  const sandbox = new Sandbox();
  before(async () => {
    server = await startServer('everything', EVERYTHING);
    gateway = pipelineFor([server]);
    await sandbox.start();
  });
  after(async () => {
    await sandbox.dispose();
    await server?.close();
  });

  it('returns the value of the async function body', async () => {
    const r = await sandbox.execute({ code: 'return 1 + 2', gateway, parentStepId: 's1' });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.value, 3);
  });

  it('calls echo through the pipeline as a child step', async () => {
    const r = await sandbox.execute({
      code: 'const r = await tools.everything.echo({ message: "hi" }); console.log("got", r.text); return r;',
      gateway,
      parentStepId: 'code-1',
    });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    console.log(JSON.stringify(r, null, 1).slice(0, 2000));
  });
});
