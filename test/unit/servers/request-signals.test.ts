// A long-lived signal (a run's, a session's, a connection's) shared by many requests in both directions
// collects nothing: the SDK adds an abort listener to the signal of every request it sends, so each request
// gets a signal of its own that is let go when it ends.
import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cleanup, fixtureDefinition, newManager, textOf } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects the process warnings while `run` runs. */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await run();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

describe('signals of requests in both directions', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('many requests of every kind on one session signal leave no listener on it and no MaxListenersExceededWarning', async () => {
    const { manager } = newManager([fixtureDefinition('asks', 'asks.mjs')], { serverRequests: { listRoots: async () => ({ roots: [] }) } });
    const session = new AbortController();
    const signal = session.signal;
    const conn = manager.connection('asks');
    let mostWhileInFlight = 0;
    const watch = () => (mostWhileInFlight = Math.max(mostWhileInFlight, getEventListeners(signal, 'abort').length));
    const warnings = await warningsDuring(async () => {
      for (let round = 0; round < 15; round++) {
        assert.match(textOf(await conn.callTool('meta', {}, { signal })), /progressToken/);
        assert.match(JSON.stringify((await manager.readResource('asks', 'asks://counter', { signal })).contents), /"text":"counter"/);
        assert.equal((await manager.listResourceTemplates('asks', { signal }))[0].uriTemplate, 'asks://greeting/{name}');
        assert.match(JSON.stringify((await manager.getPrompt('asks', 'greet', { name: 'x' }, { signal })).messages), /Greet x/);
        const completion = await manager.complete('asks', { type: 'ref/resource', uri: 'asks://greeting/{name}' }, { name: 'name', value: 'a' }, undefined, { signal });
        assert.deepEqual(completion.completion.values, ['alice']);
        await manager.subscribeResource('asks', 'asks://counter', { signal });
        await manager.unsubscribeResource('asks', 'asks://counter', { signal });
        await manager.setLoggingLevel('asks', 'info', { signal });
      }
      // 25 calls in flight at once, each asked for roots by the server while it runs: past Node's limit of 10
      // listeners if each request put one on the session's signal.
      const calls = Array.from({ length: 25 }, () => conn.callTool('ask', { what: 'roots', together: 25 }, { signal }).finally(watch));
      watch();
      for (const result of await Promise.all(calls)) assert.equal(textOf(result), '{"roots":[]}');
    });
    assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
    assert.ok(mostWhileInFlight <= 1, `${mostWhileInFlight} listeners on the session's signal while calls were in flight`);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  it('a server request\'s signal is let go once it is answered, though its handler left a listener on it (as SDK requests do)', async () => {
    const held: WeakRef<AbortSignal>[] = [];
    const { manager } = newManager([fixtureDefinition('asks', 'asks.mjs')], {
      serverRequests: {
        listRoots: async (ctx) => {
          held.push(new WeakRef(ctx.signal));
          // What forwarding the request with the SDK does: a listener that is never removed.
          ctx.signal.addEventListener('abort', () => held.length);
          return { roots: [] };
        },
      },
    });
    const conn = manager.connection('asks');
    // Several calls in flight: a 2025 request is then tied to none of them, only to the connection.
    const results = await Promise.all(Array.from({ length: 20 }, () => conn.callTool('ask', { what: 'roots', together: 20 })));
    assert.ok(results.every((r) => textOf(r) === '{"roots":[]}'));
    assert.equal(held.length, 20);
    for (let i = 0; i < 5 && held.some((r) => r.deref()); i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    // The connection is still open: with AbortSignal.any over its signal every one of them would still be held.
    assert.equal(held.filter((r) => r.deref()).length, 0);
    assert.equal(manager.state('asks')?.status, 'running');
  });
});
