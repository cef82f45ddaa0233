// One execution inside one QuickJS runtime. Runs in the sandbox worker thread (and, for the leak tests,
// in-process under the DEBUG variant). A host call is only queued inside the guest; once the pending jobs
// have run, one call of the prelude's takeCalls() brings out every call they made, and they leave together.
// Replies, with any others that arrived meanwhile, go back in through one call of the prelude's deliver(),
// which settles the guest's promises itself — no QuickJS deferred promise, no host function per call,
// one crossing each way per batch.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { GuestConsole, GuestWorkspace } from './guest-state';
import { classifyError, escapedError, INTERRUPTED, jobLimitError, type ErrorInfo } from './guest-errors';
import { optimizeValue, tokensOf } from './optimizer';
import { GuestContext, type GuestApi, type GuestHost } from './guest-context';
import { wrapUserCode } from './prelude';
import type { CappedModule } from './quickjs';
import { MEMORY_FULL, type ExecMessage, type HostOp, type HostReplyMessage, type SandboxError, type WorkerDone } from './types';

const MB = 1024 * 1024;
const OUT_OF_MEMORY: ErrorInfo = { name: 'InternalError', message: 'out of memory' };
const JOB_BATCH = 512;

export interface EngineOptions {
  exec: ExecMessage;
  /** The module this execution runs in: its linear memory is what the memory cap measures. */
  module: Pick<CappedModule, 'newRuntime' | 'getWasmMemory' | 'runPendingJobs' | 'callWithText'>;
  /** A context of `module` made ahead of time (see guest-context.ts); made here when not given. */
  guest?: GuestContext;
  /**
   * Sends one batch of host calls (the worker: as one message to the main thread): `text` holds one
   * "op argsJson" per line as the guest wrote them (argsJson: the arguments' JSON array), with the call ids
   * `firstCallId`, `firstCallId + 1`, … Their replies come back through `waitForReplies`.
   */
  postCalls?(firstCallId: number, text: string): void;
  /**
   * The in-process way (tests): each host call on its own, its reply through the returned promise, which must
   * never reject. Used when `postCalls` is not given.
   */
  hostCall?(callId: number, op: HostOp, argsJson: string): Promise<HostReplyMessage>;
  /**
   * Blocks until at least one reply has arrived or `timeoutMs` has passed, and returns the replies that
   * arrived (possibly none). The worker waits this way, synchronously: a reply wakes it directly instead
   * of going through its event loop.
   */
  waitForReplies?(timeoutMs: number): HostReplyMessage[];
  /** Shared with the main thread: [0] = WASM memory pages, so a terminated worker's cause can be told. */
  shared?: Int32Array;
  /** True once the linear memory refused to grow (see ModuleFactory.newModule). */
  memoryExhausted?: () => boolean;
  /** Called once the guest is done and only host-side work (optimizer, token counts) remains. */
  onGuestDone?: () => void;
}

export type EngineResult = WorkerDone;


export async function runExecution(options: EngineOptions): Promise<EngineResult> {
  const execution = new Execution(options);
  let result: EngineResult;
  try {
    result = await execution.run();
  } catch (err) {
    execution.release();
    throw err;
  }
  const releaseError = execution.release();
  if (releaseError) result.retire = `the QuickJS runtime could not be freed: ${releaseError}`;
  return result;
}

