// One execution inside one fresh QuickJS module. Runs in the sandbox worker thread (and, for the leak
// tests, in-process under the DEBUG variant). The bridge is promise based: a host function returns a
// QuickJS promise, the worker resolves it when the main thread replies, then runs the pending jobs.
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { CappedModule } from './quickjs';
import { memoryError, timeoutError } from './limits';
import { optimizeValue, tokensOf } from './optimizer';
import { GUEST_PRELUDE, wrapUserCode } from './prelude';
import { sanitizeText } from './sanitize';
import { MEMORY_FULL, type ExecMessage, type HostOp, type HostReplyMessage, type LogEntry, type SandboxError, type WorkerDone } from './types';

const MB = 1024 * 1024;
const LOG_ENTRY_CHARS = 4000;
const ERROR_MESSAGE_CHARS = 2000;
const JOB_BATCH = 512;


export interface EngineOptions {
  exec: ExecMessage;
  /** A module used for this execution only: its linear memory is what the memory cap measures. */
  module: Pick<CappedModule, 'newRuntime' | 'getWasmMemory' | 'runPendingJobs'>;
  /**
   * Sends a host call to the main thread. Its reply comes back through `waitForReplies` when that is
   * given, else through the returned promise, which must never reject.
   */
  hostCall(callId: number, op: HostOp, args: unknown[]): Promise<HostReplyMessage> | void;
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

type LogLevel = LogEntry['level'];

export async function runExecution(options: EngineOptions): Promise<EngineResult> {
  let releaseError: unknown;
  const result = await execute(options, (free) => {
    try {
      free();
    } catch (err) {
      // A WASM abort while freeing (an assertion inside QuickJS): the module is dead from here on.
      releaseError = err;
    }
  });
  if (releaseError !== undefined) result.retire = `the QuickJS runtime could not be freed: ${(releaseError as Error)?.message ?? String(releaseError)}`;
  return result;
}

async function execute(options: EngineOptions, release: (free: () => void) => void): Promise<EngineResult> {
  const { exec } = options;
  const limits = exec.limits;
  const capBytes = limits.memoryMb * MB;
  const memory = options.module.getWasmMemory();
  const logs: LogEntry[] = [];
  let logBytes = 0;
  let logsDropped = false;
  const workspace = new Map(Object.entries(exec.workspace));
  let workspaceBytes = [...workspace].reduce((n, [k, v]) => n + k.length + v.length, 0);
  const pending = new Map<number, { deferred: QuickJSDeferredPromise; op: HostOp }>();
  let tokensRaw = 0;
  // Tool results not yet counted: counted while the guest waits for its next reply, or at the end,
  // so counting never delays the guest's next step.
  const uncounted: string[] = [];
  const countPending = (): void => {
    for (let text = uncounted.pop(); text !== undefined; text = uncounted.pop()) tokensRaw += tokensOf(text);
  };
  let callSeq = 0;
  let stop: SandboxError | undefined;
  let interruptedBy: 'timeout' | 'memory' | undefined;
  let finished = false;
  let wake: (() => void) | undefined;

  const memoryBytes = (): number => {
    const bytes = memory.buffer.byteLength;
    if (options.shared) Atomics.store(options.shared, 0, bytes / 65536);
    return bytes;
  };

  const addLog = (level: LogLevel, text: string): void => {
    if (logsDropped) return;
    const clean = sanitizeText(text, LOG_ENTRY_CHARS);
    if (logBytes + clean.length > limits.maxLogBytes) {
      logsDropped = true;
      logs.push({ level: 'warn', text: `[further console output dropped: more than ${limits.maxLogBytes} bytes (limit maxLogBytes)]` });
      return;
    }
    logBytes += clean.length;
    logs.push({ level, text: clean });
  };

  const rt: QuickJSRuntime = options.module.newRuntime();
  let ctx: QuickJSContext | undefined;
  const owned: QuickJSHandle[] = [];
  const own = <T extends QuickJSHandle>(h: T): T => {
    owned.push(h);
    return h;
  };

  const finish = (result: Omit<EngineResult, 'type' | 'execId' | 'logs' | 'heapBytes' | 'workspace' | 'tokensRaw'>): EngineResult => {
    countPending();
    return {
      type: 'done',
      execId: exec.id,
      logs,
      heapBytes: memoryBytes(),
      workspace: Object.fromEntries(workspace),
      tokensRaw,
      ...result,
    };
  };

  const failure = (error: SandboxError): EngineResult => {
    const logTokens = logs.reduce((n, l) => n + tokensOf(l.text), 0);
    return finish({ ok: false, error, tokensReturned: logTokens, optimized: false });
  };

  try {
    rt.setMemoryLimit(capBytes);
    rt.setMaxStackSize(limits.stackKb * 1024);
    rt.setInterruptHandler(() => {
      if (stop) return true;
      if (memoryBytes() >= capBytes * MEMORY_FULL || options.memoryExhausted?.()) {
        interruptedBy ??= 'memory';
        return true;
      }
      if (Date.now() >= exec.deadline) {
        interruptedBy ??= 'timeout';
        return true;
      }
      return false;
    });
    ctx = rt.newContext();
    const vm = ctx;

    const host = own(vm.newObject());
    const defineHostFn = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined): void => {
      const h = vm.newFunction(name, fn);
      vm.setProp(host, name, h);
      h.dispose();
    };
    defineHostFn('call', (opH, argsH) => {
      const op = vm.getString(opH) as HostOp;
      const args = JSON.parse(vm.getString(argsH)) as unknown[];
      const deferred = vm.newPromise();
      const callId = ++callSeq;
      pending.set(callId, { deferred, op });
      const reply = options.hostCall(callId, op, args);
      if (reply) void reply.then((r) => deliver(callId, r));
      return deferred.handle;
    });
    defineHostFn('log', (levelH, textH) => {
      const level = vm.getString(levelH) as LogLevel;
      addLog(['log', 'info', 'warn', 'error'].includes(level) ? level : 'log', vm.getString(textH));
      return logsDropped ? vm.true : undefined;
    });
    defineHostFn('wsGet', (keyH) => {
      const text = workspace.get(vm.getString(keyH));
      return text === undefined ? undefined : vm.newString(text);
    });
    defineHostFn('wsSet', (keyH, textH) => {
      const key = vm.getString(keyH);
      const text = vm.getString(textH);
      const before = workspace.has(key) ? key.length + workspace.get(key)!.length : 0;
      const after = workspaceBytes - before + key.length + text.length;
      if (after > limits.maxWorkspaceBytes) {
        return vm.newString(
          `workspace.set('${sanitizeText(key, 80)}') would make the session workspace ${after} bytes, over its limit of ${limits.maxWorkspaceBytes}; store less or delete keys with workspace.delete(key).`,
        );
      }
      workspace.set(key, text);
      workspaceBytes = after;
      return undefined;
    });
    defineHostFn('wsDelete', (keyH) => {
      const key = vm.getString(keyH);
      const text = workspace.get(key);
      if (text === undefined) return vm.false;
      workspace.delete(key);
      workspaceBytes -= key.length + text.length;
      return vm.true;
    });
    defineHostFn('wsKeys', () => vm.newString(JSON.stringify([...workspace.keys()])));

    function deliver(callId: number, reply: HostReplyMessage): void {
      const entry = pending.get(callId);
      pending.delete(callId);
      if (finished || !entry) return;
      const { deferred } = entry;
      // Counted off the main thread: the tool result exactly as it flowed into the sandbox.
      if (entry.op === 'call' && reply.json) uncounted.push(reply.json);
      if (reply.fatal) stop ??= reply.fatal;
      else {
        const envelope = reply.error ? JSON.stringify({ ok: false, error: reply.error }) : `{"ok":true,"value":${reply.json ?? 'null'}}`;
        const text = vm.newString(envelope);
        deferred.resolve(text);
        text.dispose();
      }
      deferred.dispose();
      wake?.();
    }

    // ---- the guest API ----
    const preludeResult = vm.evalCode(GUEST_PRELUDE, 'mcp-harness-prelude.js');
    if (preludeResult.error) {
      const detail = vm.dump(preludeResult.error);
      preludeResult.error.dispose();
      if (interruptedBy) return failure({ kind: interruptedBy, message: `The sandbox could not start within its ${interruptedBy === 'memory' ? `${limits.memoryMb} MB of memory` : `${limits.timeoutMs} ms deadline`}.` });
      throw new Error(`the sandbox prelude failed to evaluate: ${JSON.stringify(detail)}`);
    }
    const preludeFn = own(preludeResult.value);
    const toolIndexH = own(vm.newString(JSON.stringify(exec.toolIndex)));
    const apiResult = vm.callFunction(preludeFn, vm.undefined, host, toolIndexH);
    if (apiResult.error) {
      apiResult.error.dispose();
      throw new Error('the sandbox prelude failed to start');
    }
    const api = own(apiResult.value);
    const serializeFn = own(vm.getProp(api, 'serialize'));
    const describeErrorFn = own(vm.getProp(api, 'describeError'));
    const skillsObj = own(vm.getProp(api, 'skills'));

    const describe = (errorH: QuickJSHandle): { name: string; message: string; stack?: string; decision?: string; reasons?: string[] } => {
      if (interruptedBy || stop) return { name: 'InternalError', message: 'interrupted' };
      const r = vm.callFunction(describeErrorFn, vm.undefined, errorH);
      if (r.error) {
        r.error.dispose();
        return { name: 'Error', message: 'the code threw a value that could not be read' };
      }
      const text = vm.getString(r.value);
      r.value.dispose();
      return JSON.parse(text);
    };

    const classify = (info: { name: string; message: string; stack?: string; decision?: string; reasons?: string[] }, where = ''): SandboxError => {
      if (stop) return stop;
      // Out of memory, QuickJS may be unable to build an error object and throws null instead.
      const unreadable = info.message === 'Uncaught null' || info.message === 'the code threw a value that could not be read';
      if (
        interruptedBy === 'memory' ||
        (/out of memory|string too long/i.test(info.message) && info.name === 'InternalError') ||
        (unreadable && (options.memoryExhausted?.() || memoryBytes() >= capBytes * 0.9))
      ) {
        return memoryError(limits.memoryMb);
      }
      if (interruptedBy === 'timeout') {
        return timeoutError(limits.timeoutMs);
      }
      if (/stack overflow|call stack size exceeded/i.test(info.message)) {
        return { kind: 'stack', message: `The code overflowed its ${limits.stackKb} KB stack (too deep recursion).`, limit: { name: 'stackKb', value: limits.stackKb } };
      }
      const message = sanitizeText(`${where}${info.name}: ${info.message}${firstFrame(info.stack)}`, ERROR_MESSAGE_CHARS);
      if (info.name === 'ToolDeniedError') {
        return { kind: 'denied', message, decision: info.decision, reasons: (info.reasons ?? []).map((r) => sanitizeText(r, 500)) };
      }
      return { kind: 'runtime', message };
    };

    const drainJobs = (): void => {
      // Runs queued jobs until none are left; bounded by the job limit and the deadline.
      let jobs = 0;
      while (rt.hasPendingJob() && !stop && !interruptedBy) {
        const r = options.module.runPendingJobs(rt, JOB_BATCH);
        jobs += r.executed;
        if (jobs > limits.maxPendingJobs) stop = jobLimitError(limits.maxPendingJobs);
      }
    };

    // ---- skills ----
    for (const skill of exec.skills) {
      const r = vm.evalCode(skill.source, `skills/${skill.name}.js`, { type: 'module' });
      if (r.error) {
        const info = describe(r.error);
        r.error.dispose();
        return failure(classify(info, `Skill '${skill.name}' (${skill.file ?? skill.name + '.js'}) failed to load: `));
      }
      let ns = r.value;
      const state = vm.getPromiseState(ns);
      if (state.type !== 'fulfilled' || !state.notAPromise) {
        drainJobs();
        const settled = vm.getPromiseState(ns);
        ns.dispose();
        if (settled.type === 'rejected') {
          const info = describe(settled.error);
          settled.error.dispose();
          return failure(classify(info, `Skill '${skill.name}' failed to load: `));
        }
        if (settled.type === 'pending') return failure(stop ?? classify({ name: 'Error', message: 'module never finished evaluating' }, `Skill '${skill.name}' failed to load: `));
        ns = settled.value;
      } else if (state.value !== ns) {
        state.value.dispose();
      }
      vm.setProp(skillsObj, skill.name, ns);
      ns.dispose();
    }
    vm.evalCode('Object.freeze(skills)').dispose();

    // ---- the user's code ----
    const started = vm.evalCode(wrapUserCode(exec.code), 'code.mcp.js');
    if (started.error) {
      const info = describe(started.error);
      started.error.dispose();
      return failure(classify(info));
    }
    const resultPromise = own(started.value);

    let jobs = 0;
    for (;;) {
      if (stop) return failure(stop);
      if (interruptedBy) return failure(classify({ name: 'InternalError', message: 'interrupted' }));
      if (Date.now() >= exec.deadline) {
        interruptedBy = 'timeout';
        continue;
      }
      const state = vm.getPromiseState(resultPromise);
      if (state.type === 'rejected') {
        const info = describe(state.error);
        state.error.dispose();
        return failure(classify(info));
      }
      if (state.type === 'fulfilled') {
        const valueH = state.value;
        const maxDepthH = vm.newNumber(limits.maxResultDepth);
        const r = vm.callFunction(serializeFn, vm.undefined, valueH, maxDepthH);
        maxDepthH.dispose();
        if (valueH !== resultPromise) valueH.dispose();
        if (r.error) {
          const info = describe(r.error);
          r.error.dispose();
          return failure(classify(info, 'Reading the returned value failed: '));
        }
        const text = vm.getString(r.value);
        r.value.dispose();
        if (text.startsWith('!depth:')) {
          return failure({ kind: 'output_too_large', message: text.slice(7), limit: { name: 'maxResultDepth', value: limits.maxResultDepth } });
        }
        if (text === '') {
          const tokensReturned = logs.reduce((n, l) => n + tokensOf(l.text), 0);
          return finish({ ok: true, tokensReturned, optimized: false });
        }
        options.onGuestDone?.();
        const optimized = optimizeValue(JSON.parse(text), limits.resultTokenBudget);
        const bytes = Buffer.byteLength(optimized.json);
        if (bytes > limits.maxOutputBytes) {
          return failure({
            kind: 'output_too_large',
            message: `The returned value is ${bytes} bytes even after summarising, over the limit of ${limits.maxOutputBytes}; return a smaller summary.`,
            limit: { name: 'maxOutputBytes', value: limits.maxOutputBytes },
          });
        }
        const tokensReturned = optimized.tokens + logs.reduce((n, l) => n + tokensOf(l.text), 0);
        return finish({ ok: true, json: optimized.json, tokensReturned, optimized: optimized.optimized });
      }
      if (rt.hasPendingJob()) {
        const r = options.module.runPendingJobs(rt, JOB_BATCH);
        if (r.error !== undefined) {
          // An error escaping a job (not a rejection): only interrupts and fatal errors (out of memory,
          // stack overflow) get here, and only as text.
          if (!interruptedBy) return failure(classify(escapedError(r.error)));
        } else {
          jobs += r.executed;
          if (jobs > limits.maxPendingJobs) stop = jobLimitError(limits.maxPendingJobs);
        }
        continue;
      }
      if (pending.size > 0) {
        countPending();
        if (options.waitForReplies) {
          for (const reply of options.waitForReplies(Math.max(0, exec.deadline - Date.now()))) deliver(reply.callId, reply);
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, exec.deadline - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      return failure({
        kind: 'timeout',
        message: 'The code awaits a promise that nothing can settle (no tool call or job is pending), so it was stopped; check for a missing resolve() or an un-awaited call.',
      });
    }
  } finally {
    finished = true;
    release(() => {
      for (const { deferred } of pending.values()) if (deferred.alive) deferred.dispose();
      pending.clear();
      for (const h of owned.reverse()) if (h.alive) h.dispose();
      ctx?.dispose();
      rt.dispose();
    });
  }
}

function jobLimitError(max: number): SandboxError {
  return { kind: 'timeout', message: `The code ran more than ${max} promise jobs without finishing and was stopped (a microtask flood).`, limit: { name: 'maxPendingJobs', value: max } };
}

/** An exception that escaped a job, as QuickJS printed it ("InternalError: out of memory", "null"). */
function escapedError(text: string): { name: string; message: string } {
  const match = /^(\w*Error): (.*)$/s.exec(text);
  return match ? { name: match[1], message: match[2] } : { name: 'Error', message: `Uncaught ${text}` };
}

function firstFrame(stack: string | undefined): string {
  if (!stack) return '';
  const frame = stack.split('\n').map((l) => l.trim()).find((l) => l.startsWith('at ') && l.includes('code.mcp.js'));
  return frame ? ` (${frame.replace(/^at\s+/, 'at ')})` : '';
}
