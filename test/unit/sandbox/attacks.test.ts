// The attack suite: hostile guest code. Each attack must end with the right error kind within the
// deadline plus a small margin, leave this process alive with bounded memory, and the next run must work.
import * as assert from 'node:assert/strict';
import type { GuardPipeline } from '../../../src/core/guards/pipeline';
import { Sandbox, TERMINATE_GRACE_MS } from '../../../src/core/sandbox/sandbox';
import type { ExecResult, SandboxErrorKind, SandboxLimits } from '../../../src/core/sandbox/types';
import { EVERYTHING, pipelineFor, startServer, type RealServer } from './helpers';

const DEADLINE = 400;
// The machine running the tests may be loaded; the bound is about "ends", not about speed.
const MARGIN = TERMINATE_GRACE_MS + 1500;

describe('sandbox: attack suite', function () {
  this.timeout(30000);
  let server: RealServer;
  let gateway: GuardPipeline;
  const sandbox = new Sandbox();
  let rssBaseline = 0;

  before(async () => {
    server = await startServer('everything', EVERYTHING);
    gateway = pipelineFor([server]);
    await sandbox.start();
    rssBaseline = process.memoryUsage().rss;
  });
  after(async () => {
    await sandbox.dispose();
    await server?.close();
  });

  async function attack(code: string, limits: Partial<SandboxLimits> = {}): Promise<ExecResult & { elapsed: number }> {
    const started = Date.now();
    const r = await sandbox.execute({ code, gateway, parentStepId: 'attack', limits: { timeoutMs: DEADLINE, memoryMb: 32, ...limits } });
    return { ...r, elapsed: Date.now() - started };
  }

  async function expectKind(code: string, kind: SandboxErrorKind, limits: Partial<SandboxLimits> = {}, message?: RegExp): Promise<ExecResult> {
    const r = await attack(code, limits);
    assert.equal(r.ok, false, `expected ${kind}, got ok with ${JSON.stringify(r.value)?.slice(0, 200)}`);
    assert.equal(r.error?.kind, kind, JSON.stringify(r.error));
    if (message) assert.match(r.error!.message, message);
    const deadline = limits.timeoutMs ?? DEADLINE;
    assert.ok(r.elapsed <= deadline + MARGIN, `took ${r.elapsed} ms, deadline ${deadline} ms`);
    // The host is alive and its memory bounded; the next execution works.
    assert.ok(process.memoryUsage().rss - rssBaseline < 600 * 1024 * 1024, 'host memory grew too much');
    const next = await sandbox.execute({ code: 'return 6 * 7', gateway, parentStepId: 'after' });
    assert.equal(next.value, 42, `next run: ${JSON.stringify(next.error)}`);
    return r;
  }

  it('an infinite loop', async () => {
    const r = await expectKind('for (;;) {}', 'timeout', {}, /^The code ran longer than 400 ms and was stopped\.$/);
    // Which limit, for the host to say how to raise it; the core's message names no host's setting or flag.
    assert.deepEqual(r.error?.limit, { name: 'timeoutMs', value: 400 });
  });
  it('an infinite loop that catches every error', () => expectKind('for (;;) { try { for (;;) {} } catch (e) {} finally { continue; } }', 'timeout'));
  it('an infinite loop after an await', () => expectKind('await null; while (true) { try { JSON.stringify({}); } catch {} }', 'timeout'));
  it('a catastrophic regex', () => expectKind('return /^(a+)+$/.test("a".repeat(40) + "b");', 'timeout'));
  it('deep recursion', () => expectKind('function f(n) { return f(n + 1) + 1; } return f(0);', 'stack', {}, /overflowed its 256 KB stack/));
  it('deep recursion with a smaller stack setting', () => expectKind('const f = (n) => [f(n + 1)]; f(0);', 'stack', { stackKb: 64 }, /64 KB/));
  it('a deep Proxy chain', () => expectKind('let p = {}; for (let i = 0; i < 30000; i++) p = new Proxy(p, {}); return p.x;', 'stack', { timeoutMs: 3000 }));
  it('an object memory bomb', () => expectKind('const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] });', 'memory', { timeoutMs: 10000, memoryMb: 24 }, /more than 24 MB/));
  it('a string memory bomb', () => expectKind('let s = "x"; for (;;) s += s;', 'memory', { timeoutMs: 3000 }));
  it('a typed-array memory bomb', () => expectKind('const a = []; for (;;) a.push(new Uint8Array(1 << 20));', 'memory', { timeoutMs: 3000 }));
  it('a typed-array bomb that catches every error', () => expectKind('const a = []; for (;;) { try { a.push(new Float64Array(1 << 17)); } catch (e) {} }', 'memory', { timeoutMs: 3000 }));
  it('a single huge allocation', () => expectKind('const b = new ArrayBuffer(1500 * 1024 * 1024); return b.byteLength;', 'memory'));
  it('a single huge string', () => expectKind('return "x".repeat(2 ** 29).length;', 'memory'));
  it('a microtask flood', () => expectKind('for (;;) await null;', 'timeout'));
  it('a microtask flood over the job limit', () => expectKind('const f = () => Promise.resolve().then(f); f(); await new Promise(() => {});', 'timeout', { maxPendingJobs: 5000, timeoutMs: 3000 }, /more than 5000 promise jobs/));
  it('a microtask flood under the default job limit ends as memory or timeout, cleanly (issue 10)', async () => {
    // Its jobs grow the WASM memory; freeing the runtime afterwards once aborted the module ("Aborted(...)").
    const r = await attack('const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});', { timeoutMs: 2000, memoryMb: 64 });
    assert.equal(r.ok, false);
    assert.ok(r.error?.kind === 'memory' || r.error?.kind === 'timeout', JSON.stringify(r.error));
    assert.doesNotMatch(r.error!.message, /Aborted|failed internally/);
    assert.ok(r.error!.limit && ['memoryMb', 'timeoutMs', 'maxPendingJobs'].includes(r.error!.limit.name), JSON.stringify(r.error));
    const next = await sandbox.execute({ code: 'return 6 * 7', gateway, parentStepId: 'after' });
    assert.equal(next.value, 42, `next run: ${JSON.stringify(next.error)}`);
  });
  it('a job that grows the memory, then the run ends normally', async () => {
    const r = await attack('await null; const b = new ArrayBuffer(32 << 20); return b.byteLength;', { memoryMb: 128 });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.value, 32 << 20);
  });
  it('a never-settling promise', () => expectKind('await new Promise(() => {}); return 1;', 'timeout', {}, /can settle/));
  it('a promise that settles after the deadline only through a tool that keeps going', () =>
    expectKind('await tools.everything.trigger_long_running_operation({ duration: 10, steps: 2 }); return 1;', 'timeout'));

  it('cannot reach process, require, fetch or the host through constructors', async () => {
    const r = await attack(`
      const probes = {
        process: typeof process, require: typeof require, fetch: typeof fetch, module: typeof module,
        viaFunction: Function('return typeof process + typeof require')(),
        viaConstructor: ({}).constructor.constructor('return typeof globalThis.process')(),
        viaAsync: await (async () => {}).constructor('return typeof require')(),
        globals: Object.getOwnPropertyNames(globalThis).filter((k) => /^(std|os|process|require|fetch|XMLHttpRequest|WebSocket|setTimeout|Deno|Bun)$/.test(k)),
        hostHidden: typeof host + typeof __host,
      };
      try { await import('fs'); probes.import = 'loaded'; } catch (e) { probes.import = 'blocked'; }
      try { mcp.call = () => 'hijacked'; } catch (e) {}
      probes.frozen = Object.isFrozen(mcp) && Object.isFrozen(tools) && Object.isFrozen(tools.everything);
      return probes;`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.value, {
      process: 'undefined',
      require: 'undefined',
      fetch: 'undefined',
      module: 'undefined',
      viaFunction: 'undefinedundefined',
      viaConstructor: 'undefined',
      viaAsync: 'undefined',
      globals: [],
      hostHidden: 'undefinedundefined',
      import: 'blocked',
      frozen: true,
    });
  });

  it('cannot pollute host prototypes through results or tool arguments', async () => {
    const r = await attack(`
      Object.prototype.polluted = 'guest';
      await mcp.call('everything/echo', JSON.parse('{"__proto__": {"polluted": "args"}, "message": "hi"}'));
      return JSON.parse('{"__proto__": {"polluted": "result"}, "constructor": {"prototype": {"polluted": "ctor"}}}');`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
    assert.equal((r.value as Record<string, unknown>).polluted, undefined);
  });

  it('a hostile toJSON on the result', () => expectKind('return { toJSON() { for (;;) {} } };', 'timeout'));
  it('a hostile getter on the result', () => expectKind('return { get x() { while (true) {} } };', 'timeout'));
  it('a throwing getter on the result', () => expectKind('const o = {}; Object.defineProperty(o, "x", { enumerable: true, get() { throw new Error("nope"); } }); return o;', 'runtime', {}, /Reading the returned value failed: Error: nope/));
  it('a deeply nested result', () => expectKind('let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return o;', 'output_too_large', {}, /nested more than 64 levels/));
  it('a result over maxOutputBytes after summarising', () => expectKind('return Array.from({ length: 8 }, () => "y".repeat(300));', 'output_too_large', { maxOutputBytes: 1024 }, /over the limit of 1024/));

  it('a huge result is cut, not passed through', async () => {
    const r = await attack('return "x".repeat(5000000);', { memoryMb: 64, timeoutMs: 3000 });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.optimized, true);
    assert.ok((r.value as string).length < 5000);
    assert.match(r.value as string, /\[cut: \d+ more characters\]$/);
  });

  it('a circular result', async () => {
    const r = await attack('const a = { n: 1 }; a.self = a; return a;');
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.value, { n: 1, self: '[Circular]' });
  });

  it('hostile error objects', async () => {
    await expectKind('throw { get message() { for (;;) {} } };', 'timeout');
    await expectKind('throw new Proxy({}, { get() { throw 1; } });', 'runtime');
    const nul = await expectKind('throw null;', 'runtime', {}, /Uncaught null/);
    assert.ok(nul.error);
    const long = await expectKind('throw new Error("\\u001b[2J" + "x".repeat(1000000));', 'runtime');
    assert.ok(long.error!.message.length < 2100, `message length ${long.error!.message.length}`);
    assert.ok(!long.error!.message.includes('\u001b'));
  });

  it('a log flood is capped', async () => {
    const r = await attack('for (let i = 0; i < 100000; i++) console.log("line " + i); return 1;', { timeoutMs: 8000, maxLogBytes: 2000 });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.ok(r.logs.length < 300);
    assert.match(r.logs[r.logs.length - 1].text, /further console output dropped/);
  });

  it('a tool called in a tight loop hits the tool-call limit, which the guest cannot catch', async () => {
    const r = await expectKind('for (;;) { try { await tools.everything.echo({ message: "x" }); } catch (e) {} }', 'denied', { maxToolCalls: 20, timeoutMs: 10000 }, /more than 20 tool calls/);
    assert.equal(r.metrics.tool_calls, 20);
    assert.equal(r.childSteps.length, 20);
  });

  it('parallel tool calls over the limit are stopped too', () =>
    expectKind('await Promise.all(Array.from({ length: 50 }, () => tools.everything.echo({ message: "x" })));', 'denied', { maxToolCalls: 10, timeoutMs: 10000 }));

  it('a single uninterruptible operation: the host terminates the worker at the deadline and replaces it', async () => {
    const before = sandbox.threadId;
    // QuickJS's JSON parser never calls the interrupt handler: only terminating the worker stops it.
    const r = await expectKind('const s = "[" + "1,".repeat(2e7) + "1]"; return JSON.parse(s).length;', 'timeout', { timeoutMs: 300, memoryMb: 512 });
    assert.ok(r.metrics.duration_ms >= 300);
    assert.notEqual(sandbox.threadId, before, 'the worker was replaced');
  });

  it('a cancelled run ends at once and the sandbox recovers', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sandbox.execute({ code: 'for (;;) {}', gateway, parentStepId: 'c', signal: controller.signal, limits: { timeoutMs: 10000 } });
    setTimeout(() => controller.abort(), 200);
    const r = await pending;
    assert.equal(r.error?.kind, 'runtime');
    assert.match(r.error!.message, /cancelled/);
    assert.ok(Date.now() - started < 3000);
    const next = await sandbox.execute({ code: 'return "alive"', gateway, parentStepId: 'n' });
    assert.equal(next.value, 'alive');
  });

  it('a run cancelled while the guest waits for a slow tool ends at once and the sandbox recovers', async () => {
    // The worker is blocked waiting for the tool's reply (Atomics.wait), not running guest code.
    const controller = new AbortController();
    const started = Date.now();
    const pending = sandbox.execute({ code: 'await tools.everything.trigger_long_running_operation({ duration: 10, steps: 2 }); return 1;', gateway, parentStepId: 'w', signal: controller.signal, limits: { timeoutMs: 20000 } });
    setTimeout(() => controller.abort(), 300);
    const r = await pending;
    assert.equal(r.error?.kind, 'runtime');
    assert.match(r.error!.message, /cancelled/);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    const next = await sandbox.execute({ code: 'return (await tools.everything.echo({ message: "after" })).text', gateway, parentStepId: 'n' });
    assert.equal(next.value, 'Echo: after', JSON.stringify(next.error));
  });
});
