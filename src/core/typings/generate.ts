// Tool typings: TypeScript declarations generated from each tool's input/output JSON schemas, written
// to .mcp-harness/types/mcp-tools.d.ts with a jsconfig.json so `*.mcp.js` files get completion. The
// same per-tool stub is what `mcp.describe("server/tool")` returns inside the sandbox.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolCatalogEntry } from '../guards/types';

type Schema = Record<string, unknown>;

const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(
    ' ',
  ),
);

/** A valid JS identifier for a server or tool name (the name used in `tools.<server>.<tool>`). */
export function sanitizeIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, '_');
  if (!id) id = '_';
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** Maps sanitised server → sanitised tool → "server/tool", resolving collisions with numeric suffixes. */
export function buildToolIndex(catalog: ToolCatalogEntry[]): Record<string, Record<string, string>> {
  const index: Record<string, Record<string, string>> = {};
  const serverIds = new Map<string, string>();
  const unique = (taken: Set<string>, base: string): string => {
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    return id;
  };
  const takenServers = new Set<string>();
  for (const { server, tool } of catalog) {
    let sid = serverIds.get(server);
    if (!sid) {
      sid = unique(takenServers, sanitizeIdentifier(server));
      serverIds.set(server, sid);
      index[sid] = {};
    }
    const takenTools = new Set(Object.keys(index[sid]));
    index[sid][unique(takenTools, sanitizeIdentifier(tool.name))] = `${server}/${tool.name}`;
  }
  return index;
}

function pascal(name: string): string {
  const out = sanitizeIdentifier(name)
    .split(/[_$]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
  return /^[A-Za-z_$]/.test(out) ? out : `T${out}`;
}

function docComment(text: string | undefined, indent: string): string {
  if (!text || !text.trim()) return '';
  const lines = text.replace(/\*\//g, '*\\/').trim().split(/\r?\n/);
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

const MAX_DEPTH = 12;

/** A TypeScript type for a JSON schema (the common subset tools use; anything else is `unknown`). */
export function schemaToType(schema: unknown, indent = '', depth = 0): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (!schema || typeof schema !== 'object' || depth > MAX_DEPTH) return 'unknown';
  const s = schema as Schema;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  for (const combo of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[combo])) return (s[combo] as unknown[]).map((x) => schemaToType(x, indent, depth + 1)).join(' | ') || 'unknown';
  }
  if (Array.isArray(s.allOf)) return (s.allOf as unknown[]).map((x) => schemaToType(x, indent, depth + 1)).join(' & ') || 'unknown';
  const type = s.type;
  if (Array.isArray(type)) return type.map((t) => schemaToType({ ...s, type: t }, indent, depth + 1)).join(' | ');
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const items = s.items;
      if (Array.isArray(items)) return `[${items.map((x) => schemaToType(x, indent, depth + 1)).join(', ')}]`;
      const inner = schemaToType(items, indent, depth + 1);
      return /^[A-Za-z0-9_."]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
    }
    default:
      if (type === 'object' || s.properties || s.additionalProperties) return objectType(s, indent, depth);
      return 'unknown';
  }
}

