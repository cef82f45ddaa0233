// Canonical JSON and hashing: the same value always gives the same text, whatever the key order it
// was built with, so hashes of definitions (consent, tool-list caches, pinning) are stable.
import { createHash } from 'node:crypto';

/**
 * Serialises `value` like JSON.stringify, but with object keys sorted (by UTF-16 code units) at every
 * depth and no whitespace. `undefined`, functions and symbols are dropped from objects and become
 * `null` in arrays (as JSON.stringify does); non-finite numbers become `null`; `toJSON` is honoured.
 * Throws TypeError on cycles and BigInt, which have no JSON form.
 */
export function canonicalJson(value: unknown): string {
  const out = serialise(value, []);
  return out === undefined ? 'null' : out;
}

// One pass that appends to a string (no per-level arrays, maps or joins): it builds the de-duplication
// key of every read-only guarded call, so it sits on the hot path. `stack` holds the objects being
// serialised, for cycle detection (its depth is the nesting depth, so the linear search stays short).
function serialise(value: unknown, stack: object[]): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson cannot serialise a BigInt; convert it to a string or number first.');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (stack.includes(obj)) throw new TypeError('canonicalJson cannot serialise a value that contains itself (a cycle).');
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) out += (i ? ',' : '') + (serialise(obj[i], stack) ?? 'null');
    out += ']';
  } else {
    const keys = Object.keys(obj);
    // Small objects usually arrive with their keys in order already: sort only when they are not.
    for (let i = 1; i < keys.length; i++) {
      if (keys[i - 1] > keys[i]) {
        keys.sort();
        break;
      }
    }
    out = '{';
    let first = true;
    for (const key of keys) {
      const item = serialise((obj as Record<string, unknown>)[key], stack);
      if (item === undefined) continue;
      out += (first ? '' : ',') + JSON.stringify(key) + ':' + item;
      first = false;
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/** Lower-case hex sha256 of a string (hashed as UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256Hex(canonicalJson(value)): the stable fingerprint of a JSON-like value. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
