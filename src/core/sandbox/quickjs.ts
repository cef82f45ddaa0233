// Makes fresh QuickJS modules: the WASM code is compiled once, and every execution instantiates it
// with its own linear memory whose `maximum` is the memory cap. A grown memory is never reused, and an
// allocation past the cap fails inside WASM (QuickJS throws "out of memory") instead of growing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import {
  Lifetime,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type CustomizeVariantOptions,
  type JSContextPointer,
  type JSRuntimePointer,
  type JSValuePointer,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { withJobRunner, type FFIClass, type JobBatch, type JobRunnerFFI } from './jobs';
import { withTextCalls } from './text-call';
// require(), not import(): the bundler must pick the CommonJS build (the ESM one reads import.meta.url,
// which does not exist in the bundled worker).
import emscriptenModuleLoader = require('@jitl/quickjs-wasmfile-release-sync/emscripten-module');

const PAGE = 65536;
/** QuickJS's emscripten build starts with 16 MB of linear memory. */
export const INITIAL_MEMORY_BYTES = 16 * 1024 * 1024;
/** Name of the release-sync .wasm copied next to the bundles by esbuild.mjs. */
export const BUNDLED_WASM_NAME = 'quickjs-release-sync.wasm';

/** The release sync variant, loaded statically so everything is bundled into the worker. */
export const RELEASE_SYNC: QuickJSSyncVariant = {
  type: 'sync',
  importFFI: async () => QuickJSFFI,
  importModuleLoader: async () => (emscriptenModuleLoader as unknown as { default: QuickJSSyncVariant extends { importModuleLoader: () => Promise<infer L> } ? L : never }).default,
};

/** Where the release-sync .wasm is: next to the bundle when bundled, else in node_modules. */
export function releaseWasmPath(): string {
  const bundled = join(__dirname, BUNDLED_WASM_NAME);
  if (existsSync(bundled)) return bundled;
  // Running from the TypeScript sources: the package's own copy (createRequire keeps bundlers from rewriting it).
  return createRequire(__filename).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
}

export type CappedModule = QuickJSWASMModule & {
  memoryMb: number;
  /** True when the last attempt to grow the linear memory was refused (the cap is reached). */
  memoryExhausted(): boolean;
  /** Runs up to `maxJobs` pending jobs of a runtime this module created (see jobs.ts for why not the library's). */
  runPendingJobs(runtime: QuickJSRuntime, maxJobs: number): JobBatch;
  /**
   * Calls `fn(text)` (`fn()` when text is undefined) in a context this module created, straight through the
   * FFI (see text-call.ts), the argument being `prefix + text + suffix` (ASCII wrappings); `wantText` reads the
   * returned value as a string. A thrown error comes back as a handle the caller frees.
   */
  callWithText(vm: QuickJSContext, fn: QuickJSHandle, text: string | undefined, wantText: boolean, prefix?: string, suffix?: string): { text?: string; error?: undefined; outOfMemory?: undefined } | { error: QuickJSHandle; outOfMemory?: undefined } | { outOfMemory: true; error?: undefined };
};

type ModuleFFI = JobRunnerFFI & InstanceType<ReturnType<typeof withTextCalls>>;

/**
 * Where the Emscripten module's own output goes (its print/printErr hooks; e.g. the "Aborted(...)" line of
 * a WASM abort). By default Emscripten writes it with console.log/console.error — into the stdout of the
 * process, which for the CLI is reserved for its JSON result.
 */
export type ModuleOutput = (text: string) => void;

export class ModuleFactory {
  private constructor(
    private readonly variant: QuickJSSyncVariant,
    private readonly compiled: WebAssembly.Module,
    private readonly output: ModuleOutput,
  ) {}

  static async create(variant: QuickJSSyncVariant, wasmPath: string, output: ModuleOutput = () => undefined): Promise<ModuleFactory> {
    const compiled = await WebAssembly.compile(readFileSync(wasmPath));
    const ffi = withTextCalls(withJobRunner((await variant.importFFI()) as unknown as FFIClass) as never);
    const jobVariant: QuickJSSyncVariant = { ...variant, importFFI: async () => ffi as unknown as Awaited<ReturnType<QuickJSSyncVariant['importFFI']>> };
    return new ModuleFactory(jobVariant, compiled, output);
  }

  /** A new module whose linear memory can never grow past `memoryMb`. */
  async newModule(memoryMb: number): Promise<CappedModule> {
    const maximum = Math.max(INITIAL_MEMORY_BYTES, memoryMb * 1024 * 1024) / PAGE;
    const wasmMemory = new WebAssembly.Memory({ initial: INITIAL_MEMORY_BYTES / PAGE, maximum });
    // Emscripten's heap resize calls memory.grow; a refused grow means an allocation failed for lack of
    // memory. Recorded so a guest that catches every "out of memory" error is still stopped.
    let exhausted = false;
    const grow = wasmMemory.grow.bind(wasmMemory);
    Object.defineProperty(wasmMemory, 'grow', {
      value: (delta: number): number => {
        try {
          const previous = grow(delta);
          exhausted = false;
          return previous;
        } catch (err) {
          exhausted = true;
          throw err;
        }
      },
    });
    // print/printErr are Emscripten Module options the loader's typings do not list.
    const emscriptenModule = { print: this.output, printErr: this.output } as CustomizeVariantOptions['emscriptenModule'];
    const variant = newVariant(this.variant, { wasmModule: this.compiled, wasmMemory, emscriptenModule });
    const module = await newQuickJSWASMModuleFromVariant(variant);
    const ffi = module.getFFI() as unknown as ModuleFFI;
    const runtimes = new WeakMap<QuickJSRuntime, JSRuntimePointer>();
    const contexts = new WeakMap<QuickJSContext, JSContextPointer>();
    const newRuntime = module.newRuntime.bind(module);
    return Object.assign(module, {
      memoryMb,
      memoryExhausted: () => exhausted,
      newRuntime: (...args: Parameters<QuickJSWASMModule['newRuntime']>): QuickJSRuntime => {
        const runtime = newRuntime(...args);
        runtimes.set(runtime, ffi.lastRuntime!);
        const newContext = runtime.newContext.bind(runtime);
        runtime.newContext = (...contextArgs: Parameters<QuickJSRuntime['newContext']>): QuickJSContext => {
          const vm = newContext(...contextArgs);
          contexts.set(vm, ffi.lastContext!);
          return vm;
        };
        return runtime;
      },
      callWithText: (vm: QuickJSContext, fn: QuickJSHandle, text: string | undefined, wantText: boolean, prefix?: string, suffix?: string) => {
        const ctx = contexts.get(vm);
        if (ctx === undefined || !vm.alive || !fn.alive) throw new Error('callWithText: not a live context and function of this module');
        const r = ffi.callWithText(ctx, fn.value, wasmMemory, text, wantText, prefix, suffix);
        if (r.error === undefined) return r.outOfMemory ? { outOfMemory: true as const } : { text: r.text };
        const error: QuickJSHandle = new Lifetime(r.error, undefined, (ptr: JSValuePointer) => ffi.QTS_FreeValuePointer(ctx, ptr), vm.runtime);
        return { error };
      },
      runPendingJobs: (runtime: QuickJSRuntime, maxJobs: number): JobBatch => {
        const rt = runtimes.get(runtime);
        if (rt === undefined || !runtime.alive) throw new Error('runPendingJobs: the runtime is not a live runtime of this module');
        return ffi.runPendingJobs(rt, wasmMemory, maxJobs);
      },
    });
  }
}
