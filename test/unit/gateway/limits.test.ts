import * as assert from 'node:assert/strict';
import { RateLimiter, Semaphore } from '../../../src/core/gateway/limits';

describe('gateway limits', () => {
  it('lets a client burst, then refuses with the seconds until the next token, and refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('a'), { ok: true });
    assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSeconds: 1 });
    // Another client has its own bucket.
    assert.deepEqual(limiter.take('b'), { ok: true });
    now = 500;
    assert.deepEqual(limiter.take('a'), { ok: true });
    assert.equal(limiter.take('a').ok, false);
    now = 10_000;
    for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('a'), { ok: true });
    assert.equal(limiter.take('a').ok, false);
  });

  it('says how long to wait when the rate is below one per second', () => {
    const limiter = new RateLimiter({ ratePerSecond: 0.25, burst: 1 }, () => 0);
    limiter.take('a');
    assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSeconds: 4 });
  });

  it('runs at most max works at once, the rest in arrival order, and drops a waiter whose signal aborts', async () => {
    const sem = new Semaphore(2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const work = (name: string) => () =>
      new Promise<string>((resolve) => {
        order.push(`start ${name}`);
        gates.set(name, () => resolve(name));
      });
    const a = sem.run(work('a'));
    const b = sem.run(work('b'));
    const controller = new AbortController();
    const c = sem.run(work('c'), controller.signal);
    const d = sem.run(work('d'));
    await Promise.resolve();
    assert.deepEqual(order, ['start a', 'start b']);
    assert.equal(sem.queued, 2);
    controller.abort(new Error('client went away'));
    await assert.rejects(c, /client went away/);
    gates.get('a')!();
    assert.equal(await a, 'a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['start a', 'start b', 'start d']);
    gates.get('b')!();
    gates.get('d')!();
    assert.deepEqual(await Promise.all([b, d]), ['b', 'd']);
    assert.equal(sem.inUse, 0);
  });
});
