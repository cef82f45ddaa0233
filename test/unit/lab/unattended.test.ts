// The lab runs unattended: a generated call that makes server-everything ask the client (a form, a URL, a
// model reply) is answered by the lab itself — never by the host's dialogs — and recorded in the lab's trace.
import * as assert from 'node:assert/strict';
import type { StepRecord } from '../../../src/protocol/trace';
import { ServiceLabHost } from '../../../src/core/lab/serviceHost';
import * as fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labPolicy } from '../../../src/core/lab/selection';
import { Prober } from '../../../src/core/lab/probe';
import { validInputs } from '../../../src/core/lab/props';
import type { LabFinding } from '../../../src/core/lab/types';
import { clientWorld, traceText, type ClientWorld } from '../client/helpers';

describe('lab: servers that ask the client while the lab calls them', function () {
  this.timeout(60_000);
  let world: ClientWorld;
  let host: ServiceLabHost;
  /** Every time the host (VS Code's dialogs, a model) was asked: must stay empty during a lab run. */
  const asked: string[] = [];
  const seen: StepRecord[] = [];

  before(() => {
    world = clientWorld({
      samplingDefault: 'ask',
      elicit: async (request) => {
        asked.push(`elicit ${request.mode ?? 'form'}`);
        return { action: 'accept', content: {} };
      },
      consentToSampling: async () => {
        asked.push('sampling consent');
        return true;
      },
      model: {
        answer: async () => {
          asked.push('model');
          return { text: 'from the host model', model: 'host-model' };
        },
      },
    });
    world.service.onStep((r) => seen.push(r));
    host = new ServiceLabHost(world.service, world.manager);
  });
  after(async () => {
    await world.dispose();
  });
  afterEach(() => {
    asked.length = 0;
    seen.length = 0;
  });

  it('declines form and URL elicitations itself, says so in the trace, and reports no URL to the user', async () => {
    const run = await host.openRun({ name: 'lab props everything', servers: ['everything'], policy: labPolicy(20_000) });
    const form = await run.callTool({ server: 'everything', tool: 'trigger-elicitation-request', args: {}, stepId: 'p1' });
    const url = await run.callTool({ server: 'everything', tool: 'trigger-url-elicitation', args: { url: 'https://example.invalid/flow' }, stepId: 'p2' });
    const { traceFile } = await run.end();
    assert.deepEqual(asked, []);
    assert.deepEqual(world.urls, [], 'a URL was reported to the user');
    assert.equal(form.record.decision, 'ok');
    assert.equal(url.record.decision, 'ok');
    const children = seen.filter((r) => r.kind === 'elicitation');
    assert.deepEqual(children.map((r) => [r.parent_id, r.elicitation?.mode, r.elicitation?.action]), [['p1', 'form', 'decline'], ['p2', 'url', 'decline']]);
    for (const c of children) assert.match(c.reasons.join(' '), /answered by the reliability lab/);
    assert.match(JSON.stringify(form.result), /decline/i);
    assert.match(traceText(traceFile), /answered by the reliability lab/);
  });

  it('answers sampling with a fixed reply without asking consent or calling the host model', async () => {
    const run = await host.openRun({ name: 'lab props everything', servers: ['everything'], policy: labPolicy(20_000) });
    const { record, result } = await run.callTool({ server: 'everything', tool: 'trigger-sampling-request', args: { prompt: 'Why is the sky blue?', maxTokens: 50 }, stepId: 'p1' });
    await run.end();
    assert.deepEqual(asked, []);
    assert.equal(record.decision, 'ok');
    assert.match(JSON.stringify(result), /a fixed reply, no model was called/);
    const sampling = seen.find((r) => r.kind === 'sampling' && r.parent_id === 'p1');
    assert.ok(sampling, 'no sampling record under the call');
    assert.equal(sampling.decision, 'ok');
    assert.match(JSON.stringify(sampling.stages), /answered by the reliability lab/);
  });

  it('answers for itself too when the request cannot be tied to one call (two calls in flight)', async () => {
    const run = await host.openRun({ name: 'lab props everything', servers: ['everything'], policy: labPolicy(20_000) });
    const calls = await Promise.all([
      run.callTool({ server: 'everything', tool: 'trigger-elicitation-request', args: {}, stepId: 'p1' }),
      run.callTool({ server: 'everything', tool: 'trigger-elicitation-request', args: {}, stepId: 'p2' }),
      run.callTool({ server: 'everything', tool: 'trigger-sampling-request', args: { prompt: 'Why?', maxTokens: 20 }, stepId: 'p3' }),
    ]);
    await run.end();
    assert.deepEqual(asked, []);
    assert.deepEqual(calls.map((c) => c.record.decision), ['ok', 'ok', 'ok']);
    const elicitations = seen.filter((r) => r.kind === 'elicitation');
    assert.equal(elicitations.length, 2);
    for (const e of elicitations) {
      assert.equal(e.elicitation?.action, 'decline');
      assert.match(e.reasons.join(' '), /answered by the reliability lab/);
    }
    assert.match(JSON.stringify(calls[2].result), /a fixed reply, no model was called/);
  });

  it('a tool that answers "open this page first" (-32042) is an info finding, not a protocol error, and names only the host', async () => {
    const run = await host.openRun({ name: 'lab props everything', servers: ['everything'], policy: labPolicy(20_000) });
    const prober = new Prober(host, 'everything', 'valid');
    const args = { url: 'https://auth.example.invalid/flow', errorPath: true };
    const probe = await prober.call(run, 'trigger-url-elicitation', args);
    assert.equal(probe.outcome, 'needs_user', probe.detail);
    // server-everything's error path names its own page (https://modelcontextprotocol.io/…): only its host is said.
    assert.match(probe.detail, /must first open a page on modelcontextprotocol\.io \(URL elicitation required, MCP error -32042\)/);
    assert.ok(!/https?:\/\//.test(probe.detail), `a whole URL (it may carry a one-time token) reached the message: ${probe.detail}`);
    const tool = (await run.listTools()).find((t) => t.server === 'everything' && t.tool.name === 'trigger-url-elicitation')!.tool;
    const findings: LabFinding[] = [];
    const outDir = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-needs-user-'));
    try {
      const ctx = { host, server: 'everything', seed: 7, budgetMs: 60_000, allowDestructive: false, callTimeoutMs: 20_000, outDir, progress: () => undefined };
      const outcome = await validInputs(ctx, run, prober, tool, fc.constant(args), 7, 30_000, findings);
      assert.ok(outcome.calls >= 1);
    } finally {
      await run.end();
      rmSync(outDir, { recursive: true, force: true });
    }
    assert.deepEqual(findings.map((f) => [f.kind, f.severity]), [['props.needs_user', 'info']]);
    assert.match(findings[0].message, /opens no page/);
    assert.deepEqual(asked, []);
  });

  it('a session run on the same host still asks the host (the lab\'s answers are its own runs\' only)', async () => {
    const run = await world.service.open({ name: 'not the lab', servers: ['everything'] });
    await run.callTool({ server: 'everything', tool: 'trigger-elicitation-request', args: {}, stepId: 's1' });
    await run.end();
    assert.deepEqual(asked, ['elicit form']);
  });
});
