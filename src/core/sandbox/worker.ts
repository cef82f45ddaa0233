// The sandbox worker thread: hosts QuickJS off the main thread so a busy guest never blocks the
// extension host or the CLI. One execution at a time; tool calls go to the main thread by message.
import { parentPort, workerData } from 'node:worker_threads';
import { runExecution } from './engine';
import { warmUpTokenizer } from './optimizer';
import { ModuleFactory, RELEASE_SYNC, releaseWasmPath, type CappedModule } from './quickjs';
import { DEFAULT_LIMITS, type ExecMessage, type HostReplyMessage, type MainToWorker, type WorkerToMain } from './types';

interface WorkerInit {
  /** [0] = current WASM memory pages, read by the main thread when it has to terminate this worker. */
  shared: SharedArrayBuffer;
  /** Memory cap the spare module is prepared for. */
  memoryMb?: number;
}

const port = parentPort!;
const init = workerData as WorkerInit;
const shared = new Int32Array(init.shared);
const replies = new Map<number, (reply: HostReplyMessage) => void>();
const post = (msg: WorkerToMain): void => port.postMessage(msg);

let factory: ModuleFactory | undefined;
// A module instantiated ahead of time, so an execution does not wait for WASM instantiation.
let spare: { memoryMb: number; module: Promise<CappedModule> } | undefined;

function prepareSpare(memoryMb: number): void {
  spare = { memoryMb, module: factory!.newModule(memoryMb) };
}

async function takeModule(memoryMb: number): Promise<CappedModule> {
  const ready = spare;
  spare = undefined;
  if (ready && ready.memoryMb === memoryMb) return ready.module;
  return factory!.newModule(memoryMb);
}

async function execute(exec: ExecMessage): Promise<void> {
  const module = await takeModule(exec.limits.memoryMb);
  const result = await runExecution({
    exec,
    module,
    memoryExhausted: module.memoryExhausted,
    shared,
    onGuestDone: () => post({ type: 'guest-done', execId: exec.id }),
    hostCall: (callId, op, args) =>
      new Promise<HostReplyMessage>((resolve) => {
        replies.set(callId, resolve);
        post({ type: 'call', execId: exec.id, callId, op, args });
      }),
  });
  replies.clear();
  post(result);
  prepareSpare(exec.limits.memoryMb);
}

port.on('message', (msg: MainToWorker) => {
  if (msg.type === 'reply') {
    const resolve = replies.get(msg.callId);
    replies.delete(msg.callId);
    resolve?.(msg);
  } else if (msg.type === 'exec') {
    execute(msg).catch((err: Error) => {
      // A bug in the engine, not in the guest: report it as a runtime error and keep the worker usable.
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
      });
      prepareSpare(msg.limits.memoryMb);
    });
  }
});

void (async () => {
  factory = await ModuleFactory.create(RELEASE_SYNC, releaseWasmPath());
  warmUpTokenizer();
  // V8 compiles WASM functions lazily: one throwaway run compiles the hot paths (kept in the shared
  // compiled module), so the first real execution is as fast as the others.
  await runExecution({
    exec: { type: 'exec', id: 0, code: 'console.log(1); return [await Promise.resolve(1)];', limits: DEFAULT_LIMITS, skills: [], workspace: {}, toolIndex: {}, deadline: Date.now() + 60_000 },
    module: await factory.newModule(DEFAULT_LIMITS.memoryMb),
    hostCall: () => new Promise<never>(() => undefined),
  });
  prepareSpare(init.memoryMb ?? DEFAULT_LIMITS.memoryMb);
  await spare!.module;
  post({ type: 'ready' });
})();
