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
  const out = serialise(value, new Set());
  return out === undefined ? 'null' : out;
}

function serialise(value: unknown, stack: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
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
  if (stack.has(obj)) throw new TypeError('canonicalJson cannot serialise a value that contains itself (a cycle).');
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      return '[' + obj.map((item) => serialise(item, stack) ?? 'null').join(',') + ']';
    }
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const item = serialise((obj as Record<string, unknown>)[key], stack);
      if (item !== undefined) parts.push(JSON.stringify(key) + ':' + item);
    }
    return '{' + parts.join(',') + '}';
  } finally {
    stack.delete(obj);
  }
}

/** Lower-case hex sha256 of a string (hashed as UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256Hex(canonicalJson(value)): the stable fingerprint of a JSON-like value. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
