// A tool's definition as the pretty JSON a user reads (the `mcp-tool:` virtual document), with exact
// ranges for JSON pointers and for substrings inside string values (JSON escapes accounted for).
import { parseTree, type Node } from 'jsonc-parser';
import { parsePointer } from './pointer';

export interface TextRange {
  offset: number;
  length: number;
}

export interface RangeOptions {
  /** A range inside the string value at the pointer, in UTF-16 code units of the decoded string. */
  substring?: TextRange;
  /** Select the property name instead of the value. */
  key?: boolean;
}

export interface ToolDocument {
  /** JSON.stringify(tool, null, 2) plus a final newline. */
  text: string;
  /**
   * The range of the node at `pointer`. A string, number, boolean or null value gives the value's range;
   * an object or array that is a property value gives its property name (underlining a whole object is
   * useless); the root gives the tool's "name" value. A pointer that does not exist (e.g. a missing
   * description) gives the range of its nearest existing ancestor, by the same rules.
   */
  rangeOf(pointer: string, options?: RangeOptions): TextRange;
  /** Whether the pointer exists in the document. */
  has(pointer: string): boolean;
  /** The range of a lint finding: its substring when it has one, else its node (see rangeOf). */
  rangeOfFinding(finding: { path: string; range?: TextRange }): TextRange;
}

/** The length JSON.stringify gives one UTF-16 code unit inside a string literal. */
function escapedLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09) return 2;
  if (c < 0x20) return 6;
  // Lone surrogates are escaped as \uXXXX by well-formed JSON.stringify; pairs are written as is.
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 1 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = s.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff ? 1 : 6;
  }
  return 1;
}

/** Maps a range of a decoded string to the range inside its JSON.stringify literal (which starts with the quote). */
export function literalRange(value: string, literalOffset: number, sub: TextRange): TextRange {
  const start = Math.max(0, Math.min(sub.offset, value.length));
  const end = Math.max(start, Math.min(sub.offset + sub.length, value.length));
  let pos = literalOffset + 1;
  let i = 0;
  for (; i < start; i++) pos += escapedLength(value, i);
  const from = pos;
  for (; i < end; i++) pos += escapedLength(value, i);
  return { offset: from, length: pos - from };
}

function child(node: Node, segment: string): Node | undefined {
  if (node.type === 'object') {
    for (const prop of node.children ?? []) {
      if (prop.children?.[0]?.value === segment) return prop.children[1];
    }
    return undefined;
  }
  if (node.type === 'array') {
    if (!/^(0|[1-9]\d*)$/.test(segment)) return undefined;
    return node.children?.[Number(segment)];
  }
  return undefined;
}

export function toolDocument(tool: unknown): ToolDocument {
  const text = JSON.stringify(tool, null, 2) + '\n';
  const root = parseTree(text);
  const resolve = (pointer: string): { node: Node; exact: boolean } | undefined => {
    if (!root) return undefined;
    let node = root;
    for (const segment of parsePointer(pointer)) {
      const next = child(node, segment);
      if (!next) return { node, exact: false };
      node = next;
    }
    return { node, exact: true };
  };
  const rangeOfNode = (node: Node, options: RangeOptions = {}): TextRange => {
    const parent = node.parent;
    const isPropertyValue = parent?.type === 'property' && parent.children?.[1] === node;
    if (options.key && isPropertyValue) {
      const keyNode = parent!.children![0];
      return { offset: keyNode.offset, length: keyNode.length };
    }
    if (node.type === 'object' || node.type === 'array') {
      if (isPropertyValue) {
        const keyNode = parent!.children![0];
        return { offset: keyNode.offset, length: keyNode.length };
      }
      if (node === root && node.type === 'object') {
        const name = child(node, 'name');
        if (name) return { offset: name.offset, length: name.length };
      }
      // An array element that is an object: its opening bracket.
      return { offset: node.offset, length: 1 };
    }
    if (node.type === 'string' && options.substring && typeof node.value === 'string') {
      return literalRange(node.value, node.offset, options.substring);
    }
    return { offset: node.offset, length: node.length };
  };
  const rangeOf = (pointer: string, options?: RangeOptions): TextRange => {
    const found = resolve(pointer);
    if (!found) return { offset: 0, length: 0 };
    return rangeOfNode(found.node, found.exact ? options : {});
  };
  return {
    text,
    has: (pointer) => resolve(pointer)?.exact === true,
    rangeOf,
    rangeOfFinding: (finding) => rangeOf(finding.path, finding.range ? { substring: finding.range } : undefined),
  };
}
