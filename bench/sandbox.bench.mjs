// The code sandbox, measured side by side in one run (needs `node esbuild.mjs`: uses dist/sandbox-worker.js).
//
// 1. fresh sandbox ready: one execution of `return 1` on a warm worker — a new QuickJS runtime and
//    context with the caps armed and the guest API injected, run, disposed. p50, target <= 10 ms.
// 2. echo through the guard pipeline: the guest calling server-everything `echo` vs the host calling it
//    through the same GuardPipeline, rounds interleaved; the median over rounds of each round's per-call p50
//    ratio guest/host. Per call = the interval between consecutive calls entering the pipeline (see below).
// 2b. the floor any worker-thread sandbox has on this machine: a bare worker (no QuickJS) asking the main
//    thread for the same guarded echo over the same channel; its ratio to the host bounds 2 from below.
//    The guest's ratio over this floor (per round, the median over rounds) is what the sandbox itself adds
//    (target <= 1.10).
// 2c. the floor any QuickJS-WebAssembly sandbox has: a worker running one QuickJS context (same variant and
//    build) whose guest loop calls a synchronous host function that posts the request and blocks for the
//    reply, then parses the result — no promises, no guards, no API layer. The guest's ratio over it is
//    what this sandbox adds beyond running QuickJS at all (target <= 1.10).
// 2d. the floor of the same functionality: the guest API is asynchronous (`await tools.s.t(args)`; the calls of
//    one Promise.all leave together), so every implementation of it in QuickJS makes a promise per call, settles
//    it from the host when the reply arrives and runs the jobs that releases. A worker with one QuickJS context
//    (same variant and build) whose guest loop awaits a host function returning a QuickJS promise; when the jobs
//    are idle it blocks for the reply, resolves the promise with the reply text (the guest parses it) and runs
//    the pending jobs, through the FFI directly. The guest's ratio over it is what this sandbox adds beyond any
//    asynchronous QuickJS sandbox (target <= 1.10).
// 3. token cut on the reference task "the 5 largest files under a 2 000-file tree, with sizes" over
//    server-filesystem (40 folders x 50 files, created fresh in a temp folder):
//      direct    = the definitions of every filesystem tool + every list_directory_with_sizes result a
//                  model calling the tools itself must read (the root and each of the 40 folders);
//      code mode = the stub it reads (mcp.describe of list_directory_with_sizes) + the code it writes +
//                  the value the code returns.
//    Tokens counted with gpt-tokenizer (o200k). Target: code mode >= 97 % fewer tokens.
// 4. a CPU-bound guest for 2 s: the worst main-thread event-loop delay meanwhile
//    (perf_hooks.monitorEventLoopDelay, 10 ms resolution), target <= 50 ms.
import { bundleSources } from './bundle.mjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.MCP_HARNESS_BENCH_ROUNDS ?? 21);
const WARMUP_ROUNDS = 5;
const server = (pkg) => join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');

