// Finds where tools are defined in a workspace's own server code, so lint findings can be shown to
// the server's author in the code that causes them. Pattern-based (no parser per language): the
// tool name as a string literal next to a registration call, or a decorated Python function.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { scanHidden } from './unicode';

export interface SourcePosition {
  /** UTF-16 offset in the file. */
  offset: number;
  length: number;
  /** 0-based line and UTF-16 character (VS Code positions). */
  line: number;
  character: number;
}

export interface DescriptionLiteral extends SourcePosition {
  /** The string's value with escapes decoded. */
  value: string;
  /** When the literal contains hidden characters (raw or as escapes): the whole literal rewritten without them. */
  cleanedLiteral?: string;
}

export interface DescriptionInsertion {
  offset: number;
  line: number;
  character: number;
  /** 'property' inside an options object, 'argument' after the name argument, 'docstring' under a Python def. */
  kind: 'property' | 'argument' | 'docstring';
  /** Source text to insert (a placeholder sentence for the author to replace). */
  text: string;
}

export interface ToolSourceLocation extends SourcePosition {
  file: string;
  /** How the tool was recognised, e.g. "registerTool(", "@mcp.tool", "Tool(name=". */
  pattern: string;
  description?: DescriptionLiteral;
  /** Where a description would go, when the definition has none. */
  descriptionInsert?: DescriptionInsertion;
}

export interface SourceScanOptions {
  maxFiles?: number;
  maxFileBytes?: number;
  maxDepth?: number;
  signal?: AbortSignal;
}

export interface SourceScanResult {
  locations: Map<string, ToolSourceLocation[]>;
  filesScanned: number;
  /** True when maxFiles stopped the scan early. */
  truncated: boolean;
  /** Files skipped because they exceed maxFileBytes. */
  skippedLarge: string[];
}

