import * as assert from 'node:assert/strict';
import type { StepRecord } from '../../../src/protocol/trace';
import { clientWorld, PLANTED_EMAIL, PLANTED_TOKEN, session, traceText, type ClientWorld } from './helpers';

const FORM = { id: 'form', tool: 'everything/trigger-elicitation-request' };

describe('client features: elicitation (form and URL mode)', function () {
  this.timeout(60_000);
  let world: ClientWorld;
  const seen: StepRecord[] = [];

  beforeEach(() => {
    world = clientWorld();
    world.service.onStep((r) => seen.push(r));
  });
  afterEach(async () => {
    await world.dispose();
    seen.length = 0;
  });

  it('form: sends the session content, records it with PII and secrets masked', async () => {
    const result = await world.service.runSession(
      session({
        name: 'form',
        elicitation: { action: 'accept', content: { name: 'Ada Lovelace', email: PLANTED_EMAIL, firstLine: `token ${PLANTED_TOKEN}`, integer: 7 } },
        steps: [{ ...FORM, expect: { contains: 'Ada Lovelace' } }],
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.steps));
    const [record] = seen.filter((r) => r.parent_id === 'form');
    assert.equal(record.kind, 'elicitation');
    assert.deepEqual(record.elicitation, { mode: 'form', action: 'accept', via: 'request' });
    assert.ok(record.findings.some((f) => f.kind === 'pii.email'));
    assert.ok(record.findings.some((f) => f.kind === 'secret.github_token'));
    const text = traceText(result.trace_file);
    assert.ok(!text.includes(PLANTED_EMAIL), 'the planted email reached the trace');
    assert.ok(!text.includes(PLANTED_TOKEN), 'the planted token reached the trace');
  });

  it("form: content that breaks the requestedSchema is not sent; the server gets cancel and the record says why", async () => {
    await world.service.runSession(session({ name: 'bad', elicitation: { action: 'accept', content: { integer: 500, email: 'not an email' } }, steps: [FORM] }));
    const [record] = seen.filter((r) => r.parent_id === 'form');
    assert.equal(record.decision, 'denied_schema');
    assert.match(record.reasons.join(' '), /does not match the server's requestedSchema/);
    const schemaStage = record.stages.find((s) => s.stage === 'schema')!;
    assert.ok(schemaStage.errors!.some((e) => e.path === '$.content.integer'), JSON.stringify(schemaStage));
    assert.equal((record.output as { action: string }).action, 'cancel');
    const tool = seen.find((r) => r.step_id === 'form')!;
    assert.match(JSON.stringify(tool.output), /cancel/);
  });

  it('decline and cancel are passed on as they are; without an answer the request is cancelled', async () => {
    await world.service.runSession(session({ name: 'decline', elicitation: { action: 'decline' }, steps: [FORM] }));
    assert.equal((seen.find((r) => r.parent_id === 'form')!.output as { action: string }).action, 'decline');
    seen.length = 0;
    await world.service.runSession(session({ name: 'none', steps: [FORM] }));
    const record = seen.find((r) => r.parent_id === 'form')!;
    assert.equal((record.output as { action: string }).action, 'cancel');
    assert.match(record.reasons.join(' '), /nobody can answer here/);
  });

  it('URL mode: the URL is reported to the host and recorded, never opened; the session answers', async () => {
    const url = 'https://example.com/connect?state=abc';
    const result = await world.service.runSession(session({ name: 'url', elicitation: { action: 'accept' }, steps: [{ id: 'url', tool: 'everything/trigger-url-elicitation', args: { url } }] }));
    assert.equal(result.status, 'passed', JSON.stringify(result.steps));
    assert.deepEqual(world.urls, [url]);
    const record = seen.find((r) => r.parent_id === 'url')!;
    assert.deepEqual(record.elicitation, { mode: 'url', action: 'accept', via: 'request', url });
    assert.equal((record.output as { content?: unknown }).content, undefined);
  });

  it("a host form answers when the session has no elicitation key (VS Code's path)", async () => {
    await world.dispose();
    world = clientWorld({ elicit: async (request) => ({ action: 'accept', content: { name: `form for ${request.server}` } }) });
    const result = await world.service.runSession(session({ name: 'host', steps: [{ ...FORM, expect: { contains: 'form for everything' } }] }));
    assert.equal(result.status, 'passed', JSON.stringify(result.steps));
  });
});
