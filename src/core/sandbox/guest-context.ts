// A QuickJS runtime and context with the guest API (the prelude) already evaluated. Evaluating the prelude is
// most of what starting an execution costs, and none of it depends on the execution: the worker makes the next
// execution's context while it is idle, and an execution that finds one ready starts by installing its tools.
// No guest code has run in it. Its host functions reach whichever execution has taken it through `host`.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { GUEST_PRELUDE } from './prelude';
import type { CappedModule } from './quickjs';

/** What the guest API's host functions (console, workspace, the settled signal) do for the execution under way. */
export interface GuestHost {
  settled(): void;
  /** Returns true once the console output is full (the prelude then stops sending). */
  log(level: string, text: string): boolean;
  wsGet(key: string): string | undefined;
  /** A problem that refused the write, or undefined. */
  wsSet(key: string, text: string): string | undefined;
  wsDelete(key: string): boolean;
  wsKeys(): string[];
}

/** The guest API functions the prelude returns. */
export interface GuestApi {
  serialize: QuickJSHandle;
  describeError: QuickJSHandle;
  deliver: QuickJSHandle;
  takeCalls: QuickJSHandle;
  watch: QuickJSHandle;
  skills: QuickJSHandle;
  installTools: QuickJSHandle;
}

const API_NAMES: (keyof GuestApi)[] = ['serialize', 'describeError', 'deliver', 'takeCalls', 'watch', 'skills', 'installTools'];

export class GuestContext {
  /** The execution that has taken this context; host functions do nothing before one has. */
  host: GuestHost | undefined;
  readonly rt: QuickJSRuntime;
  readonly vm: QuickJSContext;
  readonly api: GuestApi;
  private readonly owned: QuickJSHandle[] = [];
  private taken = false;

  /** Evaluates the prelude in a new runtime and context of `module`; throws if the prelude itself fails (a bug). */
  constructor(readonly module: Pick<CappedModule, 'newRuntime'>) {
    this.rt = module.newRuntime();
    try {
      this.vm = this.rt.newContext();
      this.api = this.start();
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Hands the context to one execution; a context serves one execution only. */
  take(host: GuestHost): this {
    if (this.taken) throw new Error('a guest context serves one execution only');
    this.taken = true;
    this.host = host;
    return this;
  }

  /** Frees the handles, the context and the runtime; returns what failed when QuickJS could not free them. */
  dispose(): string | undefined {
    this.host = undefined;
    try {
      for (const h of this.owned.reverse()) if (h.alive) h.dispose();
      if (this.vm?.alive) this.vm.dispose();
      if (this.rt.alive) this.rt.dispose();
      return undefined;
    } catch (err) {
      // A WASM abort while freeing (an assertion inside QuickJS): the module is dead from here on.
      return (err as Error)?.message ?? String(err);
    }
  }

  private start(): GuestApi {
    const vm = this.vm;
    const host = this.own(vm.newObject());
    this.defineHostFunctions(host);
    const prelude = vm.evalCode(GUEST_PRELUDE, 'mcp-harness-prelude.js');
    if (prelude.error) {
      const detail = vm.dump(prelude.error);
      prelude.error.dispose();
      throw new Error(`the sandbox prelude failed to evaluate: ${JSON.stringify(detail)}`);
    }
    const preludeFn = this.own(prelude.value);
    const r = vm.callFunction(preludeFn, vm.undefined, host);
    if (r.error) {
      r.error.dispose();
      throw new Error('the sandbox prelude failed to start');
    }
    const api = this.own(r.value);
    const out = {} as GuestApi;
    for (const name of API_NAMES) out[name] = this.own(vm.getProp(api, name));
    return out;
  }

  private defineHostFunctions(target: QuickJSHandle): void {
    const vm = this.vm;
    const define = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined): void => {
      const h = vm.newFunction(name, fn);
      vm.setProp(target, name, h);
      h.dispose();
    };
    define('settled', () => {
      this.host?.settled();
      return undefined;
    });
    define('log', (levelH, textH) => (this.host?.log(vm.getString(levelH), vm.getString(textH)) ? vm.true : undefined));
    define('wsGet', (keyH) => {
      const text = this.host?.wsGet(vm.getString(keyH));
      return text === undefined ? undefined : vm.newString(text);
    });
    define('wsSet', (keyH, textH) => {
      const problem = this.host?.wsSet(vm.getString(keyH), vm.getString(textH));
      return problem === undefined ? undefined : vm.newString(problem);
    });
    define('wsDelete', (keyH) => (this.host?.wsDelete(vm.getString(keyH)) ? vm.true : vm.false));
    define('wsKeys', () => vm.newString(JSON.stringify(this.host?.wsKeys() ?? [])));
  }

  private own<T extends QuickJSHandle>(h: T): T {
    this.owned.push(h);
    return h;
  }
}
