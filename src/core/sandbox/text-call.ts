// Calls a guest function with one string argument straight through the FFI. The engine does this twice per
// batch of tool calls (deliver the replies, take the next calls); QuickJSContext.callFunction and newString
// would wrap every pointer of the call in Lifetime objects and copy the argument through a scoped heap
// buffer, which costs more here than the guest's own work for a small reply. Same FFI calls, fewer layers.
import type {
  BorrowedHeapCharPointer,
  JSContextPointer,
  JSValueConstPointer,
  JSValueConstPointerPointer,
  JSValuePointer,
  JSBorrowedCharPointer,
  OwnedHeapCharPointer,
  QuickJSEmscriptenModule,
} from 'quickjs-emscripten-core';
import { OwnerCells } from './cells';

/** The FFI calls a text call makes; both the release and the debug builds' FFI classes have them. */
export interface TextCallFFI {
  emscripten: QuickJSEmscriptenModule;
  QTS_NewContext: (...args: never[]) => JSContextPointer;
  QTS_FreeContext: (ctx: JSContextPointer) => void;
  QTS_NewString: (ctx: JSContextPointer, string: BorrowedHeapCharPointer) => JSValuePointer;
  QTS_Call: (ctx: JSContextPointer, fn: JSValuePointer | JSValueConstPointer, self: JSValuePointer | JSValueConstPointer, argc: number, argv: JSValueConstPointerPointer) => JSValuePointer;
  QTS_ResolveException: (ctx: JSContextPointer, maybeException: JSValuePointer) => JSValuePointer;
  QTS_GetUndefined: () => JSValueConstPointer;
  QTS_GetString: (ctx: JSContextPointer, value: JSValuePointer) => JSBorrowedCharPointer;
  QTS_FreeCString: (ctx: JSContextPointer, str: JSBorrowedCharPointer) => void;
  QTS_FreeValuePointer: (ctx: JSContextPointer, value: JSValuePointer) => void;
}

/**
 * What the function returned (as text when asked for), or the exception it threw (the caller frees that
 * pointer), or that the argument could not be copied in because the linear memory is at its cap.
 */
export type TextCallResult = { text?: string; error?: undefined; outOfMemory?: undefined } | { error: JSValuePointer; outOfMemory?: undefined } | { outOfMemory: true; error?: undefined };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FFIBase = new (...args: any[]) => TextCallFFI;

/** The FFI class, extended to remember the context pointer it created last and to make text calls. */
export function withTextCalls<T extends FFIBase>(Base: T) {
  return class TextCallRunner extends Base {
    /** The pointer of the context created last (each execution creates one context). */
    lastContext: JSContextPointer | undefined;
    /** Per context: the argument vector of a text call, freed with the context. */
    private readonly argvCells: OwnerCells<JSContextPointer>;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      const newContext = this.QTS_NewContext;
      this.QTS_NewContext = (...a: never[]) => (this.lastContext = newContext(...a));
      this.argvCells = new OwnerCells(this.emscripten);
      const freeContext = this.QTS_FreeContext;
      this.QTS_FreeContext = (ctx: JSContextPointer) => {
        this.argvCells.release(ctx);
        freeContext(ctx);
      };
    }

    /**
     * Calls `fn(prefix + text + suffix)` (or `fn()` without text) with `this` undefined; `wantText` reads the
     * returned value as a string. The argument is written straight into the linear memory as UTF-8: `prefix` and
     * `suffix` are ASCII wrappings (e.g. an array around a reply) that never exist as JavaScript strings.
     */
    callWithText(ctx: JSContextPointer, fn: JSValuePointer | JSValueConstPointer, memory: WebAssembly.Memory, text: string | undefined, wantText: boolean, prefix = '', suffix = ''): TextCallResult {
      const em = this.emscripten;
      let arg = 0 as JSValuePointer;
      let argv = 0;
      if (text !== undefined) {
        argv = this.argvCells.get(ctx);
        if (!argv) return { outOfMemory: true };
        const textBytes = em.lengthBytesUTF8(text);
        const size = prefix.length + textBytes + suffix.length + 1;
        // _malloc returns 0 when the memory cap refuses to grow: writing there would overwrite QuickJS's own data.
        const chars = em._malloc(size) as OwnedHeapCharPointer;
        if (!chars) return { outOfMemory: true };
        // HEAPU8 is read after the allocation: growing the memory replaces it.
        let heap = em.HEAPU8;
        for (let i = 0; i < prefix.length; i++) heap[chars + i] = prefix.charCodeAt(i);
        em.stringToUTF8(text, (chars + prefix.length) as OwnedHeapCharPointer, textBytes + 1);
        const tail = chars + prefix.length + textBytes;
        heap = em.HEAPU8;
        for (let i = 0; i < suffix.length; i++) heap[tail + i] = suffix.charCodeAt(i);
        heap[tail + suffix.length] = 0;
        arg = this.QTS_NewString(ctx, chars as unknown as BorrowedHeapCharPointer);
        em._free(chars);
        if (!arg) return { outOfMemory: true };
        // A fresh view: creating the string may have grown (and so detached) the memory's previous buffer.
        new Int32Array(memory.buffer, argv, 1)[0] = arg;
      }
      try {
        const result = this.QTS_Call(ctx, fn, this.QTS_GetUndefined(), arg ? 1 : 0, argv as JSValueConstPointerPointer);
        const error = this.QTS_ResolveException(ctx, result);
        if (error) {
          this.QTS_FreeValuePointer(ctx, result);
          return { error };
        }
        let out: string | undefined;
        if (wantText) {
          const chars = this.QTS_GetString(ctx, result);
          if (chars) {
            out = em.UTF8ToString(chars as unknown as BorrowedHeapCharPointer);
            this.QTS_FreeCString(ctx, chars);
          }
        }
        this.QTS_FreeValuePointer(ctx, result);
        return { text: out };
      } finally {
        if (arg) this.QTS_FreeValuePointer(ctx, arg);
      }
    }
  };
}
