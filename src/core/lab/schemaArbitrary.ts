// Valid inputs for a tool, generated from its inputSchema with fast-check. Every keyword the generator
// honours is listed in SUPPORTED; any other keyword found in the schema is reported (with its JSON
// pointer) in `unsupported`, so a reader knows which constraints the generated inputs may not respect.
// Generated values are filtered through the same ajv validator the schema guard uses, so an input the
// lab calls "valid" is one the guard accepts.
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const ANNOTATION_KEYWORDS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$defs', 'definitions', 'contentMediaType', 'contentEncoding']);
const SUPPORTED = new Set([
  'type', 'enum', 'const', 'format', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'uniqueItems', 'anyOf', 'oneOf', 'allOf', '$ref',
  'minProperties', 'maxProperties', 'nullable',
]);
const FORMATS = new Set(['email', 'uri', 'url', 'date-time', 'date', 'time', 'uuid', 'ipv4', 'ipv6', 'hostname']);

export interface SchemaArbitrary {
  arbitrary: fc.Arbitrary<Record<string, unknown>>;
  /** `pointer keyword` for every keyword the generator does not honour (e.g. '/properties/x not'). */
  unsupported: string[];
}

export interface ArbitraryOptions {
  /** How deep nested objects/arrays without bounds may go. */
  maxDepth?: number;
  /** Upper bound on generated strings and arrays when the schema has none (keeps calls small). */
  maxLength?: number;
}

export function arbitraryForTool(inputSchema: unknown, options: ArbitraryOptions = {}): SchemaArbitrary {
  const unsupported: string[] = [];
  const root = (inputSchema && typeof inputSchema === 'object' ? inputSchema : { type: 'object' }) as Schema;
  const builder = new Builder(root, unsupported, { maxDepth: options.maxDepth ?? 3, maxLength: options.maxLength ?? 24 });
  const arb = builder.build(root, '', 0) as fc.Arbitrary<unknown>;
  const objectArb = arb.filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) as fc.Arbitrary<Record<string, unknown>>;
  return { arbitrary: objectArb, unsupported: [...new Set(unsupported)] };
}

class Builder {
  constructor(
    private readonly root: Schema,
    private readonly unsupported: string[],
    private readonly limits: { maxDepth: number; maxLength: number },
  ) {}