class Execution {
  private readonly exec: ExecMessage;
  private readonly limits: ExecMessage['limits'];
  private readonly capBytes: number;
  private readonly memory: WebAssembly.Memory;
  private readonly console: GuestConsole;
  private readonly workspace: GuestWorkspace;
  private readonly guest: GuestContext;
  private readonly rt: QuickJSRuntime;
  private readonly vm: QuickJSContext;
  private readonly api: GuestApi;
  private readonly owned: QuickJSHandle[] = [];
  /** Host calls sent and not yet answered: call id → operation. */
  private readonly pending = new Map<number, HostOp>();
  /** Replies that came back through hostCall's promise (the in-process path), not yet delivered. */
  private readonly arrived: HostReplyMessage[] = [];
  private wake: (() => void) | undefined;
  private callSeq = 0;
  private jobs = 0;
  /** Tool results not yet counted: counted at the end, so counting never delays the guest's next step. */
  private readonly uncounted: string[] = [];
  private stop: SandboxError | undefined;
  private interruptedBy: 'timeout' | 'memory' | undefined;
  /** Set by the prelude once the user's code has settled. */
  private settled = false;
  private guestDoneSent = false;
  private finished = false;

  constructor(private readonly options: EngineOptions) {
    this.exec = options.exec;
    this.limits = options.exec.limits;
    this.capBytes = this.limits.memoryMb * MB;
    this.memory = options.module.getWasmMemory();
    this.console = new GuestConsole(this.limits.maxLogBytes);
    this.workspace = new GuestWorkspace(this.exec.workspace, this.limits);
    this.guest = (options.guest ?? new GuestContext(options.module)).take(this.guestHost());
    this.rt = this.guest.rt;
    this.vm = this.guest.vm;
    this.api = this.guest.api;
  }

  async run(): Promise<EngineResult> {
    this.armLimits();
    const vm = this.vm;
    const api = this.api;
    const installed = this.options.module.callWithText(vm, api.installTools, JSON.stringify(this.exec.toolIndex), false);
    if (installed.outOfMemory) return this.failure(this.classify(OUT_OF_MEMORY));
    if (installed.error) return this.failure(this.classify(this.describe(installed.error)));
    const skillError = this.loadSkills(vm, api);
    if (skillError) return this.failure(skillError);
    const started = vm.evalCode(wrapUserCode(this.exec.code), 'code.mcp.js');
    if (started.error) return this.failure(this.classify(this.describe(started.error)));
    const resultPromise = this.own(started.value);
    this.callGuest(api.watch, resultPromise);
    return this.loop(vm, resultPromise);
  }

  /** Frees every handle, the context and the runtime; returns what failed when QuickJS could not free them. */
  release(): string | undefined {
    this.finished = true;
    try {
      for (const h of this.owned.reverse()) if (h.alive) h.dispose();
    } catch (err) {
      // A WASM abort while freeing (an assertion inside QuickJS): the module is dead from here on.
      return (err as Error)?.message ?? String(err);
    }
    return this.guest.dispose();
  }

  /** What the guest API's host functions do for this execution. */
  private guestHost(): GuestHost {
    return {
      settled: () => {
        this.settled = true;
      },
      log: (level, text) => {
        this.console.add(level, text);
        return this.console.dropped;
      },
      wsGet: (key) => this.workspace.get(key),
      wsSet: (key, text) => this.workspace.set(key, text),
      wsDelete: (key) => this.workspace.delete(key),
      wsKeys: () => this.workspace.keys(),
    };
  }

  private armLimits(): void {
    this.rt.setMemoryLimit(this.capBytes);
    this.rt.setMaxStackSize(this.limits.stackKb * 1024);
    this.rt.setInterruptHandler(() => {
      if (this.stop) return true;
      if (this.memoryBytes() >= this.capBytes * MEMORY_FULL || this.options.memoryExhausted?.()) {
        this.interruptedBy ??= 'memory';
        return true;
      }
      if (Date.now() >= this.exec.deadline) {
        this.interruptedBy ??= 'timeout';
        return true;
      }
      return false;
    });
  }

