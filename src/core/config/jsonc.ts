// Thin helpers over jsonc-parser that keep exact source offsets for diagnostics.
import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { SourceRange } from './types';

export type { Node };
export { getNodeValue };

export interface ParsedDocument {
  root: Node | undefined;
  errors: ParseError[];
}

/** Parses JSONC (comments and trailing commas allowed, as VS Code and Gemini CLI accept them). */
export function parseDocument(text: string): ParsedDocument {
  const errors: ParseError[] = [];
  // A byte-order mark is not JSON; blank it out rather than slicing so offsets stay those of the file.
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const root = parseTree(source, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  return { root, errors };
}

/** Parse errors a stricter reader would add: comments (unless allowed) and trailing commas. */
export function strictOnlyErrors(text: string, allowComments = false): ParseError[] {
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const lenient: ParseError[] = [];
  const strict: ParseError[] = [];
  parseTree(source, lenient, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  parseTree(source, strict, { allowTrailingComma: false, disallowComments: !allowComments, allowEmptyContent: true });
  const seen = new Set(lenient.map((e) => `${e.offset}:${e.error}`));
  const byOffset = new Map<number, ParseError>();
  for (const error of strict) {
    if (seen.has(`${error.offset}:${error.error}`)) continue;
    // A trailing comma is reported (twice) at the closing bracket after it: point at the comma instead.
    let offset = error.offset;
    if (source[offset] === '}' || source[offset] === ']') {
      let i = offset - 1;
      while (i >= 0 && /\s/.test(source[i]!)) i--;
      if (source[i] === ',') offset = i;
    }
    if (!byOffset.has(offset)) byOffset.set(offset, { ...error, offset, length: offset === error.offset ? error.length : 1 });
  }
  return [...byOffset.values()];
}

const PARSE_ERROR_ADVICE: Record<string, string> = {
  InvalidSymbol: 'Unexpected character: remove it or put the text in double quotes.',
  InvalidNumberFormat: 'Invalid number: write numbers like 30 or 1.5, or put the text in double quotes.',
  PropertyNameExpected: 'A property name in double quotes was expected here: write "name": value.',
  ValueExpected: 'A value was expected here: add a string, number, object, array, true, false or null.',
  ColonExpected: 'A colon was expected here: write "name": value.',
  CommaExpected: 'A comma was expected here: separate entries with commas.',
  CloseBraceExpected: 'A closing brace "}" was expected: close the object.',
  CloseBracketExpected: 'A closing bracket "]" was expected: close the array.',
  EndOfFileExpected: 'Unexpected text after the end of the JSON value: remove it, or wrap everything in one object.',
  InvalidCommentToken: 'Invalid comment: use // line comments or /* block comments */.',
  UnexpectedEndOfComment: 'This block comment is not closed: add */.',
  UnexpectedEndOfString: 'This string is not closed: add the closing double quote.',
  UnexpectedEndOfNumber: 'This number is incomplete: add the missing digits.',
  InvalidUnicode: 'Invalid \\u escape: write four hex digits, like \\u00e9.',
  InvalidEscapeCharacter: 'Invalid escape in a string: write \\\\ for a backslash (Windows paths need doubled backslashes).',
  InvalidCharacter: 'Invalid character in a string: escape control characters such as tabs (\\t) and newlines (\\n).',
};

/** A sentence for a jsonc-parser error that says what to do. */
export function describeParseError(error: ParseError): string {
  const name = printParseErrorCode(error.error);
  return PARSE_ERROR_ADVICE[name] ?? `Invalid JSON (${name}): fix the syntax at this position.`;
}

/** jsonc-parser can report ranges running past the end of broken text (an unclosed comment): keep them inside. */
export function clampRange(text: string, range: SourceRange): SourceRange {
  const offset = Math.min(Math.max(0, range.offset), text.length);
  return { offset, length: Math.max(0, Math.min(range.length, text.length - offset)) };
}

export function rangeOf(node: Node): SourceRange {
  return { offset: node.offset, length: node.length };
}

/** The key node of a property node. */
export function keyOf(property: Node): Node {
  return property.children![0]!;
}

/** The value node of a property node (absent when the value is missing in broken text). */
export function valueOf(property: Node): Node | undefined {
  return property.children?.[1];
}

/** The properties of an object node, as [name, property node] pairs in source order. */
export function propertiesOf(object: Node): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  for (const property of object.children ?? []) {
    if (property.type !== 'property') continue;
    const key = keyOf(property);
    out.push([String(key.value), property]);
  }
  return out;
}

/** Describes a node's JSON type for messages ("a number", "an array"...). */
export function describeNodeType(node: Node | undefined): string {
  if (!node) return 'nothing';
  switch (node.type) {
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return node.value ? 'true' : 'false';
    case 'null': return 'null';
    default: return 'a property';
  }
}

/**
 * Maps each index of a string node's decoded value to its offset in the file, so a range inside the
 * value (a `${...}` variable) can be reported exactly even when the string contains escapes.
 * The array has value.length + 1 entries; the last one is the offset of the closing quote.
 */
export function stringValueOffsets(text: string, node: Node): number[] {
  const offsets: number[] = [];
  const end = node.offset + node.length - 1; // closing quote (or end of text when unterminated)
  let i = node.offset + 1;
  while (i < end) {
    offsets.push(i);
    if (text[i] === '\\') i += text[i + 1] === 'u' ? 6 : 2;
    else i += 1;
  }
  offsets.push(Math.min(i, end));
  return offsets;
}

/**
 * Converts a 0-based offset into a 0-based line and character (UTF-16 code units, as VS Code counts).
 * \n, \r\n and \r all end a line. Offsets outside the text are clamped.
 */
export function offsetToPosition(text: string, offset: number): { line: number; character: number } {
  const target = Math.max(0, Math.min(Math.floor(offset), text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < target; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10 /* \n */) {
      line++;
      lineStart = i + 1;
    } else if (ch === 13 /* \r */) {
      // In a \r\n pair the line ends at the \n (an offset pointing at that \n is still on this line).
      if (text.charCodeAt(i + 1) === 10) continue;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: target - lineStart };
}
