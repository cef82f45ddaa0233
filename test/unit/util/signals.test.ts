// followAll: the per-call signal the guard pipeline gives a tool call, following the call's own signal and
// the run's. A run lives as long as a gateway client: nothing may stay on the run's signal per call.
import * as assert from 'node:assert/strict';
import { followAll } from '../../../src/core/util/signals';

function countListeners(signal: AbortSignal): () => number {
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...a: Parameters<typeof add>) => (listeners++, add(...a))) as typeof add;
  signal.removeEventListener = ((...a: Parameters<typeof remove>) => (listeners--, remove(...a))) as typeof remove;
  return () => listeners;
}

describe('followAll', () => {
  it('aborts with whichever outer signal aborts first, and leaves no listener on either once released', () => {
    const run = new AbortController();
    const call = new AbortController();
    const onRun = countListeners(run.signal);
    const onCall = countListeners(call.signal);
    for (let i = 0; i < 1000; i++) followAll(call.signal, run.signal).release();
    assert.equal(onRun(), 0, 'a thousand finished calls leave nothing on the run signal');
    assert.equal(onCall(), 0);
    const a = followAll(call.signal, run.signal);
    const b = followAll(undefined, run.signal);
    assert.equal(onRun(), 1, 'calls in flight share one listener on the run signal');
    run.abort(new Error('the gateway is stopping'));
    assert.equal((a.signal!.reason as Error).message, 'the gateway is stopping');
    assert.equal(b.signal!.aborted, true);
    a.release();
    b.release();
  });

  it('follows the call signal alone when the run one stays quiet, and stops following once released', () => {
    const run = new AbortController();
    const call = new AbortController();
    const followed = followAll(call.signal, run.signal);
    const released = followAll(new AbortController().signal, run.signal);
    released.release();
    call.abort(new Error('client cancelled'));
    assert.equal((followed.signal!.reason as Error).message, 'client cancelled');
    run.abort();
    assert.equal(released.signal!.aborted, false, 'a released signal no longer follows');
  });

  it('passes a signal it made for one call through as it is to the layer below, which still sees every abort', () => {
    const run = new AbortController();
    const call = followAll(new AbortController().signal, run.signal);
    const below = followAll(call.signal);
    assert.equal(below.signal, call.signal, 'no second per-call signal for the same call');
    below.release();
    const longLived = followAll(run.signal);
    assert.notEqual(longLived.signal, run.signal, 'a long-lived signal is still followed through a per-call one');
    run.abort(new Error('stop'));
    assert.equal((below.signal!.reason as Error).message, 'stop');
    assert.equal(longLived.signal!.aborted, true);
    call.release();
    longLived.release();
  });

  it('is aborted at once when an outer signal already is, and absent without any', () => {
    const gone = new AbortController();
    gone.abort(new Error('before the call went out'));
    assert.equal((followAll(new AbortController().signal, gone.signal).signal!.reason as Error).message, 'before the call went out');
    assert.equal(followAll(undefined, undefined).signal, undefined);
  });
});
