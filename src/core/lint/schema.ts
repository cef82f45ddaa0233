// Checking tool schemas against their dialect's meta-schema with ajv, cached by content hash, and the
// structural schema rules (not-object, required-unknown, unbounded). Lint never keeps a compiled
// validator: the guard pipeline compiles its own when a call is made (src/core/guards/schema.ts).
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { hashCanonical } from '../util/canonical';
import { escapeSegment, pointerOf } from './pointer';
import { parameterExplained } from './selfExplained';

export type Dialect = '2020-12' | '2019-09' | 'draft-07';

export interface SchemaVerdict {
  dialect: Dialect;
  /** Present when the schema is not a valid schema of its dialect: a sentence, and a pointer into the schema where ajv located the problem. */
  error?: { message: string; pointer: string };
}

type AnyAjv = InstanceType<typeof Ajv>;

function makeAjv(dialect: Dialect): AnyAjv {
  // validateSchema: false because compile() below is always preceded by an explicit validateSchema()
  // (which reports where the schema is wrong); letting ajv validate again inside compile doubled the cost.
  // code.optimize: false skips ajv's second code-generation pass: these compiles only look for errors.
  const options = { strict: false, allErrors: true, logger: false as const, validateFormats: true, validateSchema: false, code: { optimize: false } };
  const ajv: AnyAjv = dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv as never);
  return ajv;
}

/** The dialect a schema asks for; undefined when it names one ajv cannot compile (draft-04 and older). */
export function dialectOf(schema: unknown): Dialect | undefined | 'unsupported' {
  const declared = schema && typeof schema === 'object' ? (schema as Record<string, unknown>).$schema : undefined;
  if (typeof declared !== 'string') return '2020-12';
  if (/2020-12/.test(declared)) return '2020-12';
  if (/2019-09/.test(declared)) return '2019-09';
  if (/draft-0[67]/.test(declared)) return 'draft-07';
  return 'unsupported';
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath ? `at ${e.instancePath}` : 'at the schema root';
  const params = e.params && Object.keys(e.params).length ? ` (${Object.entries(e.params).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ')})` : '';
  return `${where}: ${e.message ?? e.keyword}${params}`;
}

// Keywords whose mistakes ajv finds only while compiling (references that do not resolve, duplicate
// anchors or ids, the unsupported draft-04 "id", discriminator rules), not in the meta-schema check.
const COMPILE_TIME_KEYWORDS = new Set(['$ref', '$dynamicRef', '$recursiveRef', '$anchor', '$dynamicAnchor', '$recursiveAnchor', 'discriminator', '$async']);

function compilesAsUnicodeRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a schema that passed its meta-schema can still fail to compile. ajv's compile costs ~10 times
 * its meta-schema check, so lint compiles only schemas with something only a compile can find wrong.
 * Any node is visited (a "$ref" inside a default value is a harmless false positive: one extra compile).
 */
export function needsCompile(node: unknown, root = true, depth = 0): boolean {
  if (depth > 64) return true;
  if (Array.isArray(node)) return node.some((item) => needsCompile(item, false, depth + 1));
  if (!node || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if (COMPILE_TIME_KEYWORDS.has(key)) return true;
    if (key === '$id' && !root) return true;
    if (key === 'id' && typeof value === 'string') return true;
    if (key === 'enum' && Array.isArray(value) && value.length === 0) return true;
    // ajv builds every pattern as a Unicode RegExp, stricter than the meta-schema's "regex" format.
    if (key === 'pattern' && typeof value === 'string' && !compilesAsUnicodeRegExp(value)) return true;
    if (key === 'patternProperties' && value && typeof value === 'object' && Object.keys(value).some((p) => !compilesAsUnicodeRegExp(p))) return true;
    if (value && typeof value === 'object' && needsCompile(value, false, depth + 1)) return true;
  }
  return false;
}

/**
 * Checks JSON Schemas the way ajv would compile them, caching verdicts by the sha256 of the schema's
 * canonical JSON, so an unchanged tool list is never checked again. One ajv instance per dialect;
 * schemas that were compiled are removed from ajv afterwards, so ajv keeps no tool schema alive and a
 * changed schema with the same `$id` can be compiled again.
 */
