// Main-thread API of the code sandbox: `Sandbox` owns one worker thread running QuickJS; `SandboxPool`
// spreads executions over a few. A worker that overruns its deadline (a single uninterruptible
// operation inside WASM) or crashes is terminated and replaced; the caller gets an ExecResult, never a hang.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { nullLogger, type Logger } from '../types';
import { HostBridge } from './host';
import { planReach, sourcesOf } from './reach';
import { buildToolIndex } from '../typings/generate';
import { memoryError, resolveLimits, timeoutError } from './limits';
import {
  callsExecId,
  encodeReply,
  forEachCall,
  MEMORY_FULL,
  type ExecResult,
  type ExecuteOptions,
  type SandboxError,
  type SandboxLimits,
  type WorkerDone,
  type WorkerToMain,
} from './types';

export { resolveLimits } from './limits';

/** How long after the deadline the host stops waiting for the worker and terminates it. */
export const TERMINATE_GRACE_MS = 250;
/** Time the worker gets, once the guest is done, to summarise and count the result. */
export const POSTPROCESS_MS = 10_000;

interface WorkerSource {
  file: string;
  eval: boolean;
}

function workerSource(explicit?: string): WorkerSource {
  if (explicit) return { file: explicit, eval: false };
  const bundled = join(__dirname, 'sandbox-worker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  // Running from the TypeScript sources (unit tests): load the worker through tsx.
  const source = join(__dirname, 'worker.ts');
  const tsx = createRequire(source).resolve('tsx/cjs');
  return { file: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
}

export interface SandboxOptions {
  /** Path of the built worker (dist/sandbox-worker.js); found next to the bundle by default. */
  workerPath?: string;
  logger?: Logger;
}

interface LiveWorker {
  worker: Worker;
  /** [0] = the worker's WASM memory pages; [1] = replies posted, the counter the worker waits on. */
  shared: Int32Array;
  /** Replies to the guest's host calls: the worker reads them synchronously while it waits. */
  replies: MessagePort;
  ready: Promise<void>;
}

export class Sandbox {
  private live: LiveWorker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private nextExecId = 1;
  private disposed = false;
  private readonly logger: Logger;

  constructor(private readonly options: SandboxOptions = {}) {
    this.logger = options.logger ?? nullLogger;
  }

  /** Executions waiting or running on this sandbox. */
  get load(): number {
    return this.queued;
  }

  /** The worker's thread id (for tests and diagnostics); undefined before start. */
  get threadId(): number | undefined {
    return this.live?.worker.threadId;
  }

  /** Starts the worker and waits until a fresh QuickJS module is ready in it. */
  async start(): Promise<void> {
    await this.spawn().ready;
  }

  private spawn(): LiveWorker {
    if (this.disposed) throw new Error('This sandbox has been disposed; create a new one.');
    if (this.live) return this.live;
    const source = workerSource(this.options.workerPath);
    const sharedBuffer = new SharedArrayBuffer(8);
    const channel = new MessageChannel();
    const worker = new Worker(source.file, {
      eval: source.eval,
      workerData: { shared: sharedBuffer, replies: channel.port2 },
      transferList: [channel.port2],
      // The guest's memory is capped inside WASM; this bounds the worker's own JS heap as a backstop.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: WorkerToMain): void => {
        if (typeof msg !== 'string' && msg.type === 'ready') {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the sandbox worker exited during start (code ${code})`)));
    });
    ready.catch(() => undefined);
    const live: LiveWorker = { worker, shared: new Int32Array(sharedBuffer), replies: channel.port1, ready };
    worker.on('exit', () => {
      if (this.live === live) this.live = undefined;
      channel.port1.close();
    });
    worker.on('error', (err) => this.logger.error(`sandbox worker failed: ${err.message}`));
    // The worker's own output (never the guest's, which is in the result's logs): to the log, not stdout.
    worker.on('message', (msg: WorkerToMain) => {
      if (typeof msg !== 'string' && msg.type === 'log') this.logger.warn(`sandbox worker: ${msg.text}`);
    });
    this.live = live;
    return live;
  }

  private replaceWorker(live: LiveWorker): void {
    if (this.live === live) this.live = undefined;
    void live.worker.terminate();
    // Keep a fresh worker warming up for the next execution.
    if (!this.disposed) this.spawn().ready.catch((err) => this.logger.warn(`sandbox worker restart failed: ${err.message}`));
  }

  /** Runs code; executions on one sandbox run one at a time. Never rejects for guest behaviour. */
  execute(options: ExecuteOptions): Promise<ExecResult> {
    const limits = resolveLimits(options.limits);
    this.queued++;
    const run = this.queue.then(() => this.run(options, limits));
    this.queue = run.catch(() => undefined);
    return run.finally(() => this.queued--);
  }

  private async run(options: ExecuteOptions, limits: SandboxLimits): Promise<ExecResult> {
    const started = performance.now();
    const empty = (error: SandboxError): ExecResult => ({
      ok: false,
      logs: [],
      error,
      metrics: { duration_ms: Math.round(performance.now() - started), tool_calls: 0, tokens_raw: 0, tokens_returned: 0, heap_bytes_peak: 0 },
      childSteps: [],
    });
    if (options.signal?.aborted) return empty({ kind: 'runtime', message: 'The run was cancelled before it started.' });

    let reach;
    try {
      // Only the servers the code names (and running or cached ones) are listed now; see reach.ts.
      reach = await planReach(options.gateway, sourcesOf(options.code, options.skills), options.servers);
    } catch (err) {
      return empty({ kind: 'runtime', message: `The tools could not be listed: ${(err as Error).message}. Check that the servers start (in VS Code the Servers view and "MCP Harness: Show Server Output", in a terminal \`mcp-harness servers\`).` });
    }
    const { catalog } = reach;
    const live = this.spawn();
    try {
      await live.ready;
    } catch (err) {
      this.replaceWorker(live);
      return empty({ kind: 'runtime', message: `The sandbox could not start: ${(err as Error).message}. Check that dist/sandbox-worker.js and its .wasm file exist.` });
    }

    const bridge = new HostBridge(options.gateway, catalog, options.parentStepId, limits, options.signal, reach);
    const execId = this.nextExecId++;
    // duration_ms is the run itself, not starting servers or the worker.
    const runStarted = performance.now();
    const deadline = Date.now() + limits.timeoutMs;

    const done = await new Promise<WorkerDone | SandboxError>((resolve) => {
      const { worker } = live;
      let settled = false;
      const finish = (value: WorkerDone | SandboxError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onMessage = (msg: WorkerToMain): void => {
        if (typeof msg === 'string') {
          if (callsExecId(msg) !== execId) return;
          forEachCall(msg, (callId, op, argsJson) => {
            void bridge.handleJson(op, argsJson).then((reply) => {
              if (settled) return;
              live.replies.postMessage(encodeReply(execId, callId, reply));
              Atomics.add(live.shared, 1, 1);
              Atomics.notify(live.shared, 1);
            });
          });
        } else if (msg.type === 'guest-done' && msg.execId === execId) {
          // The deadline no longer applies: the guest is finished, the worker is only summarising its result.
          clearTimeout(timer);
          timer = setTimeout(() => terminate({ kind: 'runtime', message: 'The sandbox took too long to summarise the result; return a smaller value.' }), POSTPROCESS_MS);
        } else if (msg.type === 'done' && msg.execId === execId) {
          finish(msg);
          if (msg.retire) {
            this.logger.warn(`sandbox worker replaced: ${msg.retire}`);
            this.replaceWorker(live);
          }
        }
      };
      const onExit = (code: number): void => {
        finish({ kind: 'runtime', message: `The sandbox worker stopped unexpectedly (exit code ${code}); the next run gets a new one.` });
      };
      const terminate = (error: SandboxError): void => {
        if (settled) return;
        finish(error);
        this.replaceWorker(live);
      };
      const onAbort = (): void => terminate({ kind: 'runtime', message: 'The run was cancelled.' });
      // The host timer: stops a worker stuck in one uninterruptible operation, or whose deadline passed.
      let timer = setTimeout(() => {
        const bytes = Atomics.load(live.shared, 0) * 65536;
        terminate(
          bytes >= limits.memoryMb * 1024 * 1024 * MEMORY_FULL ? memoryError(limits.memoryMb) : timeoutError(limits.timeoutMs),
        );
      }, deadline - Date.now() + TERMINATE_GRACE_MS);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({
        type: 'exec',
        id: execId,
        code: options.code,
        limits,
        skills: options.skills ?? [],
        workspace: options.workspace?.snapshot() ?? {},
        toolIndex: buildToolIndex(catalog),
        deadline,
      });
    });
    bridge.close();

    const metricsBase = {
      duration_ms: Math.round(performance.now() - runStarted),
      tool_calls: bridge.toolCalls,
    };
    if (!('type' in done)) {
      return { ok: false, logs: [], error: done, metrics: { ...metricsBase, tokens_raw: 0, tokens_returned: 0, heap_bytes_peak: Atomics.load(live.shared, 0) * 65536 }, childSteps: bridge.childSteps };
    }
    options.workspace?.replace(done.workspace);
    const result: ExecResult = {
      ok: done.ok,
      logs: done.logs,
      metrics: { ...metricsBase, tokens_raw: done.tokensRaw, tokens_returned: done.tokensReturned, heap_bytes_peak: done.heapBytes },
      childSteps: bridge.childSteps,
    };
    if (done.json !== undefined) result.value = JSON.parse(done.json);
    if (done.error) result.error = done.error;
    if (done.optimized) result.optimized = true;
    return result;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const live = this.live;
    this.live = undefined;
    if (live) await live.worker.terminate();
  }
}

export interface SandboxPoolOptions extends SandboxOptions {
  /** Worker threads (default 2, at most the number of executions that run at once). */
  size?: number;
}

/** A few sandboxes; each execution goes to the least loaded one. */
export class SandboxPool {
  private readonly sandboxes: Sandbox[];

  constructor(options: SandboxPoolOptions = {}) {
    const size = Math.max(1, Math.min(8, options.size ?? 2));
    this.sandboxes = Array.from({ length: size }, () => new Sandbox(options));
  }

  /** Warms every worker up (optional: execute starts them on demand). */
  async start(): Promise<void> {
    await Promise.all(this.sandboxes.map((s) => s.start()));
  }

  execute(options: ExecuteOptions): Promise<ExecResult> {
    const target = this.sandboxes.reduce((best, s) => (s.load < best.load ? s : best));
    return target.execute(options);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.sandboxes.map((s) => s.dispose()));
  }
}
