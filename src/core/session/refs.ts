// `${steps.ID.text}` / `${steps.ID.structured.items[0].id}` references in step arguments.
// A string that is exactly one reference becomes the referenced value (numbers and objects keep their
// type); a reference inside a longer string is interpolated (objects as JSON).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { textForTokens } from '../guards/pipeline';

export interface StepResultView {
  result?: CallToolResult;
  /** For code steps: the returned value. */
  value?: unknown;
}

export class ReferenceError extends Error {}

const WHOLE = /^\$\{steps\.([A-Za-z_][A-Za-z0-9_-]*)\.([^}]*)\}$/;
const ANY = /\$\{steps\.([A-Za-z_][A-Za-z0-9_-]*)\.([^}]*)\}/g;

export function hasReferences(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes('${steps.');
}

export function resolveReferences(args: Record<string, unknown>, results: Map<string, StepResultView>): Record<string, unknown> {
  if (!hasReferences(args)) return args;
  const replaceWhole = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const m = WHOLE.exec(value);
      if (m) return lookup(m[1], m[2], results);
      return value.replace(ANY, (_all, id: string, path: string) => {
        const v = lookup(id, path, results);
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    if (Array.isArray(value)) return value.map(replaceWhole);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceWhole(v)]));
    return value;
  };
  return replaceWhole(args) as Record<string, unknown>;
}

function lookup(id: string, path: string, results: Map<string, StepResultView>): unknown {
  const ref = `\${steps.${id}.${path}}`;
  const view = results.get(id);
  if (!view) throw new ReferenceError(`${ref} cannot be resolved: step "${id}" has not run or did not succeed.`);
  const segments = parsePath(path, ref);
  const head = segments.shift();
  let current: unknown;
  if (head === 'text') current = view.result ? textForTokens({ ...view.result, structuredContent: undefined }) : typeof view.value === 'string' ? view.value : JSON.stringify(view.value);
  else if (head === 'isError') current = view.result?.isError === true;
  else if (head === 'structured') current = view.result ? view.result.structuredContent : view.value;
  else if (head === 'output') current = view.result ?? view.value;
  else throw new ReferenceError(`${ref} must continue with .text, .isError, .output or .structured.`);
  for (const seg of segments) {
    if (current === null || current === undefined || typeof current !== 'object' || !(seg in (current as object))) {
      throw new ReferenceError(`${ref} cannot be resolved: there is no ${typeof seg === 'number' ? `[${seg}]` : `"${seg}"`} in step "${id}"'s result at that point.`);
    }
    current = (current as Record<string | number, unknown>)[seg];
  }
  if (current === undefined) throw new ReferenceError(`${ref} cannot be resolved: step "${id}" returned no ${head}.`);
  return current;
}

function parsePath(path: string, ref: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while (last < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`));
    last = re.lastIndex;
  }
  if (last !== path.length) throw new ReferenceError(`${ref} has a path that cannot be read at "${path.slice(last)}".`);
  return out;
}


