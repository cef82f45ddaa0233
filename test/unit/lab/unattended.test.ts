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

  it('answers for itself between its runs too: a request that arrives while none of its runs is open is declined or given the fixed reply, and recorded in its next run', async () => {
    const first = await host.openRun({ name: 'lab props asks', servers: ['asks'], policy: labPolicy(20_000) });
    for (const [what, delayMs] of [['elicitation', 200], ['sampling', 300]] as const) {
      const asking = await first.callTool({ server: 'asks', tool: 'ask-later', args: { what, delayMs }, stepId: `p-${what}` });
      assert.equal(asking.record.decision, 'ok');
    }
    await first.end();
    // Between the lab's runs: the server asks 200 and 300 ms after its calls, with no run of the lab open (the records
    // below show that they were answered then: they carry the between-runs mark).
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(asked, [], 'the host was asked while the lab ran');
    const next = await host.openRun({ name: 'lab props invalid inputs asks', servers: ['asks'], policy: labPolicy(20_000) });
    const answers = await next.callTool({ server: 'asks', tool: 'later-answers', args: {}, stepId: 'p3' });
    const { traceFile } = await next.end();
    assert.deepEqual(asked, []);
    assert.deepEqual(JSON.parse((answers.result?.content[0] as { text: string }).text).map((a: { action?: string; model?: string }) => a.action ?? a.model), ['decline', 'session-reply']);
    const between = seen.filter((r) => r.kind === 'elicitation' || r.kind === 'sampling');
    assert.deepEqual(between.map((r) => [r.step_id, r.decision]), [['between-runs.elicitation-1', 'ok'], ['between-runs.sampling-1', 'ok']]);
    assert.equal(between[0].elicitation?.action, 'decline');
    for (const r of between) assert.match(r.reasons.join(' ') + JSON.stringify(r.stages), /answered by the reliability lab/);
    assert.match(between[0].reasons.join(' '), /asked while none of the lab's runs was open/);
    assert.match(traceText(traceFile!), /"step_id":"between-runs\.sampling-1"/);
  });

  it('a request answered after its last run, before it is disposed, is written to a run of its own; once disposed, the lab answers no more', async () => {
    const own = clientWorld({
      elicit: async (request) => {
        asked.push(`elicit ${request.mode ?? 'form'}`);
        return { action: 'accept', content: { name: 'from the host' } };
      },
    });
    const records: StepRecord[] = [];
    own.service.onStep((r) => records.push(r));
    const ended: string[] = [];
    own.service.onEnd((r) => ended.push(r.name));
    try {
      const lab = new ServiceLabHost(own.service, own.manager);
      const run = await lab.openRun({ name: 'lab props asks', servers: ['asks'], policy: labPolicy(20_000) });
      await run.callTool({ server: 'asks', tool: 'ask-later', args: { what: 'elicitation', delayMs: 200 }, stepId: 'p1' });
      await run.end();
      await new Promise((r) => setTimeout(r, 1000));
      await lab.dispose();
      assert.deepEqual(asked, []);
      assert.deepEqual(ended, ['lab props asks', 'lab: requests answered after its last run']);
      assert.deepEqual(records.filter((r) => r.kind === 'elicitation').map((r) => [r.step_id, r.elicitation?.action]), [['between-runs.elicitation-1', 'decline']]);
      // The lab is gone: a request with no run open is the host's again.
      const session = await own.service.open({ name: 'not the lab', servers: ['asks'] });
      await session.callTool({ server: 'asks', tool: 'ask-later', args: { what: 'elicitation', delayMs: 300 }, stepId: 's1' });
      await session.end();
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(asked, ['elicit form']);
    } finally {
      await own.dispose();
    }
  });

  it('a session run on the same host still asks the host (the lab\'s answers are its own runs\' only)', async () => {
    const run = await world.service.open({ name: 'not the lab', servers: ['everything'] });
    await run.callTool({ server: 'everything', tool: 'trigger-elicitation-request', args: {}, stepId: 's1' });
    await run.end();
    assert.deepEqual(asked, ['elicit form']);
  });
});
