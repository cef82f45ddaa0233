import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepRecord } from '../../../src/protocol/trace';
import { clientWorld, PLANTED_TOKEN, session, traceText, type ClientWorld } from './helpers';

describe('client features: roots, logging, progress, resources and prompts', function () {
  this.timeout(60_000);
  let world: ClientWorld;
  const seen: StepRecord[] = [];

  beforeEach(() => {
    world = clientWorld({ roots: () => [{ uri: 'file:///host/folder', name: 'host' }] });
    world.service.onStep((r) => seen.push(r));
  });
  afterEach(async () => {
    await world.dispose();
    seen.length = 0;
  });

  it("roots: the session's roots (paths resolved against the session file) else the host's", async () => {
    const file = join('/work/sessions', 'r.mcp-session.json');
    const own = await world.service.runSession(session({ name: 'roots', roots: ['project', { uri: 'file:///abs/place', name: 'place' }], steps: [{ id: 'r', tool: 'asks/ask', args: { what: 'roots' } }] }, file));
    assert.deepEqual(JSON.parse((own.steps[0].output as { content: { text: string }[] }).content[0].text), {
      roots: [{ uri: pathToFileURL('/work/sessions/project').href }, { uri: 'file:///abs/place', name: 'place' }],
    });
    const host = await world.service.runSession(session({ name: 'host roots', steps: [{ id: 'r', tool: 'asks/ask', args: { what: 'roots' } }] }));
    assert.match(JSON.stringify(host.steps[0].output), /file:\/\/\/host\/folder/);
  });

  it('logging: a log line is redacted for the host and recorded as a log record of the run', async () => {
    const result = await world.service.runSession(session({ name: 'log', steps: [{ id: 'l', tool: 'asks/log', args: { level: 'warning', message: `leaked ${PLANTED_TOKEN}` } }] }));
    const logs = seen.filter((r) => r.kind === 'log');
    assert.equal(logs.length, 1);
    assert.equal(logs[0].level, 'warning');
    assert.equal(logs[0].server, 'asks');
    assert.deepEqual(world.logs, [{ server: 'asks', level: 'warning', text: '[asks] leaked [REDACTED:github_token]' }]);
    assert.ok(!traceText(result.trace_file).includes(PLANTED_TOKEN));
  });

  it('resource subscriptions: an update reaches the host and the open run', async () => {
    await world.dispose();
    let heard: (update: string) => void = () => {};
    const update = new Promise<string>((resolve) => (heard = resolve));
    world = clientWorld({ onResourceUpdated: (server, uri) => heard(`${server} ${uri}`) });
    const run = await world.service.open({ name: 'subscribe', servers: ['asks'] });
    await world.manager.subscribeResource('asks', 'asks://counter');
    assert.equal(await update, 'asks asks://counter');
    const end = await run.end();
    const trace = traceText(end.trace_file);
    assert.match(trace, /"tool":"notifications\/resources\/updated"/);
  });

  it('progress: the step record keeps the last notification as a percentage', async () => {
    const updates: number[] = [];
    const result = await world.service.runSession(session({ name: 'long', steps: [{ id: 'long', tool: 'everything/trigger-long-running-operation', args: { duration: 1, steps: 4 } }] }), {
      onToolProgress: (_i, _id, p) => updates.push(p.progress),
    });
    const progress = result.steps[0].progress!;
    assert.ok(updates.length >= 3, JSON.stringify(updates));
    assert.equal(progress.total, 4);
    assert.equal(progress.updates, updates.length);
    assert.equal(progress.percent, (progress.progress / 4) * 100);
  });

  it('progress: a completed call records 100 % whatever notifications the client handled before the result; the run service reports each with its run and step', async () => {
    // The last notification and the response often arrive in one read: the SDK then handles the response first
    // and drops that notification, so without completion the record stopped at 2 of 3 (66.7 %). 200 ms apart,
    // at least the first notification arrives before the result even on a loaded machine.
    const heard: string[] = [];
    world.service.onToolProgress(({ sessionId, stepId, progress }) => heard.push(`${sessionId.length > 0} ${stepId} ${progress.progress}/${progress.total} ${progress.message}`));
    for (let i = 0; i < 3; i++) {
      heard.length = 0;
      const result = await world.service.runSession(session({ name: 'p', steps: [{ id: 'p', tool: 'ui/progress', args: { steps: 3, ms: 200 } }] }));
      const p = result.steps[0].progress!;
      assert.deepEqual({ progress: p.progress, total: p.total, percent: p.percent }, { progress: 3, total: 3, percent: 100 });
      assert.equal(p.updates, heard.length, 'the record counts the notifications that arrived');
      assert.ok(heard.length >= 1 && heard.every((h, n) => h === `true p ${n + 1}/3 step ${n + 1} of 3`), JSON.stringify(heard));
    }
  });

  it('progress: a call that ends in an error keeps the last progress it got', async () => {
    const result = await world.service.runSession(session({ name: 'p', steps: [{ id: 'p', tool: 'ui/progress', args: { steps: 3, ms: 2000 }, policy: { maxTotalTimeoutMs: 3000 } }] }));
    assert.equal(result.steps[0].decision, 'timeout');
    const p = result.steps[0].progress!;
    assert.deepEqual({ progress: p.progress, total: p.total, percent: p.percent }, { progress: 1, total: 3, percent: 33.3 });
  });

  it('resource steps: templates are filled, output guarded, policy matched on server/uri', async () => {
    const result = await world.service.runSession(
      session({
        name: 'resources',
        steps: [
          { id: 'doc', resource: 'everything/demo://resource/dynamic/text/{resourceId}', args: { resourceId: 3 }, expect: { contains: 'Resource 3' } },
          { id: 'secret', resource: 'asks/asks://greeting/{name}', args: { name: PLANTED_TOKEN }, expect: { contains: '[REDACTED:github_token]' } },
          { id: 'denied', resource: 'asks/asks://counter', policy: { deny: ['asks/asks://*'] }, expect: { decision: 'denied_policy' } },
          { id: 'gated', resource: 'asks/asks://greeting/{name}', args: { name: PLANTED_TOKEN }, guardrails: { mode: 'hard_gate' }, expect: { decision: 'denied_guardrail' } },
          { id: 'missing', resource: 'asks/asks://greeting/{name}', expect: { decision: 'error' } },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.reasons, s.expectation])));
    assert.match(result.steps[4].reasons[0], /the URI template 'asks:\/\/greeting\/\{name\}' needs "name" in the step's "args"/);
    const [doc] = result.steps;
    assert.equal(doc.kind, 'resource');
    assert.equal(doc.tool, 'demo://resource/dynamic/text/3');
    assert.ok(doc.tokens_out > 0);
    assert.ok(!traceText(result.trace_file).includes(PLANTED_TOKEN));
  });

  it('prompt steps: arguments passed, output guarded, policy matched on server/prompt, references to earlier steps', async () => {
    const result = await world.service.runSession(
      session({
        name: 'prompts',
        steps: [
          { id: 'weather', prompt: 'everything/args-prompt', args: { city: 'Paris' }, expect: { contains: 'Paris' } },
          { id: 'again', prompt: 'asks/greet', args: { name: '${steps.weather.text}' }, expect: { contains: 'Greet user: ' } },
          { id: 'denied', prompt: 'asks/greet', args: { name: 'x' }, policy: { allow: ['everything/*'] }, expect: { decision: 'denied_policy' } },
          { id: 'unknown', prompt: 'asks/nope', expect: { decision: 'error' } },
        ],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.step_id, s.decision, s.reasons, s.expectation])));
    assert.equal(result.steps[0].kind, 'prompt');
    assert.match(result.steps[2].reasons[0], /matches none of the allow rules/);
  });

  it('an open run reads resources and gets prompts as traced steps (the gateway path)', async () => {
    const run = await world.service.open({ name: 'open' });
    const read = await run.readResource({ server: 'asks', target: 'asks://greeting/{name}', args: { name: 'bob' } });
    const prompt = await run.getPrompt({ server: 'asks', target: 'greet', args: { name: 'Ann' } });
    const end = await run.end();
    assert.equal(read.result?.content[0].type === 'text' && read.result.content[0].text, 'hello bob');
    assert.equal(prompt.record.kind, 'prompt');
    assert.deepEqual(end.steps.map((s) => s.step_id), ['resource-1', 'prompt-2']);
    assert.equal(end.status, 'passed');
  });
});
