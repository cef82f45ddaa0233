// Inputs a server must refuse (or at least survive), built from one valid input and the tool's schema:
// type flips, missing required fields, extra fields under additionalProperties:false, a huge string, deep
// nesting and unicode edge cases. Deterministic: the same schema and valid input give the same probes.
import { typesOf } from './schemaArbitrary';

export type InvalidKind = 'type_flip' | 'missing_required' | 'extra_field' | 'huge_string' | 'deep_nesting' | 'unicode';

export interface InvalidProbe {
  kind: InvalidKind;
  /** Which argument was changed, for messages. */
  path: string;
  args: Record<string, unknown>;
}

export const HUGE_STRING_CHARS = 256 * 1024;
export const DEEP_NESTING_LEVELS = 2_000;
const UNICODE_EDGES = '\uD800 lone surrogate, \u202Eright-to-left override\u202C, NUL\u0000, 🧪 emoji, e\u0301 combining, \uFEFF BOM, \u200B zero-width';
const PER_KIND = 2;

export function invalidProbes(schema: unknown, valid: Record<string, unknown>): InvalidProbe[] {
  const s = (schema && typeof schema === 'object' ? schema : {}) as Record<string, unknown>;
  const properties = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(s.required) ? (s.required as string[]) : [];
  const probes: InvalidProbe[] = [];
  const names = Object.keys(properties);

  for (const name of names.filter((n) => n in valid).slice(0, PER_KIND)) {
    probes.push({ kind: 'type_flip', path: name, args: { ...valid, [name]: flipped(valid[name]) } });
  }
  for (const name of required.slice(0, PER_KIND)) {
    const { [name]: _gone, ...rest } = valid;
    probes.push({ kind: 'missing_required', path: name, args: rest });
  }
  if (s.additionalProperties === false) probes.push({ kind: 'extra_field', path: 'lab_extra_field', args: { ...valid, lab_extra_field: 'not in the schema' } });

  const stringProp = names.find((n) => typesOf(properties[n] ?? {}).includes('string') && !properties[n]?.enum && properties[n]?.const === undefined);
  const target = stringProp ?? names[0] ?? 'lab_extra_field';
  probes.push({ kind: 'huge_string', path: target, args: { ...valid, [target]: hugeString() } });
  probes.push({ kind: 'deep_nesting', path: target, args: { ...valid, [target]: nested(DEEP_NESTING_LEVELS) } });
  if (stringProp) probes.push({ kind: 'unicode', path: stringProp, args: { ...valid, [stringProp]: UNICODE_EDGES } });
  return probes;
}

/** A value of another JSON type than `value`. */
export function flipped(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return { not: 'an array' };
  if (value === null) return { not: 'null' };
  if (typeof value === 'object') return ['not', 'an', 'object'];
  return null;
}

// Words, not one unbroken run: token counting of a run without spaces grows with its square, and this
// probe is about the server, not about the harness's tokenizer.
function hugeString(): string {
  return 'lab probe '.repeat(Math.ceil(HUGE_STRING_CHARS / 10)).slice(0, HUGE_STRING_CHARS);
}

function nested(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
