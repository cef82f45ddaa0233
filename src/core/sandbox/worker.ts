// The sandbox worker thread: hosts QuickJS off the main thread so a busy guest never blocks the
// extension host or the CLI. One execution at a time; tool calls go to the main thread by message, and
// their replies come back on a channel of their own that the worker reads synchronously while it waits.
import { format } from 'node:util';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { runExecution } from './engine';
import { GuestContext } from './guest-context';
import { warmUpTokenizer } from './optimizer';
import { INITIAL_MEMORY_BYTES, ModuleFactory, RELEASE_SYNC, releaseWasmPath, type CappedModule } from './quickjs';
import { decodeReply, DEFAULT_LIMITS, encodeCalls, type ExecMessage, type HostReplyMessage, type HostReplyWire, type MainToWorker, type WorkerToMain } from './types';

interface WorkerInit {
  /**
   * [0] = current WASM memory pages, read by the main thread when it has to terminate this worker;
   * [1] = count of replies posted on `replies`, which the worker waits on with Atomics.wait.
   */
  shared: SharedArrayBuffer;
  /** Replies to host calls arrive here, read synchronously while an execution waits for them. */
  replies: MessagePort;
  /** Memory cap the spare module is prepared for. */
  memoryMb?: number;
}

const port = parentPort!;
const init = workerData as WorkerInit;
const shared = new Int32Array(init.shared);
const post = (msg: WorkerToMain): void => port.postMessage(msg);

// A worker's console writes to the process's stdout and stderr, and the CLI's stdout holds only its JSON
// result: whatever a library here prints goes to the host's log instead.
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[method] = (...args: unknown[]) => post({ type: 'log', text: format(...args) });
}

let factory: ModuleFactory | undefined;
// The module the next execution runs in: either one instantiated ahead of time, so an execution does
// not wait for WASM instantiation, or the previous execution's module when it may be reused. `guest` is a
// context in it with the guest API evaluated, made while the worker is idle (see guest-context.ts).
interface Spare {
  memoryMb: number;
  module: Promise<CappedModule>;
  guest?: GuestContext;
}
let spare: Spare | undefined;

function prepareSpare(memoryMb: number): void {
  spare = { memoryMb, module: factory!.newModule(memoryMb) };
  void spare.module.then(() => setImmediate(prepareGuest), () => undefined);
}

/** Makes the spare module's next context, unless an execution has taken the module meanwhile. */
function prepareGuest(): void {
  const target = spare;
  if (!target || target.guest) return;
  void target.module.then(
    (module) => {
      if (spare !== target || target.guest) return;
      try {
        target.guest = new GuestContext(module);
      } catch (err) {
        // The execution that takes this module makes its context itself and reports the failure.
        post({ type: 'log', text: `preparing the next sandbox context failed: ${(err as Error)?.message ?? String(err)}` });
      }
    },
    // A module that could not be made fails the execution that takes it (see takeModule).
    () => undefined,
  );
}

/**
 * Keeps the module for the next run only if the run left its linear memory as it found it: never grown
 * (so the memory cap always measures one run, and whatever a run leaves in the heap stays bounded by the
 * initial size) and never refused. Each run gets a new QuickJS runtime and context, so nothing a guest
 * defines survives it; reusing the WASM instance spares a 16 MB linear memory per run, whose allocation
 * would otherwise trigger a full V8 garbage collection during the following run.
 */
function recycle(module: CappedModule, memoryMb: number): void {
  const pristine = module.getWasmMemory().buffer.byteLength === INITIAL_MEMORY_BYTES && !module.memoryExhausted();
  if (!pristine) return prepareSpare(memoryMb);
  spare = { memoryMb, module: Promise.resolve(module) };
  setImmediate(prepareGuest);
}

async function takeModule(memoryMb: number): Promise<{ module: CappedModule; guest?: GuestContext }> {
  const ready = spare;
  spare = undefined;
  if (ready && ready.memoryMb === memoryMb) return { module: await ready.module, guest: ready.guest };
  // A spare for another cap is not used: its context is freed, and the module goes with it.
  ready?.guest?.dispose();
  return { module: await factory!.newModule(memoryMb) };
}

