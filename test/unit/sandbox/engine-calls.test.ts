// How the engine lets the guest's host calls out, run in-process on the release build with the worker's
// synchronous reply path: the calls of one guest turn leave together once its jobs have run, each reply
// settles its own call whatever the order, and calls made while the returned value is read out never leave.
import * as assert from 'node:assert/strict';
import { runExecution } from '../../../src/core/sandbox/engine';
import { ModuleFactory, RELEASE_SYNC, releaseWasmPath } from '../../../src/core/sandbox/quickjs';
import { decodeReply, DEFAULT_LIMITS, encodeCalls, encodeReply, forEachCall, type HostReplyMessage } from '../../../src/core/sandbox/types';

interface Sent {
  callId: number;
  op: string;
  args: unknown[];
}

describe('sandbox engine: how host calls leave', function () {
  this.timeout(60000);
  let factory: ModuleFactory;

  before(async () => {
    factory = await ModuleFactory.create(RELEASE_SYNC, releaseWasmPath());
  });

  const exec = (id: number, code: string, limits: Partial<typeof DEFAULT_LIMITS> = {}) => ({
    type: 'exec' as const,
    id,
    code,
    limits: { ...DEFAULT_LIMITS, timeoutMs: 20000, ...limits },
    skills: [],
    workspace: {},
    toolIndex: { everything: { echo: 'everything/echo' } },
    deadline: Date.now() + 20000,
  });

  /** Runs `code`; postCalls may be replaced (e.g. one that throws). */
  async function runWith(code: string, postCalls: (firstCallId: number, text: string) => void) {
    return runExecution({
      exec: exec(8, code),
      module: await factory.newModule(DEFAULT_LIMITS.memoryMb),
      postCalls,
      waitForReplies: () => [],
    });
  }

  /** The calls of one batch as the worker sends them (the main thread reads them with forEachCall). */
  function callsOf(firstCallId: number, text: string): Sent[] {
    const sent: Sent[] = [];
    forEachCall(encodeCalls(7, firstCallId, text), (callId, op, argsJson) => sent.push({ callId, op, args: JSON.parse(argsJson) as unknown[] }));
    return sent;
  }

  /** Runs `code`; replies echo each call's message, in the order `order` puts the unanswered calls. */
  async function run(code: string, order: (calls: Sent[]) => Sent[] = (c) => c) {
    const batches: Sent[][] = [];
    let unanswered: Sent[] = [];
    const result = await runExecution({
      exec: exec(7, code),
      module: await factory.newModule(DEFAULT_LIMITS.memoryMb),
      postCalls: (firstCallId, text) => {
        const batch = callsOf(firstCallId, text);
        assert.ok(batch.length > 0, 'a batch with no call in it');
        batches.push(batch);
        unanswered.push(...batch);
      },
      waitForReplies: (): HostReplyMessage[] => {
        const replies = order(unanswered).map((c): HostReplyMessage => {
          const message = (c.args[1] as { message: string }).message;
          return { type: 'reply', execId: 7, callId: c.callId, json: JSON.stringify({ content: [{ type: 'text', text: `Echo: ${message}` }], isError: false }) };
        });
        unanswered = [];
        return replies;
      },
    });
    const messages = batches.map((b) => b.map((c) => (c.args[1] as { message: string }).message));
    return { result, messages };
  }

  it('sends the calls of one turn together', async () => {
    const { result, messages } = await run(`
      const a = await tools.everything.echo({ message: 'a' });
      const [b, c, d] = await Promise.all([tools.everything.echo({ message: 'b' }), tools.everything.echo({ message: 'c' }), mcp.call('everything/echo', { message: 'd' })]);
      return [a, b, c, d].map((r) => r.text);`);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(JSON.parse(result.json!), ['Echo: a', 'Echo: b', 'Echo: c', 'Echo: d']);
    assert.deepEqual(messages, [['a'], ['b', 'c', 'd']]);
  });

  it('settles each call with its own reply when replies come back in another order', async () => {
    const { result, messages } = await run(
      `const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => tools.everything.echo({ message: 'm' + i })));
       return rs.map((r) => r.text);`,
      (calls) => [...calls].reverse(),
    );
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(JSON.parse(result.json!), Array.from({ length: 60 }, (_, i) => `Echo: m${i}`));
    assert.deepEqual(messages, [Array.from({ length: 60 }, (_, i) => `m${i}`)]);
  });

  it('sends calls the code made without awaiting them, but none made while the returned value is read', async () => {
    const { result, messages } = await run(`
      tools.everything.echo({ message: 'unawaited' });
      return { toJSON() { tools.everything.echo({ message: 'while-reading' }); return 'value'; } };`);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(JSON.parse(result.json!), 'value');
    assert.deepEqual(messages, [['unawaited']]);
  });

  it('hands over replies of any text exactly, written into the guest around their JSON (multi-byte, escapes, errors)', async () => {
    const text = 'Ünïcødé ✓ 🚀 中文 "quoted" \\ back\nslash\u2028';
    let sent: { firstCallId: number; text: string }[] = [];
    const result = await runExecution({
      exec: exec(10, `
        const a = await tools.everything.echo({ message: 'a' });
        let b;
        try { await tools.everything.echo({ message: 'b' }); } catch (e) { b = [e.name, e.message, e.decision, e.reasons]; }
        return [a.text, a.content.length, b];`),
      module: await factory.newModule(DEFAULT_LIMITS.memoryMb),
      postCalls: (firstCallId, t) => {
        sent.push({ firstCallId, text: t });
      },
      waitForReplies: (): HostReplyMessage[] => {
        const out = sent.map(({ firstCallId }): HostReplyMessage =>
          firstCallId === 1
            ? decodeReply(encodeReply(10, 1, { json: JSON.stringify({ content: [{ type: 'text', text }], isError: false }) }))
            : decodeReply(encodeReply(10, firstCallId, { error: { name: 'ToolDeniedError', message: `denied ${text}`, decision: 'denied_policy', reasons: ['a reason with spaces', text] } })),
        );
        sent = [];
        return out;
      },
    });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(JSON.parse(result.json!), [text, 1, ['ToolDeniedError', `denied ${text}`, 'denied_policy', ['a reason with spaces', text]]]);
  });

  it('runs more promise jobs than one batch takes between two calls, and goes on', async () => {
    // Over the engine's batch of 512 jobs: the run must come back for the rest before the next call leaves.
    const { result, messages } = await run(`
      let n = 0;
      for (let i = 0; i < 3000; i++) { await null; n++; }
      const a = await tools.everything.echo({ message: 'after ' + n });
      for (let i = 0; i < 1500; i++) await null;
      return a.text;`);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(JSON.parse(result.json!), 'Echo: after 3000');
    assert.deepEqual(messages, [['after 3000']]);
  });

  it('ends the run when handing a call to the host fails (the error, not the deadline, ends it)', async () => {
    // In the worker this becomes a runtime error and a fresh worker (worker.ts); here the engine's promise rejects.
    await assert.rejects(
      runWith('await tools.everything.echo({ message: "x" }); return 1;', () => {
        throw new Error('the channel broke');
      }),
      /the channel broke/,
    );
  });

  it('stops the run as out of memory when a reply cannot be copied in under the memory cap', async () => {
    const memoryMb = 24;
    let sent: number | undefined;
    const huge = JSON.stringify({ content: [{ type: 'text', text: 'x'.repeat(40 * 1024 * 1024) }], isError: false });
    const result = await runExecution({
      exec: exec(9, 'const r = await tools.everything.echo({ message: "big" }); return r.text.length;', { memoryMb }),
      module: await factory.newModule(memoryMb),
      postCalls: (firstCallId) => {
        sent = firstCallId;
      },
      waitForReplies: (): HostReplyMessage[] => {
        const id = sent;
        sent = undefined;
        return id === undefined ? [] : [{ type: 'reply', execId: 9, callId: id, json: huge }];
      },
    });
    assert.equal(result.ok, false);
    assert.equal(result.error?.kind, 'memory', JSON.stringify(result.error));
    assert.match(result.error?.message ?? '', /24 MB/);
  });
});
