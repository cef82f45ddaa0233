// The guest-side API, evaluated in every fresh QuickJS context before the user's code. It is plain
// JavaScript run INSIDE the sandbox: it builds `mcp`, `tools`, `console`, `skills` and `workspace` on
// top of a few host functions, then hides those functions. Everything it needs from the global scope
// is captured first, so user code that overwrites JSON or Error cannot change how results cross.

/**
 * Evaluates to a function `(host) => ({ serialize, describeError, deliver, takeCalls, watch, skills, installTools })`;
 * `installTools(toolIndexJson)` defines the global `tools` once the execution's tool index is known, so the rest
 * can be evaluated before an execution starts.
 * host: { settled(), log(level, text), wsGet(k), wsSet(k, json), wsDelete(k), wsKeys() }
 * A host call is only queued in the guest; the engine takes the queue with `takeCalls()` once the pending
 * jobs have run ("op argsJson" per line), and the replies come back, possibly several at once, through
 * `deliver("[[callId, value], [callId, 0, error], ...]")`. Call ids are counted on both sides in the same order.
 */
export const GUEST_PRELUDE = String.raw`(function (host) {
  'use strict';
  const jsonParse = JSON.parse, jsonStringify = JSON.stringify;
  const ObjectKeys = Object.keys, ObjectFreeze = Object.freeze, ObjectSetPrototypeOf = Object.setPrototypeOf, isArray = Array.isArray;
  const ObjectDefineProperty = Object.defineProperty;
  const NumberIsFinite = Number.isFinite, StringOf = String;
  const g = globalThis;

  class ToolError extends Error {
    constructor(info) {
      super(StringOf(info && info.message));
      this.name = (info && info.name) || 'ToolError';
      if (info && info.decision) this.decision = info.decision;
      if (info && info.reasons) this.reasons = info.reasons;
      if (info && info.step_id) this.step_id = info.step_id;
    }
  }

  // A host call's promise is made here and settled by deliver() with the final value, so the guest's
  // await resumes after one promise job. The constructor is captured and the waiting tables have no
  // prototype, so code that replaces globals cannot see or change results on their way in. One executor
  // for every call (no closure per call). The tables are arrays indexed by call id, filled in order (so
  // QuickJS keeps them flat; an object keyed by id reshapes with every new key, at a cost that grows with
  // the calls a run has made), and a settled slot is set to undefined: one slot per host call of the run
  // (tool calls are capped by maxToolCalls; search/describe/servers are not, but live within the memory cap).
  const PromiseCtor = Promise, promiseThen = Promise.prototype.then, promiseReject = Promise.reject;
  const table = () => ObjectSetPrototypeOf([undefined], null);
  const resolvers = table(), rejecters = table(), shapers = table();
  let lastCallId = 0;
  let madeResolve, madeReject;
  function executor(resolve, reject) { madeResolve = resolve; madeReject = reject; }
  // Calls made since the last takeCalls(), one "op argsJson" per line: JSON text never holds a raw newline,
  // and concatenating primitives looks nothing up that user code could have replaced.
  let outbox = '';
  // line: the call's request line; shape: what turns the reply's value into the call's result (or null).
  function post(line, shape) {
    outbox = outbox === '' ? line : outbox + '\n' + line;
    const id = ++lastCallId;
    const promise = new PromiseCtor(executor);
    resolvers[id] = madeResolve;
    rejecters[id] = madeReject;
    shapers[id] = shape;
    return promise;
  }
  function send(op, args) {
    let text;
    // Arguments that cannot be serialised (a BigInt, a cycle) reject the call, as an async function would.
    try { text = jsonStringify(args); } catch (e) { return promiseReject.call(PromiseCtor, e); }
    return post(op + ' ' + text, null);
  }
  function takeCalls() {
    const text = outbox;
    outbox = '';
    return text;
  }
  // text: "[[callId, value], [callId, 0, error], ...]" — a value for a success, an error description for a failure.
  function deliver(text) {
    const batch = jsonParse(text);
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      const id = item[0];
      const resolve = resolvers[id], reject = rejecters[id], shape = shapers[id];
      resolvers[id] = undefined;
      rejecters[id] = undefined;
      shapers[id] = undefined;
      if (item.length === 3) reject(new ToolError(item[2]));
      else if (shape === null) resolve(item[1]);
      else { try { resolve(shape(item[1])); } catch (e) { reject(e); } }
    }
  }
  // Tells the host when the user's code has settled, so it need not ask after every step.
  function watch(promise) {
    const settled = () => { host.settled(); };
    promiseThen.call(promise, settled, settled);
  }
  function request(op, args) {
    return send(op, args);
  }

  // The MCP result → { text, structured, isError, content }. A plain loop: closures cost in QuickJS, and this runs per call.
  function toResult(wire) {
    const content = isArray(wire.content) ? wire.content : [];
    let text = '';
    let texts = 0;
    for (let i = 0; i < content.length; i++) {
      const c = content[i];
      if (c && c.type === 'text' && typeof c.text === 'string') text = texts++ === 0 ? c.text : text + '\n' + c.text;
    }
    const result = { text, structured: wire.structuredContent, isError: wire.isError === true, content };
    if (wire.dryRun) result.dryRun = true;
    return result;
  }

  const ARGS_ERROR = 'mcp.call(name, args): args must be an object, e.g. mcp.call("server/tool", { key: "value" }).';
  // head: 'call ["server/tool",' made once per name, so a call serialises only its arguments: on their own, as
  // JSON.stringify serialises any value (a toJSON(key) sees ""); wrapping them in an array costs the guest more
  // than the rest of the call. Arguments that serialise to nothing (a toJSON returning undefined) cross as null.
  function callWith(head, args) {
    if (args === undefined) return post(head + '{}]', toResult);
    if (args === null || typeof args !== 'object' || isArray(args)) return promiseReject.call(PromiseCtor, new TypeError(ARGS_ERROR));
    let text;
    try { text = jsonStringify(args); } catch (e) { return promiseReject.call(PromiseCtor, e); }
    return post(head + (text === undefined ? 'null' : text) + ']', toResult);
  }
  const callHead = (name) => 'call [' + jsonStringify(name) + ',';
  function callTool(name, args) {
    if (args !== undefined && (args === null || typeof args !== 'object' || isArray(args))) {
      return promiseReject.call(PromiseCtor, new TypeError(ARGS_ERROR));
    }
    return callWith(callHead(StringOf(name)), args);
  }

  const mcp = ObjectFreeze({
    servers: () => request('servers', []),
    search: (query) => request('search', [StringOf(query)]),
    describe: (name) => request('describe', [StringOf(name)]),
    call: callTool,
  });

  const define = (name, value) => ObjectDefineProperty(g, name, { value, writable: false, enumerable: false, configurable: false });
  function installTools(toolIndexJson) {
    const toolIndex = jsonParse(toolIndexJson);
    const tools = {};
    for (const server of ObjectKeys(toolIndex)) {
      const entries = {};
      for (const tool of ObjectKeys(toolIndex[server])) {
        const head = callHead(StringOf(toolIndex[server][tool]));
        entries[tool] = (args) => callWith(head, args);
      }
      tools[server] = ObjectFreeze(entries);
    }
    define('tools', ObjectFreeze(tools));
  }

  function formatValue(v) {
    try {
      if (typeof v === 'string') return v;
      if (v instanceof Error) {
        const stack = v.stack;
        return StringOf(v.name) + ': ' + StringOf(v.message) + (typeof stack === 'string' && stack ? '\n' + stack : '');
      }
      const s = jsonStringify(v);
      return s === undefined ? StringOf(v) : s;
    } catch (e) {
      try { return StringOf(v); } catch (e2) { return '[unprintable value]'; }
    }
  }
  let logsFull = false;
  function logger(level) {
    return (...args) => { if (!logsFull) logsFull = host.log(level, args.map(formatValue).join(' ')) === true; };
  }
  const console = ObjectFreeze({ log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('log') });

  const workspace = ObjectFreeze({
    get(key) {
      const text = host.wsGet(StringOf(key));
      return text === undefined ? undefined : jsonParse(text);
    },
    set(key, value) {
      const text = jsonStringify(value);
      if (text === undefined) throw new TypeError('workspace.set(key, value): value must be JSON (object, array, string, number, boolean or null).');
      const problem = host.wsSet(StringOf(key), text);
      if (problem) throw new RangeError(problem);
    },
    delete(key) { return host.wsDelete(StringOf(key)); },
    keys() { return jsonParse(host.wsKeys()); },
  });

  const skills = {};

  for (const [name, value] of [['mcp', mcp], ['console', console], ['workspace', workspace], ['skills', skills]]) define(name, value);

  class DepthError extends Error {}

  // Copies the result into plain JSON data (JSON.stringify semantics, toJSON honoured), bounding depth.
  // Runs inside the guest so a looping getter or toJSON is stopped by the deadline like any guest code.
  function serialize(value, maxDepth) {
    const seen = new Set();
    function plain(v, depth) {
      if (v === null) return null;
      const t = typeof v;
      if (t === 'string' || t === 'boolean') return v;
      if (t === 'number') return NumberIsFinite(v) ? v : null;
      if (t === 'bigint') return StringOf(v);
      if (t !== 'object') return undefined;
      if (depth > maxDepth) throw new DepthError('The result is nested more than ' + maxDepth + ' levels deep; return a flatter value.');
      if (typeof v.toJSON === 'function') return plain(v.toJSON(), depth + 1);
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
      let out;
      if (isArray(v)) {
        out = [];
        const n = v.length;
        for (let i = 0; i < n; i++) { const x = plain(v[i], depth + 1); out.push(x === undefined ? null : x); }
      } else {
        out = {};
        for (const k of ObjectKeys(v)) { const x = plain(v[k], depth + 1); if (x !== undefined) out[k] = x; }
      }
      seen.delete(v);
      return out;
    }
    try {
      const p = plain(value, 0);
      return p === undefined ? '' : jsonStringify(p);
    } catch (e) {
      // JSON never starts with '!', and the text must not contain NUL (it crosses as a C string).
      if (e instanceof DepthError) return '!depth:' + e.message;
      throw e;
    }
  }

  // Reads an error's name/message/decision without trusting it: any getter may throw or loop.
  function describeError(e) {
    const pick = (f) => { try { const v = f(); return typeof v === 'string' ? v : (v === undefined ? undefined : formatValue(v)); } catch (x) { return undefined; } };
    if (e === null || (typeof e !== 'object' && typeof e !== 'function')) {
      return jsonStringify({ name: 'Error', message: 'Uncaught ' + formatValue(e) });
    }
    const info = {
      name: pick(() => e.name) || 'Error',
      message: pick(() => e.message) || '',
      stack: pick(() => e.stack),
      decision: pick(() => e.decision),
    };
    try { const r = e.reasons; if (isArray(r)) info.reasons = r.slice(0, 20).map((x) => StringOf(x)); } catch (x) { /* hostile */ }
    return jsonStringify(info);
  }

  return { serialize, describeError, deliver, takeCalls, watch, skills, installTools };
})`;

/** What comes before the user's code on line 1 of the wrapped code (errors' columns there are shifted by it). */
export const WRAP_PREFIX = '(async () => {';

/** Wraps the user's code as an async function body; the code starts on line 1 so error lines match. */
export function wrapUserCode(code: string): string {
  return `${WRAP_PREFIX}${code}\n})()`;
}
