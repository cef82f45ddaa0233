// A dotenv parser that keeps the position of every line it cannot read, so problems land in the
// env file itself. Follows the dotenv package's rules: `KEY=value` or `KEY: value`, an optional
// `export ` prefix, `#` comments (also after an unquoted value), single/double/backtick quotes that may
// span lines, `\n` `\r` `\t` `\"` `\\` escapes inside double quotes only, later keys override earlier ones.
import type { SourceRange } from './types';

export interface DotenvProblem {
  range: SourceRange;
  message: string;
}

export interface DotenvResult {
  values: Record<string, string>;
  problems: DotenvProblem[];
}

const KEY_CHAR = /[\w.-]/;

export function parseDotenv(text: string): DotenvResult {
  const values: Record<string, string> = {};
  const problems: DotenvProblem[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;

  const lineEnd = (from: number): number => {
    let i = from;
    while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
    return i;
  };
  const skipBlanks = (from: number): number => {
    let i = from;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    return i;
  };

  while (pos < n) {
    const lineStart = pos;
    let i = skipBlanks(pos);
    if (i >= n) break;
    if (text[i] === '\n' || text[i] === '\r') {
      pos = i + 1;
      continue;
    }
    if (text[i] === '#') {
      pos = lineEnd(i) + 1;
      continue;
    }
    const end = lineEnd(i);
    const badLine = (message: string): void => {
      problems.push({ range: { offset: lineStart, length: end - lineStart }, message });
      pos = end + 1;
    };
    if (text.startsWith('export', i) && (text[i + 6] === ' ' || text[i + 6] === '\t')) i = skipBlanks(i + 6);
    const keyStart = i;
    while (i < n && KEY_CHAR.test(text[i]!)) i++;
    const key = text.slice(keyStart, i);
    if (!key) {
      badLine('This line is not a KEY=value assignment: write NAME=value (letters, digits, _ . -), or start it with # to make it a comment.');
      continue;
    }
    i = skipBlanks(i);
    if (text[i] === '=') i++;
    else if (text[i] === ':' && (text[i + 1] === ' ' || text[i + 1] === '\t')) i++;
    else {
      badLine(`"${key}" has no "=": write ${key}=value.`);
      continue;
    }
    i = skipBlanks(i);
    const quote = text[i];
    if (quote === '"' || quote === "'" || quote === '`') {
      let j = i + 1;
      while (j < n && text[j] !== quote) j += text[j] === '\\' && j + 1 < n ? 2 : 1;
      if (j >= n) {
        badLine(`The value of "${key}" opens a ${quote} quote that is never closed: add the closing ${quote}.`);
        continue;
      }
      let value = text.slice(i + 1, j);
      if (quote === '"') {
        value = value.replace(/\\([nrt"\\])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c]!);
      }
      const afterQuote = skipBlanks(j + 1);
      const restEnd = lineEnd(afterQuote);
      if (afterQuote < restEnd && text[afterQuote] !== '#') {
        problems.push({
          range: { offset: afterQuote, length: restEnd - afterQuote },
          message: `Unexpected text after the quoted value of "${key}": remove it, or start it with # to make it a comment.`,
        });
      }
      values[key] = value;
      pos = restEnd + 1;
      continue;
    }
    const valueEnd = end;
    let j = i;
    while (j < valueEnd && text[j] !== '#') j++;
    values[key] = text.slice(i, j).trim();
    pos = end + 1;
  }
  return { values, problems };
}