  private async loop(vm: QuickJSContext, resultPromise: QuickJSHandle): Promise<EngineResult> {
    for (;;) {
      if (this.stop) return this.failure(this.stop);
      if (this.interruptedBy) return this.failure(this.classify(INTERRUPTED));
      if (Date.now() >= this.exec.deadline) {
        this.interruptedBy = 'timeout';
        continue;
      }
      if (this.settled) {
        // Calls the code made without awaiting them still go out, as they would have from an async function.
        this.sendCalls();
        return this.result(vm, resultPromise);
      }
      const ran = this.runJobs();
      // 'ran' = a full batch ran and more may be queued; 'drained' = the queue was emptied.
      if (ran === 'ran') continue;
      if (ran !== 'idle' && ran !== 'drained') return this.failure(ran);
      if (ran === 'drained' && (this.stop || this.interruptedBy || this.settled)) continue;
      this.sendCalls();
      if (this.stop) continue;
      if (this.arrived.length) {
        this.deliver(this.arrived.splice(0));
        continue;
      }
      if (this.pending.size === 0) {
        return this.failure({
          kind: 'timeout',
          message: 'The code awaits a promise that nothing can settle (no tool call or job is pending), so it was stopped; check for a missing resolve() or an un-awaited call.',
        });
      }
      if (this.options.waitForReplies) {
        // The worker's way: it blocks for the replies itself, so the loop goes on without a turn of the event loop.
        this.deliver(this.options.waitForReplies(Math.max(0, this.exec.deadline - Date.now())));
        continue;
      }
      await this.waitForArrivals();
    }
  }

  /**
   * Runs a batch of pending jobs: 'ran' when a full batch ran (more may be queued), 'drained' when fewer ran
   * (the queue is empty: nothing queues a job until the engine calls into the guest again), 'idle' when
   * there were none, or why the run must end.
   */
  private runJobs(): 'ran' | 'drained' | 'idle' | SandboxError {
    if (!this.rt.hasPendingJob()) return 'idle';
    const batch = this.options.module.runPendingJobs(this.rt, JOB_BATCH);
    if (batch.error !== undefined) {
      // An error escaping a job (not a rejection): only interrupts and fatal errors (out of memory,
      // stack overflow) get here, and only as text.
      return this.interruptedBy ? this.classify(INTERRUPTED) : this.classify(escapedError(batch.error));
    }
    if (batch.executed === 0) return 'idle';
    this.jobs += batch.executed;
    if (this.jobs > this.limits.maxPendingJobs) this.stop = jobLimitError(this.limits.maxPendingJobs);
    return batch.executed < JOB_BATCH ? 'drained' : 'ran';
  }