function objectType(s: Schema, indent: string, depth: number): string {
  const props = (s.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    const desc = value && typeof value === 'object' ? ((value as Schema).description as string | undefined) : undefined;
    lines.push(`${docComment(desc, inner)}${inner}${propertyKey(key)}${required.has(key) ? '' : '?'}: ${schemaToType(value, inner, depth + 1)};`);
  }
  const extra = s.additionalProperties;
  if (extra && typeof extra === 'object') lines.push(`${inner}[key: string]: ${schemaToType(extra, inner, depth + 1)};`);
  else if (extra === true || (!lines.length && extra === undefined)) lines.push(`${inner}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

interface StubNames {
  serverId: string;
  toolId: string;
}

function typeNames(entry: ToolCatalogEntry, ids?: StubNames): { input: string; output: string } {
  const base = `${pascal(ids?.serverId ?? entry.server)}${pascal(ids?.toolId ?? entry.tool.name)}`;
  return { input: `${base}Input`, output: `${base}Output` };
}

/** One tool's declarations: its input (and output) interface and the call signature, with docs. */
export function toolStub(entry: ToolCatalogEntry, ids?: StubNames): string {
  const { input, output } = typeNames(entry, ids);
  const { tool } = entry;
  const out: string[] = [];
  out.push(`${docComment(`Input of ${entry.server}/${tool.name}.`, '')}export type ${input} = ${schemaToType(tool.inputSchema ?? { type: 'object' })};`);
  const hasOutput = !!tool.outputSchema;
  if (hasOutput) out.push(`${docComment(`Structured output of ${entry.server}/${tool.name}.`, '')}export type ${output} = ${schemaToType(tool.outputSchema)};`);
  const title = tool.title ?? (tool.annotations as { title?: string } | undefined)?.title;
  const doc = [title && title !== tool.name ? title : '', tool.description ?? '', `Call: await tools.${ids?.serverId ?? sanitizeIdentifier(entry.server)}.${ids?.toolId ?? sanitizeIdentifier(tool.name)}(args) or mcp.call(${JSON.stringify(`${entry.server}/${tool.name}`)}, args)`]
    .filter(Boolean)
    .join('\n\n');
  out.push(`${docComment(doc, '')}declare function ${ids?.toolId ?? sanitizeIdentifier(tool.name)}(args: ${input}): Promise<ToolResult<${hasOutput ? output : 'unknown'}>>;`);
  return out.join('\n\n');
}

const COMMON = `/** What every tool call resolves to inside the sandbox. */
interface ToolResult<S = unknown> {
  /** The text parts of the result joined with newlines. */
  text: string;
  /** structuredContent, when the tool returned it. */
  structured: S | undefined;
  /** True when the tool reported an error (the call itself succeeded). */
  isError: boolean;
  /** The raw MCP content parts. */
  content: Array<{ type: string; text?: string; [key: string]: unknown }>;
}

/** Thrown when a guard denies a call; catch it to handle the denial. */
interface ToolDeniedError extends Error {
  name: 'ToolDeniedError';
  decision: 'denied_schema' | 'denied_policy' | 'denied_guardrail';
  reasons: string[];
  step_id: string;
}

interface ToolDescription {
  name: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: unknown;
  outputSchema?: unknown;
  /** TypeScript declarations of the tool. */
  stub: string;
}

declare const mcp: {
  /** The servers the code may use, with a one-line description each. */
  servers(): Promise<Array<{ name: string; description: string; tools: number }>>;
  /** Tools whose name or description match the query, best first. */
  search(query: string): Promise<Array<{ name: string; description: string }>>;
  /** One tool's description, schemas and TypeScript stub. */
  describe(name: \`\${string}/\${string}\`): Promise<ToolDescription>;
  /** Calls a tool through the guard pipeline (schema, policy, guardrails, trace). */
  call(name: \`\${string}/\${string}\`, args?: Record<string, unknown>): Promise<ToolResult>;
};

/** Per-session state shared by the code steps of one session (JSON values, size-capped). */
declare const workspace: {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
  keys(): string[];
};

/** Functions exported by .mcp-harness/skills/*.js, as skills.<file name>.<function>. */
declare const skills: Record<string, Record<string, (...args: any[]) => any>>;
`;

/** The content of .mcp-harness/types/mcp-tools.d.ts for a tool catalog. */
export function generateTypings(catalog: ToolCatalogEntry[]): string {
  const index = buildToolIndex(catalog);
  const parts: string[] = [
    '// Generated by MCP Harness ("MCP: Generate Tool Typings"). Do not edit: regenerate after the servers change.',
    '// Gives *.mcp.js files (sandbox code: an async function body) completion for mcp, tools, skills and workspace.',
    '',
    COMMON,
  ];
  const toolsLines: string[] = ['declare const tools: {'];
  for (const [sid, tools] of Object.entries(index)) {
    const ns = `${pascal(sid)}Tools`;
    parts.push(`declare namespace ${ns} {`);
    const members: string[] = [];
    for (const [tid, full] of Object.entries(tools)) {
      const entry = catalog.find((e) => `${e.server}/${e.tool.name}` === full)!;
      const ids = { serverId: sid, toolId: tid };
      parts.push(indentText(toolStub(entry, ids).replace(/^declare function /m, 'function '), '  '));
      const { input, output } = typeNames(entry, ids);
      const desc = entry.tool.description?.split(/\r?\n/)[0];
      members.push(`${docComment(desc, '    ')}    ${propertyKey(tid)}(args: ${ns}.${input}): Promise<ToolResult<${entry.tool.outputSchema ? `${ns}.${output}` : 'unknown'}>>;`);
    }
    parts.push('}\n');
    toolsLines.push(`  ${propertyKey(sid)}: {`, ...members, '  };');
  }
  toolsLines.push('};');
  parts.push(toolsLines.join('\n'), '');
  return parts.join('\n');
}

function indentText(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

/** jsconfig.json content that brings the typings to every *.mcp.js file of the workspace. */
export function generateJsconfig(): string {
  return (
    JSON.stringify(
      {
        '//': JSCONFIG_MARKER,
        compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'ES2022', checkJs: false, allowJs: true, noLib: false },
        include: ['**/*.mcp.js', '.mcp-harness/types/*.d.ts', '.mcp-harness/skills/*.js'],
        exclude: ['node_modules'],
      },
      null,
      2,
    ) + '\n'
  );
}

const JSCONFIG_MARKER = 'Generated by MCP Harness for *.mcp.js completion; an existing jsconfig.json is never overwritten.';

export interface WrittenTypings {
  typings: string;
  /** Absent when the workspace already had its own jsconfig.json (it is never overwritten). */
  jsconfig?: string;
  /** A sentence for the user when the jsconfig was left alone. */
  note?: string;
}

/** Writes .mcp-harness/types/mcp-tools.d.ts and, unless the user has their own, jsconfig.json at the workspace root. */
export async function writeTypings(workspaceDir: string, catalog: ToolCatalogEntry[]): Promise<WrittenTypings> {
  const typesDir = join(workspaceDir, '.mcp-harness', 'types');
  await mkdir(typesDir, { recursive: true });
  const typings = join(typesDir, 'mcp-tools.d.ts');
  await writeFile(typings, generateTypings(catalog), 'utf8');
  const jsconfig = join(workspaceDir, 'jsconfig.json');
  const existing = await readFile(jsconfig, 'utf8').catch(() => undefined);
  const fresh = generateJsconfig();
  if (existing !== undefined && existing !== fresh) {
    return {
      typings,
      note: `jsconfig.json already exists and was left unchanged; add ".mcp-harness/types/*.d.ts" and "**/*.mcp.js" to its "include" to get completion in *.mcp.js files.`,
    };
  }
  await writeFile(jsconfig, fresh, 'utf8');
  return { typings, jsconfig };
}
