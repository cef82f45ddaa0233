// Every string of a tool definition that reaches the model, with its JSON pointer. Poisoning hides
// wherever a model reads text, so the rules inspect all of these, not only the top-level description.
import { pointerOf } from './pointer';

export type ModelStringKind = 'name' | 'title' | 'description' | 'enum' | 'const' | 'default' | 'examples' | 'property-name' | 'other';

export interface ModelString {
  pointer: string;
  text: string;
  kind: ModelStringKind;
  /** True for prose (descriptions, titles), where sentence-level rules apply. */
  prose: boolean;
}

/** Schema keywords whose value is itself a schema or a map/list of schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_SINGLE = new Set([
  'items', 'additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedProperties', 'unevaluatedItems',
]);

const MAX_DEPTH = 64;

function pushValueStrings(out: ModelString[], value: unknown, segments: (string | number)[], kind: ModelStringKind, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === 'string') out.push({ pointer: pointerOf(segments), text: value, kind, prose: false });
  else if (Array.isArray(value)) value.forEach((v, i) => pushValueStrings(out, v, [...segments, i], kind, depth + 1));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pushValueStrings(out, v, [...segments, k], kind, depth + 1);
  }
}

function walkSchema(out: ModelString[], schema: unknown, segments: (string | number)[], depth: number): void {
  if (depth > MAX_DEPTH || !schema || typeof schema !== 'object' || Array.isArray(schema)) return;
  const s = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(s)) {
    const here = [...segments, key];
    if (key === 'description' || key === 'title' || key === '$comment') {
      if (typeof value === 'string') out.push({ pointer: pointerOf(here), text: value, kind: key === 'title' ? 'title' : key === 'description' ? 'description' : 'other', prose: true });
    } else if (key === 'enum' || key === 'examples') {
      pushValueStrings(out, value, here, key === 'enum' ? 'enum' : 'examples', depth + 1);
    } else if (key === 'const' || key === 'default') {
      pushValueStrings(out, value, here, key, depth + 1);
    } else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, sub] of Object.entries(value)) {
        if (key === 'properties') out.push({ pointer: pointerOf([...here, name]), text: name, kind: 'property-name', prose: false });
        walkSchema(out, sub, [...here, name], depth + 1);
      }
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      value.forEach((sub, i) => walkSchema(out, sub, [...here, i], depth + 1));
    } else if (SCHEMA_SINGLE.has(key)) {
      if (Array.isArray(value)) value.forEach((sub, i) => walkSchema(out, sub, [...here, i], depth + 1));
      else walkSchema(out, value, here, depth + 1);
    }
  }
}

/** All model-visible strings of a tool: name, title, description, annotations.title, and the schemas' texts and values. */
export function modelStrings(tool: Record<string, unknown>): ModelString[] {
  const out: ModelString[] = [];
  if (typeof tool.name === 'string') out.push({ pointer: '/name', text: tool.name, kind: 'name', prose: false });
  if (typeof tool.title === 'string') out.push({ pointer: '/title', text: tool.title, kind: 'title', prose: true });
  if (typeof tool.description === 'string') out.push({ pointer: '/description', text: tool.description, kind: 'description', prose: true });
  const annotations = tool.annotations as Record<string, unknown> | undefined;
  if (annotations && typeof annotations === 'object' && typeof annotations.title === 'string') {
    out.push({ pointer: '/annotations/title', text: annotations.title, kind: 'title', prose: true });
  }
  walkSchema(out, tool.inputSchema, ['inputSchema'], 0);
  walkSchema(out, tool.outputSchema, ['outputSchema'], 0);
  return out;
}