export class SchemaChecker {
  private readonly instances = new Map<Dialect, AnyAjv>();
  private readonly cache = new Map<string, SchemaVerdict>();
  hits = 0;
  misses = 0;
  /** Schemas that needed a full ajv compile (the rest were settled by the meta-schema check alone). */
  compiles = 0;

  constructor(private readonly maxEntries = 5000) {}

  private ajv(dialect: Dialect): AnyAjv {
    let ajv = this.instances.get(dialect);
    if (!ajv) {
      ajv = makeAjv(dialect);
      this.instances.set(dialect, ajv);
    }
    return ajv;
  }

  check(schema: unknown, hash = hashCanonical(schema)): SchemaVerdict {
    const cached = this.cache.get(hash);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const result = this.checkUncached(schema);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hash, result);
    return result;
  }

  get size(): number {
    return this.cache.size;
  }

  private checkUncached(schema: unknown): SchemaVerdict {
    const dialect = dialectOf(schema);
    if (dialect === 'unsupported' || dialect === undefined) {
      const declared = String((schema as Record<string, unknown>).$schema);
      return {
        dialect: '2020-12',
        error: { message: `it declares "$schema": "${declared}", a dialect ajv cannot compile; declare JSON Schema 2020-12 or draft-07`, pointer: '/$schema' },
      };
    }
    if (typeof schema === 'boolean') return { dialect };
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
      return { dialect, error: { message: 'a schema must be a JSON object (or true/false)', pointer: '' } };
    }
    const ajv = this.ajv(dialect);
    if (!ajv.validateSchema(schema as object)) {
      const errors = ajv.errors ?? [];
      const first = errors[0];
      return {
        dialect,
        error: {
          message: errors.slice(0, 3).map(describeAjvError).join('; ') || 'the schema does not match its meta-schema',
          pointer: first?.instancePath ?? '',
        },
      };
    }
    if (!needsCompile(schema)) return { dialect };
    this.compiles++;
    try {
      ajv.compile(schema as object);
      return { dialect };
    } catch (err) {
      const message = (err as Error).message;
      const ref = /can't resolve reference (\S+)/.exec(message)?.[1];
      return {
        dialect,
        error: {
          message: ref ? `$ref ${ref} cannot be resolved: tool schemas must be self-contained (use $defs and "#/$defs/…")` : message,
          pointer: ref ? findRefPointer(schema, ref) : '',
        },
      };
    } finally {
      ajv.removeSchema(schema as object);
    }
  }
}

function findRefPointer(schema: unknown, ref: string, segments: (string | number)[] = [], depth = 0): string {
  if (depth > 64 || !schema || typeof schema !== 'object') return '';
  if (!Array.isArray(schema) && (schema as Record<string, unknown>).$ref === ref) return pointerOf([...segments, '$ref']);
  for (const [k, v] of Object.entries(schema)) {
    const found = findRefPointer(v, ref, [...segments, Array.isArray(schema) ? Number(k) : k], depth + 1);
    if (found) return found;
  }
  return '';
}

// ---------------------------------------------------------------- structural rules

export interface SchemaIssue {
  rule: 'schema-not-object' | 'required-unknown' | 'schema-unbounded' | 'description-missing';
  pointer: string;
  message: string;
  /** For description-missing: where a description would go. */
  insertPointer?: string;
}

const CONTENT_NAME = /(content|text|body|data|command|cmd|code|query|script|message|prompt|html|markdown|sql|input|payload|source|template|note|observation|comment)s?$/i;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function checkObjectSchema(schema: unknown, base: string, label: string): SchemaIssue | undefined {
  if (schema === undefined) {
    return { rule: 'schema-not-object', pointer: '', message: `the tool has no ${label}; declare {"type": "object", "properties": {}} even when it takes no arguments` };
  }
  if (!isObject(schema)) {
    return { rule: 'schema-not-object', pointer: base, message: `${label} must be a JSON Schema object with "type": "object", not ${Array.isArray(schema) ? 'an array' : JSON.stringify(schema)}` };
  }
  const type = schema.type;
  if (type === 'object') return undefined;
  if (type === undefined) {
    return { rule: 'schema-not-object', pointer: base, message: `${label} has no "type"; MCP requires "type": "object"` };
  }
  return { rule: 'schema-not-object', pointer: `${base}/type`, message: `${label} has "type": ${JSON.stringify(type)}; MCP requires "type": "object" (tool arguments are always a JSON object)` };
}