/** Longest single wait, so a worker blocked on a reply still checks its deadline and can be terminated. */
const WAIT_SLICE_MS = 50;

/** Replies read from `replies` so far: shared[1] counts those posted, so the worker reads exactly the new ones. */
let consumed = 0;

/** Replies that have arrived for this execution; a late reply to an execution that has ended is dropped. */
function drainReplies(execId: number, posted: number): HostReplyMessage[] {
  const out: HostReplyMessage[] = [];
  // Wrap-safe: the counters are int32.
  while (((posted - consumed) | 0) > 0) {
    const m = receiveMessageOnPort(init.replies);
    if (!m) break;
    consumed = (consumed + 1) | 0;
    const reply = decodeReply(m.message as HostReplyWire);
    if (reply.execId === execId) out.push(reply);
  }
  return out;
}

function waitForReplies(execId: number, timeoutMs: number): HostReplyMessage[] {
  // The main thread posts a reply before it counts it, so every counted reply is there to read.
  const seen = Atomics.load(shared, 1);
  if (seen !== consumed) return drainReplies(execId, seen);
  Atomics.wait(shared, 1, seen, Math.min(timeoutMs, WAIT_SLICE_MS));
  return drainReplies(execId, Atomics.load(shared, 1));
}

async function execute(exec: ExecMessage): Promise<void> {
  const { module, guest } = await takeModule(exec.limits.memoryMb);
  const result = await runExecution({
    exec,
    module,
    guest,
    memoryExhausted: module.memoryExhausted,
    shared,
    onGuestDone: () => post({ type: 'guest-done', execId: exec.id }),
    postCalls: (firstCallId, text) => post(encodeCalls(exec.id, firstCallId, text)),
    waitForReplies: (timeoutMs) => waitForReplies(exec.id, timeoutMs),
  });
  post(result);
  // A retiring worker runs nothing more: the main thread terminates it and starts a new one.
  if (!result.retire) recycle(module, exec.limits.memoryMb);
}

port.on('message', (msg: MainToWorker) => {
  if (msg.type === 'exec') {
    execute(msg).catch((err: Error) => {
      // A bug in the engine, or a WASM abort, not the guest's doing: report it as a runtime error and
      // retire this worker, whose state can no longer be trusted.
      post({
        type: 'done',
        execId: msg.id,
        ok: false,
        error: { kind: 'runtime', message: `The sandbox failed internally: ${err?.message ?? String(err)}` },
        logs: [],
        heapBytes: 0,
        workspace: msg.workspace,
        tokensReturned: 0,
        tokensRaw: 0,
        optimized: false,
        retire: err?.stack ?? String(err),
      });
    });
  }
});

void (async () => {
  factory = await ModuleFactory.create(RELEASE_SYNC, releaseWasmPath(), (text) => post({ type: 'log', text }));
  warmUpTokenizer();
  // V8 compiles WASM functions lazily: one throwaway run compiles the hot paths (kept in the shared
  // compiled module), so the first real execution is as fast as the others.
  await runExecution({
    exec: { type: 'exec', id: 0, code: 'console.log(1); return [await Promise.resolve(1)];', limits: DEFAULT_LIMITS, skills: [], workspace: {}, toolIndex: {}, deadline: Date.now() + 60_000 },
    module: await factory.newModule(DEFAULT_LIMITS.memoryMb),
    hostCall: () => new Promise<never>(() => undefined),
  });
  const first = init.memoryMb ?? DEFAULT_LIMITS.memoryMb;
  spare = { memoryMb: first, module: factory.newModule(first) };
  const module = await spare.module;
  try {
    spare.guest = new GuestContext(module);
  } catch (err) {
    // The first execution makes its context itself and reports the failure as any later one would.
    post({ type: 'log', text: `preparing the first sandbox context failed: ${(err as Error)?.message ?? String(err)}` });
  }
  post({ type: 'ready' });
})();