  /** Waits for a reply to come back through hostCall's promise, or for the deadline. */
  private async waitForArrivals(): Promise<void> {
    const remaining = Math.max(0, this.exec.deadline - Date.now());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, remaining);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  /** Takes the calls the guest queued since the last time, and sends them. */
  private sendCalls(): void {
    const r = this.options.module.callWithText(this.vm, this.api.takeCalls, undefined, true);
    if (r.error) {
      this.stop ??= this.classify(this.describe(r.error));
      return;
    }
    const text = r.outOfMemory ? undefined : r.text;
    if (text === undefined) {
      // The queue could not be read out (QuickJS ran out of memory making the C string).
      this.stop ??= this.classify(OUT_OF_MEMORY);
      return;
    }
    if (text === '') return;
    const firstCallId = this.callSeq + 1;
    const post = this.options.postCalls;
    let start = 0;
    while (start < text.length) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      const space = text.indexOf(' ', start);
      const op = text.slice(start, space) as HostOp;
      const callId = ++this.callSeq;
      this.pending.set(callId, op);
      if (!post) this.hostCall(callId, op, text.slice(space + 1, end));
      start = end + 1;
    }
    // The batch leaves as the guest wrote it.
    post?.(firstCallId, text);
  }

  private hostCall(callId: number, op: HostOp, argsJson: string): void {
    const reply = this.options.hostCall!(callId, op, argsJson);
    void reply.then((r) => {
      if (this.finished) return;
      this.arrived.push(r);
      this.wake?.();
    });
  }

  /**
   * A reply's bookkeeping: true when it answers a call still waiting and is to be handed to the guest, false when
   * it answers none (a late reply) or ends the run (a fatal one).
   */
  private accept(reply: HostReplyMessage): boolean {
    const op = this.pending.get(reply.callId);
    if (op === undefined) return false;
    this.pending.delete(reply.callId);
    // Counted off the main thread: the tool result exactly as it flowed into the sandbox.
    if (op === 'call' && reply.json) this.uncounted.push(reply.json);
    if (!reply.fatal) return true;
    this.stop ??= reply.fatal;
    return false;
  }

  /** Hands replies to the guest in one call of the prelude's deliver(): "[[callId,value],[callId,0,error],…]". */
  private deliver(replies: HostReplyMessage[]): void {
    if (replies.length === 1) {
      // The usual case: the same text, written straight into the guest's memory around the reply's JSON.
      const reply = replies[0];
      if (!this.accept(reply) || this.stop) return;
      if (reply.error) this.deliverText(JSON.stringify(reply.error), `[[${reply.callId},0,`, ']]');
      else this.deliverText(reply.json ?? 'null', `[[${reply.callId},`, ']]');
      return;
    }
    const items: string[] = [];
    for (const reply of replies) {
      if (this.accept(reply)) items.push(reply.error ? `[${reply.callId},0,${JSON.stringify(reply.error)}]` : `[${reply.callId},${reply.json ?? 'null'}]`);
    }
    if (!items.length || this.stop) return;
    this.deliverText(`[${items.join(',')}]`);
  }

  private deliverText(text: string, prefix = '', suffix = ''): void {
    const r = this.options.module.callWithText(this.vm, this.api.deliver, text, false, prefix, suffix);
    // The replies could not be copied in, or reading them failed inside the guest (out of memory, the
    // deadline): the run cannot go on.
    if (r.outOfMemory) this.stop ??= this.classify(OUT_OF_MEMORY);
    else if (r.error) this.stop ??= this.classify(this.describe(r.error));
  }

  private result(vm: QuickJSContext, resultPromise: QuickJSHandle): EngineResult {
    const state = vm.getPromiseState(resultPromise);
    if (state.type === 'rejected') return this.failure(this.classify(this.describe(state.error)));
    if (state.type === 'pending') return this.failure(this.classify({ name: 'Error', message: 'the code never finished' }));
    const maxDepth = vm.newNumber(this.limits.maxResultDepth);
    const r = vm.callFunction(this.api.serialize, vm.undefined, state.value, maxDepth);
    maxDepth.dispose();
    if (state.value !== resultPromise) state.value.dispose();
    if (r.error) return this.failure(this.classify(this.describe(r.error), 'Reading the returned value failed: '));
    const text = vm.getString(r.value);
    r.value.dispose();
    if (text.startsWith('!depth:')) {
      return this.failure({ kind: 'output_too_large', message: text.slice(7), limit: { name: 'maxResultDepth', value: this.limits.maxResultDepth } });
    }
    this.guestDone();
    if (text === '') return this.finish({ ok: true, tokensReturned: this.logTokens(), optimized: false });
    const optimized = optimizeValue(JSON.parse(text), this.limits.resultTokenBudget);
    const bytes = Buffer.byteLength(optimized.json);
    if (bytes > this.limits.maxOutputBytes) {
      return this.failure({
        kind: 'output_too_large',
        message: `The returned value is ${bytes} bytes even after summarising, over the limit of ${this.limits.maxOutputBytes}; return a smaller summary.`,
        limit: { name: 'maxOutputBytes', value: this.limits.maxOutputBytes },
      });
    }
    return this.finish({ ok: true, json: optimized.json, tokensReturned: optimized.tokens + this.logTokens(), optimized: optimized.optimized });
  }

  private loadSkills(vm: QuickJSContext, api: GuestApi): SandboxError | undefined {
    for (const skill of this.exec.skills) {
      const r = vm.evalCode(skill.source, `skills/${skill.name}.js`, { type: 'module' });
      if (r.error) return this.classify(this.describe(r.error), `Skill '${skill.name}' (${skill.file ?? skill.name + '.js'}) failed to load: `);
      let ns = r.value;
      const state = vm.getPromiseState(ns);
      if (state.type !== 'fulfilled' || !state.notAPromise) {
        this.drainJobs();
        const settled = vm.getPromiseState(ns);
        ns.dispose();
        if (settled.type === 'rejected') return this.classify(this.describe(settled.error), `Skill '${skill.name}' failed to load: `);
        if (settled.type === 'pending') return this.stop ?? this.classify({ name: 'Error', message: 'module never finished evaluating' }, `Skill '${skill.name}' failed to load: `);
        ns = settled.value;
      } else if (state.value !== ns) {
        state.value.dispose();
      }
      vm.setProp(api.skills, skill.name, ns);
      ns.dispose();
    }
    vm.evalCode('Object.freeze(skills)').dispose();
    return undefined;
  }

  /** Runs queued jobs until none are left; bounded by the job limit and the deadline. */
  private drainJobs(): void {
    while (!this.stop && !this.interruptedBy && this.runJobs() === 'ran');
  }

  private callGuest(fn: QuickJSHandle, arg: QuickJSHandle): void {
    const r = this.vm.callFunction(fn, this.vm.undefined, arg);
    if (r.error) this.stop ??= this.classify(this.describe(r.error));
    else r.value.dispose();
  }

  /** Reads an error's name/message/decision through the prelude's describeError, never trusting it; frees the handle. */
  private describe(errorH: QuickJSHandle): ErrorInfo {
    if (this.interruptedBy || this.stop) {
      errorH.dispose();
      return INTERRUPTED;
    }
    const r = this.vm.callFunction(this.api.describeError, this.vm.undefined, errorH);
    errorH.dispose();
    if (r.error) {
      r.error.dispose();
      return { name: 'Error', message: 'the code threw a value that could not be read' };
    }
    const text = this.vm.getString(r.value);
    r.value.dispose();
    return JSON.parse(text) as ErrorInfo;
  }

  private classify(info: ErrorInfo, where = ''): SandboxError {
    if (this.stop) return this.stop;
    const memoryFull = (): boolean => Boolean(this.options.memoryExhausted?.()) || this.memoryBytes() >= this.capBytes * 0.9;
    return classifyError(info, { limits: this.limits, interruptedBy: this.interruptedBy, memoryFull, code: this.exec.code }, where);
  }

  private memoryBytes(): number {
    const bytes = this.memory.buffer.byteLength;
    if (this.options.shared) Atomics.store(this.options.shared, 0, bytes / 65536);
    return bytes;
  }

  private logTokens(): number {
    return this.console.logs.reduce((n, l) => n + tokensOf(l.text), 0);
  }

  /** Tells the host the guest is done: the deadline no longer applies to the summarising and counting left. */
  private guestDone(): void {
    if (this.guestDoneSent) return;
    this.guestDoneSent = true;
    this.options.onGuestDone?.();
  }

  private finish(result: Pick<EngineResult, 'ok' | 'json' | 'error' | 'tokensReturned' | 'optimized'>): EngineResult {
    this.guestDone();
    let tokensRaw = 0;
    for (const text of this.uncounted) tokensRaw += tokensOf(text);
    return {
      type: 'done',
      execId: this.exec.id,
      logs: this.console.logs,
      heapBytes: this.memoryBytes(),
      workspace: this.workspace.snapshot(),
      tokensRaw,
      ...result,
    };
  }

  private failure(error: SandboxError): EngineResult {
    this.guestDone();
    return this.finish({ ok: false, error, tokensReturned: this.logTokens(), optimized: false });
  }

  /** A handle freed with the execution. */
  private own<T extends QuickJSHandle>(h: T): T {
    this.owned.push(h);
    return h;
  }
}
