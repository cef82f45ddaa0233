// The input_required rounds of one stateless client on their own (the end-to-end path is input-required.test.ts):
// what happens when the client answers wrongly, not at all, twice at once, or never comes back.
import * as assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InputRounds, isInputRequired, type InputRequiredAnswer } from '../../../src/core/gateway/inputRounds';

const FORM = { mode: 'form' as const, message: 'Your name?', requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } } };

/** A call that asks one elicitation and returns what came back (or the error), as an upstream tool would. */
function askingCall(rounds: InputRounds, stepId: string, seen: { signal?: AbortSignal }) {
  return async (signal: AbortSignal): Promise<CallToolResult> => {
    seen.signal = signal;
    try {
      const answer = await rounds.lookup(stepId)!.elicit!(FORM, signal);
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    } catch (err) {
      return { content: [{ type: 'text', text: `error: ${(err as Error).message}` }], isError: true };
    }
  };
}

function text(result: CallToolResult | InputRequiredAnswer): string {
  assert.ok(!isInputRequired(result), JSON.stringify(result));
  return (result as CallToolResult).content.map((c) => (c as { text: string }).text).join('');
}

describe('gateway input_required rounds (one stateless client)', () => {
  const live = new AbortController().signal;
  const caps = { elicitation: { form: {} } };

  it('asks, takes a valid answer, and completes the call; the state is then forgotten', async () => {
    const rounds = new InputRounds(() => 'agent');
    const first = await rounds.start('call-1', caps, live, askingCall(rounds, 'call-1', {}));
    assert.ok(isInputRequired(first));
    const [key] = Object.keys(first.inputRequests);
    assert.deepEqual(first.inputRequests[key], { method: 'elicitation/create', params: FORM });
    assert.equal(rounds.waiting, 1);
    const done = await rounds.resume(first.requestState, { [key]: { action: 'accept', content: { name: 'Ada' } } }, live);
    assert.equal(text(done), JSON.stringify({ action: 'accept', content: { name: 'Ada' } }));
    assert.equal(rounds.waiting, 0);
    assert.throws(() => rounds.resume(first.requestState, {}, live), /does not name a call waiting for answers/);
  });

  it('a missing answer or one that is not a valid result fails the server\'s request with a message naming the client', async () => {
    const rounds = new InputRounds(() => 'agent');
    const a = await rounds.start('call-1', caps, live, askingCall(rounds, 'call-1', {}));
    assert.ok(isInputRequired(a));
    assert.match(text(await rounds.resume(a.requestState, {}, live)), /error: agent sent no answer for elicitation\/create/);
    const b = await rounds.start('call-2', caps, live, askingCall(rounds, 'call-2', {}));
    assert.ok(isInputRequired(b));
    const key = Object.keys(b.inputRequests)[0];
    assert.match(text(await rounds.resume(b.requestState, { [key]: { action: 'maybe' } }, live)), /error: agent answered elicitation\/create with something that is not a valid result/);
  });

  it('refuses a second retry of the same state while the first is being answered', async () => {
    const rounds = new InputRounds(() => 'agent');
    let release: (() => void) | undefined;
    const first = await rounds.start('call-1', caps, live, async (signal) => {
      await rounds.lookup('call-1')!.elicit!(FORM, signal);
      await new Promise<void>((resolve) => (release = resolve));
      return { content: [{ type: 'text', text: 'finished' }] };
    });
    assert.ok(isInputRequired(first));
    const key = Object.keys(first.inputRequests)[0];
    const retry = rounds.resume(first.requestState, { [key]: { action: 'decline' } }, live);
    assert.throws(() => rounds.resume(first.requestState, { [key]: { action: 'decline' } }, live), /does not name a call waiting for answers/);
    for (let i = 0; i < 100 && !release; i++) await new Promise((r) => setImmediate(r));
    release!();
    assert.equal(text(await retry), 'finished');
  });

  it('cancels the call when the client does not come back in time, saying so', async () => {
    const rounds = new InputRounds(() => 'agent', 50);
    const seen: { signal?: AbortSignal } = {};
    const first = await rounds.start('call-1', caps, live, askingCall(rounds, 'call-1', seen));
    assert.ok(isInputRequired(first));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(seen.signal?.aborted, true);
    assert.match(String((seen.signal?.reason as Error).message), /agent did not answer the server's request within 1 s; the call was cancelled/);
    assert.equal(rounds.waiting, 0);
    assert.throws(() => rounds.resume(first.requestState, {}, live), /does not name a call waiting/);
  });

  it('the client hanging up during a round cancels the call; a client that declared nothing is never asked', async () => {
    const rounds = new InputRounds(() => 'agent');
    const hangup = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const running = rounds.start('call-1', {}, hangup.signal, async (signal) => {
      seen.signal = signal;
      assert.equal(rounds.lookup('call-1'), undefined, 'no answerer without capabilities: the host answers');
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return { content: [{ type: 'text', text: 'cancelled' }] };
    });
    hangup.abort(new Error('The client closed the connection.'));
    assert.equal(text(await running), 'cancelled');
    assert.equal(seen.signal?.aborted, true);
  });
});