/** Walks an input or output schema for required-unknown, schema-unbounded and parameter description-missing. */
export function checkSchemaStructure(schema: unknown, base: string, opts: { parameters: boolean; toolDescription?: string }): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const visit = (node: unknown, pointer: string, depth: number, paramName?: string): void => {
    if (depth > 32 || !isObject(node)) return;
    const props = isObject(node.properties) ? node.properties : undefined;
    const checkRequired = (required: unknown, reqPointer: string, properties: Record<string, unknown> | undefined): void => {
      if (!Array.isArray(required)) return;
      const patterns = isObject(node.patternProperties) ? Object.keys(node.patternProperties) : [];
      required.forEach((name, i) => {
        if (typeof name !== 'string') return;
        if (properties && Object.prototype.hasOwnProperty.call(properties, name)) return;
        if (patterns.some((p) => { try { return new RegExp(p, 'u').test(name); } catch { return false; } })) return;
        out.push({ rule: 'required-unknown', pointer: `${reqPointer}/${i}`, message: `"${name}" is required but not declared in properties` + (node.additionalProperties === false ? ', and additionalProperties is false, so no call can ever be valid' : '') });
      });
    };
    if (node.type === 'object' || props || Array.isArray(node.required)) {
      checkRequired(node.required, `${pointer}/required`, props);
      for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
        const list = node[key];
        if (!Array.isArray(list)) continue;
        list.forEach((branch, i) => {
          if (isObject(branch) && !isObject(branch.properties) && Array.isArray(branch.required)) {
            checkRequired(branch.required, `${pointer}/${key}/${i}/required`, props);
          }
        });
      }
    }
    if (props) {
      for (const [name, sub] of Object.entries(props)) {
        const p = `${pointer}/properties/${escapeSegment(name)}`;
        if (opts.parameters && isObject(sub) && sub.$ref === undefined) {
          const described = typeof sub.description === 'string' && sub.description.trim() !== '';
          if (!described && !parameterExplained(name, sub, opts.toolDescription)) {
            out.push({ rule: 'description-missing', pointer: p, insertPointer: `${p}/description`, message: `parameter "${name}" has no description: the model has only its name to guess what to pass` });
          }
        }
        visit(sub, p, depth + 1, name);
      }
    }
    if (opts.parameters && paramName !== undefined) {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      if (types.includes('string') && node.maxLength === undefined && node.enum === undefined && node.const === undefined && node.pattern === undefined && node.format === undefined && CONTENT_NAME.test(paramName)) {
        out.push({ rule: 'schema-unbounded', pointer, message: `string parameter "${paramName}" has no maxLength (or enum/pattern/format): a model can send a value of any size` });
      }
      if (types.includes('array') && node.maxItems === undefined && node.prefixItems === undefined) {
        out.push({ rule: 'schema-unbounded', pointer, message: `array parameter "${paramName}" has no maxItems: a model can send any number of items` });
      }
    }
    if (isObject(node.items)) visit(node.items, `${pointer}/items`, depth + 1, paramName);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = node[key];
      if (Array.isArray(list)) list.forEach((b, i) => isObject(b) && isObject(b.properties) && visit(b, `${pointer}/${key}/${i}`, depth + 1));
    }
    for (const key of ['$defs', 'definitions'] as const) {
      const defs = node[key];
      if (isObject(defs)) for (const [name, sub] of Object.entries(defs)) visit(sub, `${pointer}/${key}/${escapeSegment(name)}`, depth + 1);
    }
  };
  visit(schema, base, 0);
  return out;
}