  build(schema: unknown, pointer: string, depth: number): fc.Arbitrary<unknown> {
    if (schema === true || schema === undefined) return depth < this.limits.maxDepth ? fc.jsonValue({ maxDepth: 2 }) : fc.string({ maxLength: 8 });
    if (schema === false || typeof schema !== 'object' || schema === null) return fc.constant(null);
    const s = schema as Schema;
    for (const key of Object.keys(s)) {
      if (!SUPPORTED.has(key) && !ANNOTATION_KEYWORDS.has(key)) this.unsupported.push(`${pointer || '/'} ${key}`);
    }
    if (typeof s.$ref === 'string') return this.build(this.resolveRef(s.$ref, pointer), `${pointer}/$ref`, depth + 1);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    if (Array.isArray(s.allOf)) return this.build(mergeAll(s, s.allOf as unknown[]), pointer, depth);
    const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (Array.isArray(alternatives) && alternatives.length) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      const key = s.anyOf ? 'anyOf' : 'oneOf';
      return fc.oneof(...alternatives.map((alt, i) => this.build({ ...rest, ...(alt as Schema) }, `${pointer}/${key}/${i}`, depth)));
    }
    const types = typesOf(s);
    const arbs = types.map((t) => this.forType(t, s, pointer, depth));
    return arbs.length === 1 ? arbs[0] : fc.oneof(...arbs);
  }

  private forType(type: string, s: Schema, pointer: string, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case 'string':
        return this.string(s);
      case 'integer':
        return this.integer(s);
      case 'number':
        return this.number(s);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return this.array(s, pointer, depth);
      case 'object':
        return this.object(s, pointer, depth);
      default:
        this.unsupported.push(`${pointer || '/'} type:${type}`);
        return fc.constant(null);
    }
  }

  private string(s: Schema): fc.Arbitrary<unknown> {
    const minLength = num(s.minLength) ?? 0;
    const maxLength = Math.max(minLength, num(s.maxLength) ?? Math.max(minLength, this.limits.maxLength));
    if (typeof s.pattern === 'string') {
      try {
        return fc.stringMatching(new RegExp(s.pattern, 'u')).filter((v) => [...v].length >= minLength && [...v].length <= maxLength);
      } catch {
        this.unsupported.push(`pattern ${s.pattern}`);
      }
    }
    if (typeof s.format === 'string') {
      const formatted = formatArbitrary(s.format);
      if (formatted) return formatted;
      if (!FORMATS.has(s.format)) this.unsupported.push(`format:${s.format}`);
    }
    return fc.oneof(
      { arbitrary: fc.string({ minLength, maxLength }), weight: 3 },
      { arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }), weight: 1 },
    ).filter((v) => [...v].length >= minLength && [...v].length <= maxLength);
  }

  private integer(s: Schema): fc.Arbitrary<unknown> {
    let min = num(s.minimum) ?? -1_000_000;
    let max = num(s.maximum) ?? 1_000_000;
    if (typeof s.exclusiveMinimum === 'number') min = Math.max(min, Math.floor(s.exclusiveMinimum) + 1);
    if (typeof s.exclusiveMaximum === 'number') max = Math.min(max, Math.ceil(s.exclusiveMaximum) - 1);
    min = Math.ceil(min);
    max = Math.floor(max);
    const step = num(s.multipleOf);
    if (step && Number.isInteger(step) && step > 0) {
      const lo = Math.ceil(min / step);
      const hi = Math.floor(max / step);
      return fc.integer({ min: lo, max: Math.max(lo, hi) }).map((k) => k * step);
    }
    return fc.integer({ min, max: Math.max(min, max) });
  }

  private number(s: Schema): fc.Arbitrary<unknown> {
    const min = num(s.minimum) ?? num(s.exclusiveMinimum) ?? -1e6;
    const max = num(s.maximum) ?? num(s.exclusiveMaximum) ?? 1e6;
    const step = num(s.multipleOf);
    if (step && step > 0) return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => k * step);
    return fc
      .double({ min, max: Math.max(min, max), noNaN: true, noDefaultInfinity: true })
      .filter((v) => !(typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) && !(typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum));
  }

  private array(s: Schema, pointer: string, depth: number): fc.Arbitrary<unknown> {
    const minLength = num(s.minItems) ?? 0;
    const bound = depth >= this.limits.maxDepth ? minLength : Math.max(minLength, Math.min(4, this.limits.maxLength));
    const maxLength = Math.max(minLength, Math.min(num(s.maxItems) ?? bound, bound));
    const item = this.build(Array.isArray(s.items) ? undefined : s.items, `${pointer}/items`, depth + 1);
    if (s.uniqueItems === true) return fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) });
    return fc.array(item, { minLength, maxLength });
  }

  private object(s: Schema, pointer: string, depth: number): fc.Arbitrary<unknown> {
    const properties = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, unknown>;
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, sub] of Object.entries(properties)) {
      // Optional properties stop at the depth bound; required ones must be generated anyway.
      if (depth >= this.limits.maxDepth && !required.has(name)) continue;
      model[name] = this.build(sub, `${pointer}/properties/${escapePointer(name)}`, depth + 1);
    }
    for (const name of required) if (!(name in model)) model[name] = fc.jsonValue({ maxDepth: 1 });
    const base = fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
    const extra = s.additionalProperties;
    if (extra === false || extra === undefined || depth >= this.limits.maxDepth) return base;
    const extraArb = this.build(extra === true ? undefined : extra, `${pointer}/additionalProperties`, depth + 1);
    const extraKeys = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in properties));
    return fc.tuple(base, fc.dictionary(extraKeys, extraArb, { maxKeys: 2 })).map(([b, e]) => ({ ...e, ...b }));
  }

  private resolveRef(ref: string, pointer: string): unknown {
    if (!ref.startsWith('#')) {
      this.unsupported.push(`${pointer || '/'} $ref:${ref}`);
      return true;
    }
    let node: unknown = this.root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (node === undefined) this.unsupported.push(`${pointer || '/'} $ref:${ref}`);
    return node ?? true;
  }
}

function formatArbitrary(format: string): fc.Arbitrary<string> | undefined {
  const dates = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });
  switch (format) {
    case 'email':
      return fc.emailAddress();
    case 'uri':
    case 'url':
      return fc.webUrl();
    case 'date-time':
      return dates.map((d) => d.toISOString());
    case 'date':
      return dates.map((d) => d.toISOString().slice(0, 10));
    case 'time':
      return dates.map((d) => d.toISOString().slice(11));
    case 'uuid':
      return fc.uuid();
    case 'ipv4':
      return fc.ipV4();
    case 'ipv6':
      return fc.ipV6();
    case 'hostname':
      return fc.domain();
    default:
      return undefined;
  }
}

/** The types a schema allows; a schema without `type` gets them inferred from its other keywords. */
export function typesOf(s: Schema): string[] {
  if (typeof s.type === 'string') return s.nullable === true ? [s.type, 'null'] : [s.type];
  if (Array.isArray(s.type) && s.type.length) return s.type as string[];
  if (s.properties || s.required || s.additionalProperties !== undefined) return ['object'];
  if (s.items || s.minItems !== undefined) return ['array'];
  if (s.minLength !== undefined || s.maxLength !== undefined || s.pattern || s.format) return ['string'];
  if (s.minimum !== undefined || s.maximum !== undefined) return ['number'];
  return ['string', 'number', 'boolean', 'null', 'object', 'array'];
}

function mergeAll(base: Schema, parts: unknown[]): Schema {
  const { allOf: _allOf, ...merged } = base;
  const out: Schema = { ...merged };
  for (const part of parts) {
    if (!part || typeof part !== 'object') continue;
    const p = part as Schema;
    for (const [k, v] of Object.entries(p)) {
      if (k === 'properties') out.properties = { ...(out.properties as object), ...(v as object) };
      else if (k === 'required') out.required = [...new Set([...((out.required as string[]) ?? []), ...(v as string[])])];
      else out[k] = v;
    }
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
