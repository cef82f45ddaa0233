// Runs the pending jobs (promise reactions) of a QuickJS runtime — without QuickJSRuntime.executePendingJobs.
//
// quickjs-emscripten 0.32.0 reads that call's "context of the last job" out-parameter through a typed
// array it made before the call. Jobs that allocate can grow the WASM memory, which detaches that array:
// the read gives undefined, and the library then wraps a brand-new QuickJS context (QTS_NewContext) to
// read the result with. Nothing ever frees that context, so freeing the runtime later aborts the whole
// module on assert(list_empty(&rt->gc_obj_list)) in JS_FreeRuntime — seen as a microtask flood ending in
// "Aborted(...)" instead of a clean timeout (upstream: quickjs-emscripten issues #235 and #269).
// This makes the same FFI call and reads the out-parameter after it, through a fresh view.
import type {
  JSContextPointer,
  JSContextPointerPointer,
  JSRuntimePointer,
  JSValuePointer,
  OwnedHeapCharPointer,
  JSBorrowedCharPointer,
  QuickJSEmscriptenModule,
} from 'quickjs-emscripten-core';
import { OwnerCells } from './cells';

/** The FFI calls the job runner makes; both the release and the debug builds' FFI classes have them. */
export interface JobFFI {
  QTS_NewRuntime: () => JSRuntimePointer;
  QTS_FreeRuntime: (rt: JSRuntimePointer) => void;
  QTS_ExecutePendingJob: (rt: JSRuntimePointer, maxJobsToExecute: number, lastJobContext: JSContextPointerPointer) => JSValuePointer;
  QTS_Typeof: (ctx: JSContextPointer, value: JSValuePointer) => OwnedHeapCharPointer;
  QTS_GetFloat64: (ctx: JSContextPointer, value: JSValuePointer) => number;
  QTS_GetString: (ctx: JSContextPointer, value: JSValuePointer) => JSBorrowedCharPointer;
  QTS_FreeCString: (ctx: JSContextPointer, str: JSBorrowedCharPointer) => void;
  QTS_FreeValuePointer: (ctx: JSContextPointer, value: JSValuePointer) => void;
  QTS_FreeValuePointerRuntime: (rt: JSRuntimePointer, value: JSValuePointer) => void;
}

// The constructor takes the Emscripten module; a mixin's base must be typed with `any[]` (TypeScript's rule).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FFIClass = new (...args: any[]) => JobFFI;

/** The outcome of one batch: jobs run, or the exception that escaped a job (as its string form). */
export type JobBatch = { executed: number; error?: undefined } | { executed: 0; error: string };

/**
 * The variant's FFI class, extended so the job runner can reach what it needs: the Emscripten module
 * (for a 4-byte out-parameter) and the pointer of each runtime it creates.
 */
export function withJobRunner<T extends FFIClass>(Base: T) {
  return class JobRunnerFFI extends Base {
    readonly emscripten: QuickJSEmscriptenModule;
    /** The pointer of the runtime created last (each module creates one runtime per execution). */
    lastRuntime: JSRuntimePointer | undefined;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(args[0] as QuickJSEmscriptenModule);
      this.emscripten = args[0] as QuickJSEmscriptenModule;
      const newRuntime = this.QTS_NewRuntime;
      this.QTS_NewRuntime = () => (this.lastRuntime = newRuntime());
      this.cells = new OwnerCells(this.emscripten);
      const freeRuntime = this.QTS_FreeRuntime;
      this.QTS_FreeRuntime = (rt: JSRuntimePointer) => {
        this.cells.release(rt);
        freeRuntime(rt);
      };
    }

    /** Per runtime: the out-cell of QTS_ExecutePendingJob, made once and freed with the runtime. */
    private readonly cells: OwnerCells<JSRuntimePointer>;

    /** Runs up to `maxJobs` pending jobs of the runtime `rt`. */
    runPendingJobs(rt: JSRuntimePointer, memory: WebAssembly.Memory, maxJobs: number): JobBatch {
      const em = this.emscripten;
      const cell = this.cells.get(rt);
      // The memory cap refused even 4 bytes: report it as QuickJS reports its own allocation failures.
      if (!cell) return { executed: 0, error: 'InternalError: out of memory' };
      new Int32Array(memory.buffer, cell, 1)[0] = 0;
      const result = this.QTS_ExecutePendingJob(rt, maxJobs, cell as JSContextPointerPointer);
      // A fresh view: the jobs may have grown (and so detached) the memory's previous buffer.
      const heap = new Int32Array(memory.buffer);
      const ctx = heap[cell >> 2] as JSContextPointer;
      if (!ctx) {
        this.QTS_FreeValuePointerRuntime(rt, result);
        return { executed: 0 };
      }
      // The count comes back as a JSValue on the heap. On wasm32 QuickJS NaN-boxes a JSValue into 8 bytes, the tag
      // in the high word: JS_TAG_INT (0) holds the count in the low word, read here without the two FFI calls
      // that typeof and a float read cost. Any other tag (an escaped exception, or a count stored as a double)
      // takes the general path below.
      const tag = heap[(result >> 2) + 1];
      if (tag === 0) {
        const n = heap[result >> 2];
        this.QTS_FreeValuePointer(ctx, result);
        return { executed: n };
      }
      try {
        if (this.typeOf(ctx, result) === 'number') return { executed: this.QTS_GetFloat64(ctx, result) };
        const text = this.QTS_GetString(ctx, result);
        const error = text ? em.UTF8ToString(text) : 'an exception that could not be read';
        if (text) this.QTS_FreeCString(ctx, text);
        return { executed: 0, error };
      } finally {
        this.QTS_FreeValuePointer(ctx, result);
      }
    }

    private typeOf(ctx: JSContextPointer, value: JSValuePointer): string {
      const ptr = this.QTS_Typeof(ctx, value);
      const type = this.emscripten.UTF8ToString(ptr);
      this.emscripten._free(ptr);
      return type;
    }
  };
}

export type JobRunnerFFI = InstanceType<ReturnType<typeof withJobRunner>>;
