// The schema guard: tool arguments against inputSchema, structuredContent against outputSchema.
// JSON Schema 2020-12 is MCP's default; a schema whose $schema names draft-07 (or older) gets ajv's
// draft-07 class. Compiled validators are cached by the schema's content hash, not object identity,
// because every listTools() returns fresh objects for the same schemas.
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft07 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { canonicalJson, sha256Hex } from '../util/canonical';

export interface SchemaError {
  /** JSON path of the failing value, e.g. '$.items[0].id'. */
  path: string;
  message: string;
}

export interface SchemaCheck {
  valid: boolean;
  errors: SchemaError[];
}

type Validator = ValidateFunction | { compileError: string };

const MAX_CACHED_VALIDATORS = 2000;

export class SchemaValidatorCache {
  private readonly ajv2020: Ajv2020;
  private readonly ajv07: AjvDraft07;
  private readonly byHash = new Map<string, Validator>();
  // Fast path: the same schema object seen again skips hashing. Keys are weak so old tool lists can go.
  private readonly byObject = new WeakMap<object, Validator>();

  constructor() {
    const options = { allErrors: true, strict: false, validateFormats: true, allowUnionTypes: true } as const;
    this.ajv2020 = new Ajv2020(options);
    this.ajv07 = new AjvDraft07(options);
    addFormats(this.ajv2020);
    addFormats(this.ajv07);
  }

  get size(): number {
    return this.byHash.size;
  }

  validator(schema: object): Validator {
    const known = this.byObject.get(schema);
    if (known) return known;
    const key = sha256Hex(canonicalJson(schema));
    let v = this.byHash.get(key);
    if (!v) {
      v = this.compile(schema);
      if (this.byHash.size >= MAX_CACHED_VALIDATORS) this.byHash.delete(this.byHash.keys().next().value as string);
      this.byHash.set(key, v);
    }
    this.byObject.set(schema, v);
    return v;
  }

  private compile(schema: object): Validator {
    const declared = (schema as { $schema?: unknown }).$schema;
    const draft07 = typeof declared === 'string' && /draft-0[4-7]/.test(declared);
    const ajv = draft07 ? this.ajv07 : this.ajv2020;
    // ajv refuses a $schema it does not know (e.g. a draft-04 URI) and an $id it has seen: validate a copy without them.
    const { $schema: _ignored, $id: _id, ...rest } = schema as Record<string, unknown>;
    try {
      return ajv.compile(draft07 || typeof declared !== 'string' ? rest : { ...rest, $schema: declared });
    } catch (err) {
      try {
        return ajv.compile(rest);
      } catch {
        return { compileError: (err as Error).message };
      }
    }
  }

  check(schema: object | undefined, value: unknown): SchemaCheck {
    if (!schema) return { valid: true, errors: [] };
    const v = this.validator(schema);
    if ('compileError' in v) {
      return { valid: false, errors: [{ path: '$', message: `the tool's schema cannot be compiled: ${v.compileError}` }] };
    }
    if (v(value)) return { valid: true, errors: [] };
    return { valid: false, errors: (v.errors ?? []).map(toSchemaError) };
  }
}

export function toSchemaError(e: ErrorObject): SchemaError {
  let path = '$' + pointerToPath(e.instancePath);
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    message = `is missing required property '${missing}'`;
  } else if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path += propertyPath(extra);
    message = 'is not an allowed property';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  return { path, message };
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : propertyPath(seg)))
    .join('');
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * A value that satisfies the schema as far as a dry run needs: const/default/examples/enum first,
 * then the type's empty value, with every required property filled in.
 */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if ('default' in s) return s.default;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list) && list.length) return sampleFromSchema(list[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') ?? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return s.format === 'date-time' ? new Date(0).toISOString() : s.format === 'uri' ? 'https://example.invalid/' : s.format === 'email' ? 'user@example.invalid' : 'x'.repeat(Math.max(0, Number(s.minLength ?? 0)));
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const n = Number(s.minItems ?? 0);
      return Array.from({ length: Math.min(n, 10) }, () => sampleFromSchema(s.items, depth + 1));
    }
    default: {
      if (type !== 'object' && !s.properties) return null;
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      for (const key of required) out[key] = sampleFromSchema(props[key], depth + 1);
      return out;
    }
  }
}

/** One cache for the whole process: validators depend only on schema content, so sessions share them. */
export const sharedSchemaCache = new SchemaValidatorCache();