export const SOURCE_SCAN_DEFAULTS = { maxFiles: 2000, maxFileBytes: 1024 * 1024, maxDepth: 12 };
const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '.py']);
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', 'build', '.venv', 'venv', '__pycache__', '.mcp-harness', 'coverage', '.next', '.vscode-test', '.tox', 'site-packages']);
/** How far from the name literal a registration call or a description may be. */
const LOOKBEHIND = 200;
const LOOKAHEAD = 1500;

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionAt(starts: number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A string literal (JS or Python, single line or triple-quoted) starting at the match position.
const LITERAL = String.raw`(?:[rRuUbBfF]{0,2})(?:"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\[\s\S]|[^"\\\n])*"|'(?:\\[\s\S]|[^'\\\n])*'|` + '`' + String.raw`(?:\\[\s\S]|[^` + '`' + String.raw`\\])*` + '`)';

interface DecodedLiteral {
  value: string;
  /** For each code unit of value, [start, end) of the source text it came from (relative to the literal start). */
  spans: [number, number][];
  bodyStart: number;
  bodyEnd: number;
}

/** Decodes the body of a JS or Python string literal, keeping where each character came from. */
export function decodeLiteral(literal: string): DecodedLiteral | undefined {
  const prefix = /^[rRuUbBfF]{0,2}/.exec(literal)![0];
  const raw = /r/i.test(prefix);
  const rest = literal.slice(prefix.length);
  const quote = rest.startsWith('"""') || rest.startsWith("'''") ? rest.slice(0, 3) : rest[0];
  if (!quote || !`"'\``.includes(quote[0])) return undefined;
  const bodyStart = prefix.length + quote.length;
  const bodyEnd = literal.length - quote.length;
  let value = '';
  const spans: [number, number][] = [];
  const push = (s: string, from: number, to: number): void => {
    for (let k = 0; k < s.length; k++) {
      value += s[k];
      spans.push([from, to]);
    }
  };
  let i = bodyStart;
  while (i < bodyEnd) {
    const c = literal[i];
    if (c !== '\\' || raw) {
      push(c, i, i + 1);
      i++;
      continue;
    }
    const n = literal[i + 1];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`', a: '\x07', e: '\x1b' };
    let m: RegExpExecArray | null;
    if (n === 'x' && (m = /^[0-9a-fA-F]{2}/.exec(literal.slice(i + 2)))) {
      push(String.fromCharCode(parseInt(m[0], 16)), i, i + 4);
      i += 4;
    } else if (n === 'u' && (m = /^\{([0-9a-fA-F]{1,6})\}/.exec(literal.slice(i + 2)))) {
      push(String.fromCodePoint(parseInt(m[1], 16)), i, i + 2 + m[0].length);
      i += 2 + m[0].length;
    } else if (n === 'u' && (m = /^[0-9a-fA-F]{4}/.exec(literal.slice(i + 2)))) {
      push(String.fromCharCode(parseInt(m[0], 16)), i, i + 6);
      i += 6;
    } else if (n === 'U' && (m = /^[0-9a-fA-F]{8}/.exec(literal.slice(i + 2)))) {
      push(String.fromCodePoint(parseInt(m[0], 16)), i, i + 10);
      i += 10;
    } else if (n === '\n') {
      i += 2; // line continuation
    } else if (n !== undefined && simple[n] !== undefined) {
      push(simple[n], i, i + 2);
      i += 2;
    } else {
      push(n ?? '', i, i + 2);
      i += 2;
    }
  }
  return { value, spans, bodyStart, bodyEnd };
}

/** The literal with every hidden character removed, whether written raw or as an escape; undefined when it has none. */
export function cleanLiteral(literal: string): string | undefined {
  const decoded = decodeLiteral(literal);
  if (!decoded) return undefined;
  const scan = scanHidden(decoded.value);
  if (!scan.runs.length) return undefined;
  const drop = new Array<boolean>(literal.length).fill(false);
  for (const run of scan.runs) {
    for (let k = run.offset; k < run.offset + run.length; k++) {
      const [from, to] = decoded.spans[k];
      for (let p = from; p < to; p++) drop[p] = true;
    }
  }
  let out = '';
  for (let p = 0; p < literal.length; p++) if (!drop[p]) out += literal[p];
  return out;
}

interface Candidate {
  nameOffset: number;
  nameLength: number;
  pattern: string;
  /** Where to look for the description: the text after the name. */
  searchFrom: number;
  searchTo: number;
  insert?: (text: string) => DescriptionInsertion | undefined;
  description?: { offset: number; literal: string };
}

function findDescription(text: string, from: number, to: number, python: boolean): { offset: number; literal: string } | undefined {
  const window = text.slice(from, to);
  const re = new RegExp((python ? String.raw`\bdescription\s*=\s*` : String.raw`\bdescription\s*:\s*`) + `(${LITERAL})`);
  const m = re.exec(window);
  if (!m) return undefined;
  return { offset: from + m.index + m[0].length - m[1].length, literal: m[1] };
}

/**
 * In a JS object literal starting at `open` ('{'), finds a top-level `key: <string literal>` (skipping
 * nested objects, arrays and strings), so a parameter's description is never taken for the tool's.
 */
function findTopLevelKey(text: string, open: number, key: string, limit: number): { offset: number; literal: string } | undefined {
  let depth = 0;
  const end = Math.min(text.length, open + limit);
  const keyRe = new RegExp(String.raw`^(?:${key}|"${key}"|'${key}')\s*:\s*`);
  const literalRe = new RegExp(`^${LITERAL}`);
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const m = literalRe.exec(text.slice(i, end));
      if (m) {
        i += m[0].length - 1;
        continue;
      }
    }
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (depth === 0) return undefined;
    } else if (depth === 1 && /[A-Za-z"']/.test(c) && /[\s,{]/.test(text[i - 1] ?? ' ')) {
      const k = keyRe.exec(text.slice(i, i + key.length + 40));
      if (k) {
        const lit = literalRe.exec(text.slice(i + k[0].length, end));
        if (lit) return { offset: i + k[0].length, literal: lit[0] };
        return undefined;
      }
    }
  }
  return undefined;
}

/** Finds the tool-definition sites in one file's text. */
export function findInText(text: string, file: string, toolNames: readonly string[]): { tool: string; location: ToolSourceLocation }[] {
  const python = extname(file) === '.py';
  const starts = lineStarts(text);
  const out: { tool: string; location: ToolSourceLocation }[] = [];
  const at = (offset: number) => positionAt(starts, offset);
  const wanted = new Set(toolNames);
  const nextRegistration = (from: number): number => {
    const re = python ? /@\s*[\w.]+\.tool\b|\bTool\s*\(|\badd_tool\s*\(/g : /\.(?:registerTool|tool|addTool)\s*\(/g;
    re.lastIndex = from;
    const m = re.exec(text);
    return Math.min(m ? m.index : text.length, from + LOOKAHEAD);
  };

  const candidates: { tool: string; c: Candidate }[] = [];
  if (python) {
    // @mcp.tool() / @mcp.tool(name="x", description="...") followed by def f(...):
    const deco = /@\s*([\w.]+)\.tool\s*(\(([^()]*(?:\([^()]*\)[^()]*)*)\))?\s*\n(?:\s*@[^\n]*\n)*(\s*)(?:async\s+)?def\s+(\w+)\s*\(/g;
    for (const m of text.matchAll(deco)) {
      const args = m[3] ?? '';
      const argsOffset = m.index! + m[0].indexOf(args, m[0].indexOf('tool'));
      const nameArg = new RegExp(String.raw`\bname\s*=\s*(${LITERAL})`).exec(args);
      let tool: string;
      let nameOffset: number;
      let nameLength: number;
      if (nameArg) {
        const decoded = decodeLiteral(nameArg[1]);
        tool = decoded?.value ?? '';
        nameOffset = argsOffset + nameArg.index + nameArg[0].length - nameArg[1].length;
        nameLength = nameArg[1].length;
      } else {
        tool = m[5];
        nameOffset = m.index! + m[0].lastIndexOf(m[5]);
        nameLength = m[5].length;
      }
      if (!wanted.has(tool)) continue;
      // The def's body starts after the signature's closing "):" (possibly with a return annotation).
      const defStart = m.index! + m[0].length;
      const sigEnd = /\)\s*(?:->\s*[^:\n]+)?:[ \t]*(?:#[^\n]*)?\n/g;
      sigEnd.lastIndex = defStart;
      const sig = sigEnd.exec(text);
      let description: Candidate['description'];
      const fromArg = nameArg || /\bdescription\s*=/.test(args) ? findDescription(args, 0, args.length, true) : undefined;
      if (fromArg) description = { offset: argsOffset + fromArg.offset, literal: fromArg.literal };
      let insert: Candidate['insert'];
      if (sig && !description) {
        const bodyStart = sig.index + sig[0].length;
        const doc = new RegExp(String.raw`^[ \t]*(${LITERAL})`).exec(text.slice(bodyStart, bodyStart + LOOKAHEAD));
        if (doc && /^[rRuU]{0,2}("""|''')/.test(doc[1])) description = { offset: bodyStart + doc[0].length - doc[1].length, literal: doc[1] };
        else {
          const indent = /^[ \t]*/.exec(text.slice(bodyStart))![0] || (m[4].replace(/\n/g, '') + '    ');
          insert = () => ({ offset: bodyStart, ...at(bodyStart), kind: 'docstring', text: `${indent}"""Describe what this tool does and when to use it."""\n` });
        }
      }
      candidates.push({ tool, c: { nameOffset, nameLength, pattern: `@${m[1]}.tool`, searchFrom: 0, searchTo: 0, description, insert } });
    }
  }
  // The name as a string literal right after a registration call or a name= / name: key.
  for (const tool of wanted) {
    const literal = python ? `(?:"${escapeRegExp(tool)}"|'${escapeRegExp(tool)}')` : `(?:"${escapeRegExp(tool)}"|'${escapeRegExp(tool)}'|\`${escapeRegExp(tool)}\`)`;
    const re = new RegExp(literal, 'g');
    for (const m of text.matchAll(re)) {
      const offset = m.index!;
      if (candidates.some((c) => c.c.nameOffset === offset)) continue;
      const before = text.slice(Math.max(0, offset - LOOKBEHIND), offset);
      const after = offset + m[0].length;
      let pattern: string | undefined;
      let insert: Candidate['insert'];
      let call: RegExpExecArray | null;
      if ((call = /\.(registerTool|tool|addTool)\s*\(\s*$/.exec(before)) && !python) {
        pattern = `${call[1]}(`;
        const rest = text.slice(after, after + 200);
        const obj = /^\s*,\s*\{/.exec(rest);
        const arg = /^\s*,\s*/.exec(rest);
        if (call[1] === 'registerTool' && obj) {
          const o = after + obj[0].length;
          insert = (t) => ({ offset: o, ...at(o), kind: 'property', text: t });
        } else if (arg) {
          const o = after + arg[0].length;
          insert = (t) => ({ offset: o, ...at(o), kind: 'argument', text: t });
        }
      } else if (python && (call = /\b(Tool|add_tool|tool)\s*\([^()]*?\bname\s*=\s*$/.exec(before))) {
        pattern = `${call[1]}(name=`;
      } else if (!python && /\bname\s*:\s*$/.test(before) && /inputSchema|parameters|input_schema/.test(text.slice(Math.max(0, offset - 400), after + LOOKAHEAD))) {
        pattern = 'name:';
        const brace = before.lastIndexOf('{');
        if (brace >= 0) {
          const o = offset - before.length + brace + 1;
          insert = (t) => ({ offset: o, ...at(o), kind: 'property', text: t });
        }
      }
      if (!pattern) continue;
      const searchTo = nextRegistration(after);
      let description: Candidate['description'];
      if (python) description = findDescription(text, after, searchTo, true);
      else if (pattern === 'registerTool(' || pattern === 'addTool(' || pattern === 'tool(') {
        const obj = /^\s*,\s*\{/.exec(text.slice(after, after + 200));
        if (obj) description = findTopLevelKey(text, after + obj[0].length - 1, 'description', LOOKAHEAD * 4);
      } else if (pattern === 'name:') {
        const brace = before.lastIndexOf('{');
        if (brace >= 0) description = findTopLevelKey(text, offset - before.length + brace, 'description', LOOKAHEAD * 4);
      }
      // server.tool(name, 'description', ...) passes the description positionally.
      if (!description && pattern === 'tool(') {
        const pos = new RegExp(String.raw`^\s*,\s*(${LITERAL})`).exec(text.slice(after, after + LOOKAHEAD));
        if (pos) description = { offset: after + pos[0].length - pos[1].length, literal: pos[1] };
      }
      candidates.push({ tool, c: { nameOffset: offset, nameLength: m[0].length, pattern, searchFrom: after, searchTo, description, insert } });
    }
  }
  for (const { tool, c } of candidates) {
    const location: ToolSourceLocation = { file, offset: c.nameOffset, length: c.nameLength, ...at(c.nameOffset), pattern: c.pattern };
    if (c.description) {
      const decoded = decodeLiteral(c.description.literal);
      location.description = {
        offset: c.description.offset,
        length: c.description.literal.length,
        ...at(c.description.offset),
        value: decoded?.value ?? '',
        ...(() => {
          const cleaned = cleanLiteral(c.description!.literal);
          return cleaned === undefined ? {} : { cleanedLiteral: cleaned };
        })(),
      };
    } else if (c.insert) {
      const text = c.pattern === 'tool(' ? `'Describe what this tool does and when to use it.', ` : `description: 'Describe what this tool does and when to use it.', `;
      const ins = c.insert(text);
      if (ins) location.descriptionInsert = ins.kind === 'docstring' ? ins : { ...ins, text: ins.kind === 'property' ? ` ${text.trimEnd()}` : text };
    }
    out.push({ tool, location });
  }
  return out.sort((a, b) => a.location.offset - b.location.offset);
}

/** Scans a workspace folder's source files for the definitions of the given tools. */
export async function scanToolSources(workspaceFolder: string, toolNames: readonly string[], options: SourceScanOptions = {}): Promise<SourceScanResult> {
  const { maxFiles, maxFileBytes, maxDepth } = { ...SOURCE_SCAN_DEFAULTS, ...options };
  const result: SourceScanResult = { locations: new Map(), filesScanned: 0, truncated: false, skippedLarge: [] };
  if (!toolNames.length) return result;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth || result.truncated) return;
    options.signal?.throwIfAborted();
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable directories are skipped, not fatal
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (result.truncated) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) await walk(path, depth + 1);
        else if (entry.name === '.vscode' || entry.name === '.cursor') continue;
        continue;
      }
      if (!entry.isFile() || !SOURCE_EXTENSIONS.has(extname(entry.name)) || entry.name.endsWith('.d.ts') || /\.min\.js$/.test(entry.name)) continue;
      if (result.filesScanned >= maxFiles) {
        result.truncated = true;
        return;
      }
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        continue;
      }
      if (size > maxFileBytes) {
        result.skippedLarge.push(path);
        continue;
      }
      result.filesScanned++;
      const text = await readFile(path, 'utf8').catch(() => '');
      if (!toolNames.some((n) => text.includes(n))) continue;
      for (const { tool, location } of findInText(text, path, toolNames)) {
        const list = result.locations.get(tool) ?? [];
        list.push(location);
        result.locations.set(tool, list);
      }
    }
  };
  await walk(workspaceFolder, 0);
  return result;
}

/** Where each tool is defined in the workspace folder's own source (tools not found are absent). */
export async function findToolSources(workspaceFolder: string, toolNames: readonly string[], options?: SourceScanOptions): Promise<Map<string, ToolSourceLocation[]>> {
  return (await scanToolSources(workspaceFolder, toolNames, options)).locations;
}