async function load(dir) {
  return bundleSources(join(dir, 'sandbox-bench.cjs'), `
        export { Sandbox } from './src/core/sandbox/sandbox';
        export { GuardPipeline } from './src/core/guards/pipeline';
        export { DEFAULT_POLICY } from './src/core/guards/defaults';
        export { countTokens } from './src/core/tokens/index';
        export { Client } from '@modelcontextprotocol/sdk/client/index.js';
        export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';`);
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function connect(m, id, script, args = []) {
  const transport = new m.StdioClientTransport({ command: process.execPath, args: [script, ...args], stderr: 'ignore' });
  const client = new m.Client({ name: 'sandbox-bench', version: '0' });
  await client.connect(transport);
  return {
    client,
    connection: {
      id,
      definition: { id, name: id },
      listTools: async () => (await client.listTools()).tools,
      callTool: async (name, args, opts) => client.callTool({ name, arguments: args }, undefined, { signal: opts?.signal }),
    },
  };
}

function pipeline(m, conns) {
  const byId = new Map(conns.map((c) => [c.connection.id, c.connection]));
  return new m.GuardPipeline({
    sessionId: 'bench',
    servers: [...byId.keys()],
    connections: { ensureStarted: async (id) => byId.get(id) },
    policy: { ...m.DEFAULT_POLICY, maxSteps: 1_000_000, trustedServers: [...byId.keys()] },
  });
}

function makeTree(dir) {
  // 40 folders x 50 files; sizes under 1 KB except five larger ones, so the answer is unambiguous.
  let n = 0;
  const big = new Map([[137, 91_000], [802, 77_000], [1333, 64_000], [1750, 52_000], [1999, 40_000]]);
  for (let d = 0; d < 40; d++) {
    const folder = join(dir, `folder-${String(d).padStart(2, '0')}`);
    mkdirSync(folder);
    for (let f = 0; f < 50; f++, n++) writeFileSync(join(folder, `file-${String(f).padStart(2, '0')}.txt`), 'x'.repeat(big.get(n) ?? (n * 37) % 1000));
  }
}

const TASK_CODE = `// The 5 largest files under the tree, with sizes.
const root = ROOT;
const units = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const parse = (text, dir) => text.split('\\n').map((line) => line.match(/^\\[(FILE|DIR)\\]\\s+(\\S+)\\s*(?:([\\d.]+) (B|KB|MB|GB))?/)).filter(Boolean)
  .map(([, kind, name, n, u]) => ({ kind, path: dir + '/' + name, size: n ? Math.round(Number(n) * units[u]) : 0 }));
const top = parse((await tools.filesystem.list_directory_with_sizes({ path: root })).text, root);
const listings = await Promise.all(top.filter((e) => e.kind === 'DIR').map((d) => tools.filesystem.list_directory_with_sizes({ path: d.path })));
const files = listings.flatMap((l, i) => parse(l.text, top.filter((e) => e.kind === 'DIR')[i].path)).filter((e) => e.kind === 'FILE');
return files.sort((a, b) => b.size - a.size).slice(0, 5).map((f) => ({ path: f.path.slice(root.length + 1), size: f.size }));`;

// The bare worker of 2b: for each call it posts a request and blocks until the reply's counter moves.
const BARE_WORKER = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const { replies, shared } = workerData;
const counter = new Int32Array(shared);
parentPort.on('message', ({ calls, round }) => {
  for (let i = 0; i < calls; i++) {
    parentPort.postMessage({ type: 'call', message: 'w' + round + '-' + i });
    for (;;) {
      const seen = Atomics.load(counter, 0);
      if (receiveMessageOnPort(replies)) break;
      Atomics.wait(counter, 0, seen, 50);
    }
  }
  parentPort.postMessage({ type: 'done' });
});`;

// Both QuickJS floor workers start the same way: the sandbox's variant and build, one module.
const QUICKJS_WORKER_START = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const { replies, shared, core, variant } = workerData;
const counter = new Int32Array(shared);
const { newQuickJSWASMModuleFromVariant } = require(core);
(async () => {
  const qjs = await newQuickJSWASMModuleFromVariant(require(variant).default ?? require(variant));`;

// The QuickJS worker of 2c: the least any QuickJS-WebAssembly sandbox does per call. One QuickJS context (the
// sandbox's variant and build), whose guest loop calls a synchronous host function: it posts the request,
// blocks until the reply's counter moves and returns the tool result's JSON, which the guest parses. No
// promises, no guards or limits inside the worker, no guest API layer.
const QUICKJS_WORKER = QUICKJS_WORKER_START + `
  const vm = qjs.newContext();
  const call = vm.newFunction('call', (messageH) => {
    parentPort.postMessage({ type: 'call', message: vm.getString(messageH) });
    for (;;) {
      const seen = Atomics.load(counter, 0);
      const reply = receiveMessageOnPort(replies);
      if (reply) return vm.newString(reply.message.json);
      Atomics.wait(counter, 0, seen, 50);
    }
  });
  vm.setProp(vm.global, 'call', call);
  call.dispose();
  parentPort.on('message', ({ calls, round }) => {
    const r = vm.evalCode('for (let i = 0; i < ' + calls + '; i++) { const result = JSON.parse(call("q' + round + '-" + i)); if (!result.content) throw new Error("no result"); }');
    if (r.error) {
      parentPort.postMessage({ type: 'done', error: JSON.stringify(vm.dump(r.error)) });
      r.error.dispose();
    } else {
      r.value.dispose();
      parentPort.postMessage({ type: 'done' });
    }
  });
  parentPort.postMessage({ type: 'ready' });
})();`;

// The QuickJS worker of 2d (floor (c)): the least any ASYNCHRONOUS QuickJS-WebAssembly sandbox does per call — the
// guest API the product offers is `await tools.s.t(args)`, so each call must at least make a promise in QuickJS,
// settle it from the host when the reply arrives and run the jobs it releases. One QuickJS context (the sandbox's
// variant and build); the guest loop awaits a host function that posts the request and returns a QuickJS promise
// (QTS_NewPromiseCapability); once the guest's jobs are idle the worker blocks for the reply, resolves that
// promise with the reply text (which the guest parses) and runs the pending jobs. No guards, no limits, no API
// layer, no batching; the FFI is called directly wherever quickjs-emscripten's wrappers add work (handles, scopes).
const ASYNC_QUICKJS_WORKER = QUICKJS_WORKER_START + `
  const ffi = qjs.getFFI();
  const em = ffi.module;
  const vm = qjs.newContext();
  const ctx = vm.ctx.value;
  const rt = vm.runtime.rt.value;
  const cells = em._malloc(8);
  const argv = em._malloc(4);
  const undef = ffi.QTS_GetUndefined();
  const free = (p) => ffi.QTS_FreeValuePointer(ctx, p);
  let resolver = 0;
  let finished;
  const text = (ptr) => {
    const chars = ffi.QTS_GetString(ctx, ptr);
    const out = em.UTF8ToString(chars);
    ffi.QTS_FreeCString(ctx, chars);
    return out;
  };
  // Host functions get the raw argument pointer and return an owned value pointer (0: undefined), skipping
  // the library's per-call handle scope.
  vm.cToHostCallbacks.callFunction = (_ctx, _this, _argc, argv, fnId) => vm.getFunction(fnId)(ffi.QTS_ArgvGetJSValueConstPointer(argv, 0));
  const host = vm.newFunction('host', (arg) => {
    parentPort.postMessage({ type: 'call', message: text(arg) });
    const promise = ffi.QTS_NewPromiseCapability(ctx, cells);
    const pair = new Int32Array(em.HEAPU8.buffer, cells, 2);
    resolver = pair[0];
    free(pair[1]);
    return promise;
  });
  const done = vm.newFunction('done', (arg) => {
    finished = text(arg);
    return 0;
  });
  vm.setProp(vm.global, 'host', host);
  vm.setProp(vm.global, 'done', done);
  host.dispose();
  done.dispose();
  const runJobs = () => {
    const result = ffi.QTS_ExecutePendingJob(rt, -1, cells);
    ffi.QTS_FreeValuePointerRuntime(rt, result);
  };
  const deliver = (text) => {
    const size = em.lengthBytesUTF8(text) + 1;
    const chars = em._malloc(size);
    em.stringToUTF8(text, chars, size);
    const arg = ffi.QTS_NewString(ctx, chars);
    em._free(chars);
    new Int32Array(em.HEAPU8.buffer, argv, 1)[0] = arg;
    const fn = resolver;
    resolver = 0;
    free(ffi.QTS_Call(ctx, fn, undef, 1, argv));
    free(arg);
    free(fn);
  };
  parentPort.on('message', ({ calls, round }) => {
    finished = undefined;
    vm.evalCode('(async () => { for (let i = 0; i < ' + calls + '; i++) { const result = JSON.parse(await host("c' + round + '-" + i)); if (!result.content) throw new Error("no result"); } })().then(() => done(""), (e) => done(String(e)))').value.dispose();
    for (;;) {
      runJobs();
      if (finished !== undefined) break;
      let reply;
      for (;;) {
        const seen = Atomics.load(counter, 0);
        reply = receiveMessageOnPort(replies);
        if (reply) break;
        Atomics.wait(counter, 0, seen, 50);
      }
      deliver(reply.message.json);
    }
    parentPort.postMessage(finished ? { type: 'done', error: finished } : { type: 'done' });
  });
  parentPort.postMessage({ type: 'ready' });
})();`;

/**
 * Starts a floor worker: its script asks for a call with { type: 'call', message } and reads the reply that
 * `answer` makes from the call's outcome. `round(calls, round)` runs one round of `calls` echo calls.
 */
async function floorWorker(timed, script, extraData, answer) {
  const shared = new SharedArrayBuffer(4);
  const counter = new Int32Array(shared);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(script, { eval: true, workerData: { replies: port2, shared, ...extraData }, transferList: [port2] });
  const session = new AbortController();
  worker.on('message', async (msg) => {
    if (msg.type !== 'call') return;
    const outcome = await timed.callTool({ server: 'everything', tool: 'echo', args: { message: msg.message }, stepId: 'w', signal: session.signal });
    port1.postMessage(answer(outcome));
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
  const next = (type) => new Promise((resolve, reject) => {
    const on = (m) => {
      if (m.type !== type) return;
      worker.off('message', on);
      if (m.error) reject(new Error(`floor worker failed: ${m.error}`));
      else resolve();
    };
    worker.on('message', on);
  });
  if (extraData.core) await next('ready');
  return {
    round: async (calls, round) => {
      const done = next('done');
      worker.postMessage({ calls, round });
      await done;
    },
    close: async () => {
      await worker.terminate();
      port1.close();
    },
  };
}

const bareWorkerFloor = (timed) => floorWorker(timed, BARE_WORKER, {}, () => ({ ok: true }));

function quickjsFloor(timed, script) {
  const resolve = createRequire(join(ROOT, 'package.json')).resolve;
  const modules = { core: resolve('quickjs-emscripten-core'), variant: resolve('@jitl/quickjs-wasmfile-release-sync') };
  return floorWorker(timed, script, modules, (outcome) => ({ json: JSON.stringify(outcome.result) }));
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-sandbox-bench-'));
  const m = await load(dir);
  const treeDir = join(dir, 'tree');
  mkdirSync(treeDir);
  makeTree(treeDir);
  const everything = await connect(m, 'everything', server('server-everything'));
  const filesystem = await connect(m, 'filesystem', server('server-filesystem'), [treeDir]);
  const gateway = pipeline(m, [everything, filesystem]);
  const sandbox = new m.Sandbox({ workerPath: join(ROOT, 'dist/sandbox-worker.js') });
  const notes = [];
  try {
    await sandbox.start();
    await gateway.listTools();

    // 1. fresh sandbox ready
    const ready = [];
    for (let i = 0; i < 5; i++) await sandbox.execute({ code: 'return 1', gateway, parentStepId: 'warm' });
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      const r = await sandbox.execute({ code: 'return 1', gateway, parentStepId: 'ready' });
      ready.push(performance.now() - t);
      if (r.value !== 1) throw new Error(`fresh sandbox run failed: ${JSON.stringify(r.error)}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    const readyP50 = p50(ready);

    // 2. echo: guest vs host, per call, rounds interleaved. A call's time is the interval between
    //    consecutive entries into the pipeline: for the guest one whole cycle (its code, the hop to the
    //    main thread, the guarded call, the reply back into the sandbox), for the host one awaited call
    //    and its loop. Both sides pass the same pipeline; p50 over every call of every round.
    const CALLS = 40;
    const guest = [];
    const host = [];
    let marks = [];
    const timed = {
      listTools: () => gateway.listTools(),
      callTool: (request) => {
        marks.push(performance.now());
        return gateway.callTool(request);
      },
    };
    const intervals = (into) => {
      for (let i = 1; i < marks.length; i++) into.push(marks[i] - marks[i - 1]);
      marks = [];
    };
    // 2b. the floor of any worker-thread sandbox on this machine: a bare worker (no QuickJS, no work of its
    //     own) asking the main thread for the same guarded echo over the same mechanism the sandbox uses
    //     (postMessage up; a MessagePort read with receiveMessageOnPort after Atomics.wait down).
    // 2c. the floor of any QuickJS-WebAssembly sandbox: 2b plus QuickJS — a guest loop making each call
    //     through one synchronous host function and parsing the result it returns.
    // 2d. the floor of any asynchronous QuickJS-WebAssembly sandbox: the guest awaits a promise the host makes
    //     per call and resolves with the reply.
    // All five run in every round, in an order that turns by one each round: the servers and the pipeline get faster as they warm up (the host's
    // p50 falls by half or more over a run), so figures measured one after the other would not compare. The
    // first rounds only warm up (the floor workers' WASM tiers up, as the sandbox worker's has by now).
    // Each ratio is the median over the rounds of that round's p50 ratio: a burst of load from elsewhere
    // then skews one round, not the figure.
    const bareFloor = [];
    const qjsFloorCalls = [];
    const asyncFloorCalls = [];
    const perRound = { guest: [], bare: [], qjs: [], async: [], guestOverBare: [], guestOverQjs: [], guestOverAsync: [] };
    const floors = [await bareWorkerFloor(timed), await quickjsFloor(timed, QUICKJS_WORKER), await quickjsFloor(timed, ASYNC_QUICKJS_WORKER)];
    try {
      for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        const sides = { guest: [], host: [], bare: [], qjs: [], async: [] };
        const keep = (into, side) => {
          intervals(sides[side]);
          if (round >= 0) into.push(...sides[side]);
        };
        const runs = [
          async () => {
            const r = await sandbox.execute({ code: `for (let i = 0; i < ${CALLS}; i++) await tools.everything.echo({ message: 'g${round}-' + i }); return 1;`, gateway: timed, parentStepId: 'guest', limits: { timeoutMs: 30000 } });
            if (!r.ok) throw new Error(`guest echo failed: ${JSON.stringify(r.error)}`);
            keep(guest, 'guest');
          },
          async () => {
            // Like a session step, and like the guest's calls, the host's calls carry a cancellation signal.
            const session = new AbortController();
            for (let i = 0; i < CALLS; i++) await timed.callTool({ server: 'everything', tool: 'echo', args: { message: `h${round}-${i}` }, stepId: `h${i}`, signal: session.signal });
            keep(host, 'host');
          },
          async () => {
            await floors[0].round(CALLS, round);
            keep(bareFloor, 'bare');
          },
          async () => {
            await floors[1].round(CALLS, round);
            keep(qjsFloorCalls, 'qjs');
          },
          async () => {
            await floors[2].round(CALLS, round);
            keep(asyncFloorCalls, 'async');
          },
        ];
        // The order turns by one each round, so no side always runs right after the same other.
        const shift = ((round % runs.length) + runs.length) % runs.length;
        for (const run of [...runs.slice(shift), ...runs.slice(0, shift)]) await run();
        if (round < 0) continue;
        const [g, h, b, q, a] = [sides.guest, sides.host, sides.bare, sides.qjs, sides.async].map(p50);
        perRound.guest.push(g / h);
        perRound.bare.push(b / h);
        perRound.qjs.push(q / h);
        perRound.guestOverBare.push(g / b);
        perRound.guestOverQjs.push(g / q);
        perRound.async.push(a / h);
        perRound.guestOverAsync.push(g / a);
      }
    } finally {
      for (const f of floors) await f.close();
    }
    const median = (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const echoRatio = median(perRound.guest);
    const overBare = median(perRound.guestOverBare);
    const overQjs = median(perRound.guestOverQjs);
    const overAsync = median(perRound.guestOverAsync);

    // 3. token cut on the reference task
    const code = TASK_CODE.replace('ROOT', JSON.stringify(treeDir));
    const task = await sandbox.execute({ code, gateway, parentStepId: 'task', servers: ['filesystem'], limits: { timeoutMs: 30000 } });
    if (!task.ok) throw new Error(`reference task failed: ${JSON.stringify(task.error)}`);
    const answer = task.value;
    if (answer[0]?.path !== 'folder-02/file-37.txt' || answer[0]?.size < 80_000) throw new Error(`reference task gave a wrong answer: ${JSON.stringify(answer)}`);
    const describe = await sandbox.execute({ code: 'return (await mcp.describe("filesystem/list_directory_with_sizes")).stub;', gateway, parentStepId: 'd', servers: ['filesystem'] });
    const fsTools = (await gateway.listTools()).filter((e) => e.server === 'filesystem').map((e) => e.tool);
    let direct = m.countTokens(JSON.stringify(fsTools));
    const rootListing = await filesystem.client.callTool({ name: 'list_directory_with_sizes', arguments: { path: treeDir } });
    direct += m.countTokens(rootListing.content[0].text);
    for (let d = 0; d < 40; d++) {
      const listing = await filesystem.client.callTool({ name: 'list_directory_with_sizes', arguments: { path: join(treeDir, `folder-${String(d).padStart(2, '0')}`) } });
      direct += m.countTokens(listing.content[0].text);
    }
    const codeMode = m.countTokens(describe.value) + m.countTokens(code) + m.countTokens(JSON.stringify(answer));
    const cut = 1 - codeMode / direct;
    notes.push(`reference task: direct ${direct} tokens, code mode ${codeMode} (stub + code + result); the sandbox saw tokens_raw ${task.metrics.tokens_raw} and returned ${task.metrics.tokens_returned}`);

    // 4. CPU-bound guest vs the main thread's event loop
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const busy = await sandbox.execute({ code: 'const end = Date.now() + 2000; let x = 0; while (Date.now() < end) x++; return x > 0;', gateway, parentStepId: 'cpu', limits: { timeoutMs: 10000 } });
    histogram.disable();
    if (busy.value !== true) throw new Error(`CPU-bound guest failed: ${JSON.stringify(busy.error)}`);
    const worstDelay = histogram.max / 1e6;

    return {
      name: 'sandbox',
      metrics: [
        { name: 'fresh sandbox ready p50', value: readyP50, unit: 'ms', target: '<= 10', pass: readyP50 <= 10 },
        { name: 'echo per call: guest p50', value: p50(guest), unit: 'ms' },
        { name: 'echo per call: host p50', value: p50(host), unit: 'ms' },
        { name: 'echo per call: bare worker p50', value: p50(bareFloor), unit: 'ms' },
        { name: 'echo per call: QuickJS worker (sync) p50', value: p50(qjsFloorCalls), unit: 'ms' },
        { name: 'echo per call: QuickJS worker (async) p50', value: p50(asyncFloorCalls), unit: 'ms' },
        { name: 'echo guest/host p50 ratio (median of per-round ratios)', value: echoRatio, unit: 'x' },
        { name: 'floor (a): bare worker (no QuickJS) / host', value: median(perRound.bare), unit: 'x' },
        { name: 'floor (b): bare QuickJS worker (sync host call) / host', value: median(perRound.qjs), unit: 'x' },
        { name: 'floor (c): bare async QuickJS worker (await a host promise) / host', value: median(perRound.async), unit: 'x' },
        { name: 'echo guest over floor (a), the bare worker', value: overBare, unit: 'x', target: '<= 1.10', pass: overBare <= 1.1 },
        { name: 'echo guest over floor (b), the sync QuickJS worker', value: overQjs, unit: 'x', target: '<= 1.10', pass: overQjs <= 1.1 },
        { name: 'echo guest over floor (c), the async QuickJS worker', value: overAsync, unit: 'x', target: '<= 1.10', pass: overAsync <= 1.1 },
        { name: 'reference task tokens: direct', value: direct, unit: 'tokens' },
        { name: 'reference task tokens: code mode', value: codeMode, unit: 'tokens' },
        { name: 'reference task token cut', value: Math.round(cut * 1000) / 10, unit: '%', target: '>= 97', pass: cut >= 0.97 },
        { name: 'CPU-bound guest 2 s: worst main-thread delay', value: worstDelay, unit: 'ms', target: '<= 50', pass: worstDelay <= 50 },
      ],
      notes,
    };
  } finally {
    await sandbox.dispose();
    await everything.client.close();
    await filesystem.client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
}
