// Every QuickJS handle the engine creates must be disposed, on every path (success, guest errors,
// interrupts, memory and stack failures, pending host calls). Runs the engine in-process on the DEBUG
// sync variant, whose TestQuickJSWASMModule.assertNoMemoryAllocated() fails on any leaked allocation.
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-debug-sync/ffi';
import { TestQuickJSWASMModule, type QuickJSSyncVariant } from 'quickjs-emscripten-core';
import { runExecution } from '../../../src/core/sandbox/engine';
import { ModuleFactory } from '../../../src/core/sandbox/quickjs';
import { GuestContext, type GuestHost } from '../../../src/core/sandbox/guest-context';
import { DEFAULT_LIMITS, type HostOp, type HostReplyMessage, type SandboxLimits } from '../../../src/core/sandbox/types';
import emscriptenDebugLoader = require('@jitl/quickjs-wasmfile-debug-sync/emscripten-module');

const DEBUG_SYNC: QuickJSSyncVariant = {
  type: 'sync',
  importFFI: async () => QuickJSFFI,
  importModuleLoader: async () => (emscriptenDebugLoader as unknown as { default: Awaited<ReturnType<QuickJSSyncVariant['importModuleLoader']>> }).default,
};

type Replier = (op: HostOp, args: unknown[]) => Promise<Omit<HostReplyMessage, 'type' | 'execId' | 'callId'>> | 'never';

const echo: Replier = async (op, args) => {
  if (op === 'call') {
    const a = args[1] as { message?: string };
    return { json: JSON.stringify({ content: [{ type: 'text', text: `Echo: ${a.message}` }], isError: false }) };
  }
  if (op === 'describe') return { error: { name: 'ToolNotFoundError', message: 'no such tool' } };
  return { json: '[]' };
};

describe('sandbox: no leaked QuickJS handles (DEBUG variant)', function () {
  this.timeout(300000);
  let factory: ModuleFactory;

  before(async () => {
    const wasm = createRequire(__filename).resolve('@jitl/quickjs-wasmfile-debug-sync/wasm');
    factory = await ModuleFactory.create(DEBUG_SYNC, wasm);
    // V8 compiles WASM lazily and the DEBUG build is large: compile its hot paths once, outside the cases.
    await runChecked('return [await Promise.resolve(1)];');
  });

  async function runChecked(code: string, limits: Partial<SandboxLimits> = {}, reply: Replier = echo, skills: { name: string; source: string }[] = [], prepared = false) {
    // The DEBUG build runs under LeakSanitizer, which needs far more linear memory than the release build.
    const capped = await factory.newModule(1024);
    const module = Object.assign(new TestQuickJSWASMModule(capped), { runPendingJobs: capped.runPendingJobs, callWithText: capped.callWithText });
    // As the worker does between runs: the context made ahead, the prelude evaluated, no run's state in it.
    const guest = prepared ? new GuestContext(module) : undefined;
    const started = Date.now();
    const result = await runExecution({
      exec: {
        type: 'exec',
        id: 1,
        code,
        limits: { ...DEFAULT_LIMITS, memoryMb: 1024, timeoutMs: 60000, ...limits },
        skills,
        workspace: { kept: '"value"' },
        toolIndex: { everything: { echo: 'everything/echo' } },
        deadline: started + (limits.timeoutMs ?? 60000),
      },
      module,
      guest,
      hostCall: async (callId, op, argsJson) => {
        const r = reply(op, JSON.parse(argsJson) as unknown[]);
        if (r === 'never') return new Promise<HostReplyMessage>(() => undefined);
        return { type: 'reply', execId: 1, callId, ...(await r) };
      },
    });
    // TestQuickJSWASMModule's runtime bookkeeping misses disposals made through the runtime's own
    // dispose(); check those runtimes are dead ourselves, then let LeakSanitizer check every allocation.
    if (guest) {
      assert.equal(guest.vm.alive, false, 'the prepared context was not freed with its run');
      assert.throws(() => guest.take({} as GuestHost), /serves one execution only/);
    }
    assert.equal(module.runtimes.size, 1);
    for (const rt of module.runtimes) assert.equal(rt.alive, false, 'the runtime was not disposed');
    module.runtimes.clear();
    module.assertNoMemoryAllocated();
    return result;
  }

  // The DEBUG build is slow (LeakSanitizer), so each case covers several paths at once. A memory bomb is
  // not here: after QuickJS itself runs out of memory its runtime does not free cleanly (an assertion in
  // JS_FreeRuntime), which is why the release sandbox discards the whole module after every execution.
  const cases: [string, string, Partial<SandboxLimits>, string | undefined][] = [
    [
      'tool calls in parallel, logs, workspace and a caught tool error',
      'console.log("x", { a: 1 }); workspace.set("k", 1); workspace.delete("kept"); try { await mcp.describe("x/y"); } catch (e) {} const r = await Promise.all([tools.everything.echo({ message: "a" }), mcp.call("everything/echo", {})]); return r.map((x) => x.text);',
      {},
      undefined,
    ],
    ['an uncaught tool error', 'await mcp.describe("x/y");', {}, 'runtime'],
    ['a syntax error', 'return (;', {}, 'runtime'],
    ['an infinite loop in a job', 'await null; for (;;) {}', { timeoutMs: 2500 }, 'timeout'],
    ['deep recursion', 'const f = () => f() + 1; f();', {}, 'stack'],
    ['a hostile getter on the result', 'return { get x() { for (;;) {} } };', { timeoutMs: 2500 }, 'timeout'],
    ['a nested result', 'let o = {}; for (let i = 0; i < 100; i++) o = { o }; return o;', {}, 'output_too_large'],
    // Jobs that grow the WASM memory: quickjs-emscripten's own executePendingJobs leaks a context then (see jobs.ts).
    ['a job that grows the memory', 'await null; const b = new ArrayBuffer(32 << 20); return b.byteLength;', {}, undefined],
    ['a microtask flood over the job limit', 'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});', { maxPendingJobs: 20000 }, 'timeout'],
  ];
  for (const [name, code, limits, kind] of cases) {
    it(`disposes everything after ${name}`, async () => {
      const r = await runChecked(code, limits);
      if (kind) assert.equal(r.error?.kind, kind, JSON.stringify(r.error));
      else assert.equal(r.ok, true, JSON.stringify(r.error));
    });
  }

  it('disposes pending host promises when the deadline passes during a call', async () => {
    const r = await runChecked('await mcp.call("everything/echo", {});', { timeoutMs: 2500 }, () => 'never');
    assert.equal(r.error?.kind, 'timeout');
  });

  it('frees a context made ahead of its run with the run, and never hands it to a second run', async () => {
    const r = await runChecked('console.log("hi"); workspace.set("k", [1]); return [(await tools.everything.echo({ message: "m" })).text, Object.keys(tools)];', {}, echo, [], true);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(JSON.parse(r.json!), ['Echo: m', ['everything']]);
    assert.deepEqual(r.logs, [{ level: 'log', text: 'hi' }]);
    assert.equal(r.workspace.k, '[1]');
  });

  it('disposes skill modules', async () => {
    const r = await runChecked('return skills.s.twice(21);', {}, echo, [{ name: 's', source: 'export function twice(x) { return x * 2; }' }]);
    assert.equal(r.ok, true, JSON.stringify(r.error));
  });
});
