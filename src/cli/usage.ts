// A command's help, with its option descriptions in one column. Usage texts are written by hand and share
// blocks (the OTLP flags, the request timeout), so a long flag or a shared block would otherwise leave
// some descriptions a few columns off the others. And what a refused command line did wrong, said for the command.
import type { CliCommand } from './io';

/** Flags longer than this keep their description two spaces after them instead of widening every line. */
const MAX_FLAG_WIDTH = 24;
/** "  --flag ARG    description": the flag (with its argument) and its description, two or more spaces apart. */
const OPTION_LINE = /^ {2}(-\S*(?: \S+)*?) {2,}(\S.*)$/;
/** A description's next line: indented deeper than a flag, under the option it continues. */
const CONTINUATION = /^ {4,}(\S.*)$/;

/** Puts every option line's description (and the lines continuing it) in one column. */
export function alignOptions(usage: string): string {
  const lines = usage.split('\n');
  const flags = lines.map((line) => OPTION_LINE.exec(line)?.[1]).filter((f): f is string => f !== undefined && f.length <= MAX_FLAG_WIDTH);
  if (!flags.length) return usage;
  const column = 2 + Math.max(...flags.map((f) => f.length)) + 2;
  let inOption = false;
  return lines
    .map((line) => {
      const option = OPTION_LINE.exec(line);
      if (option) {
        inOption = true;
        const [, flag, text] = option;
        return `  ${flag.padEnd(column - 4)}  ${text}`;
      }
      const more = inOption ? CONTINUATION.exec(line) : null;
      if (more) return `${' '.repeat(column)}${more[1]}`;
      inOption = false;
      return line;
    })
    .join('\n');
}

/** What was wrong with a command line node:util's parseArgs refused, said for this command. */
export function argumentProblem(err: unknown, name: string, command: Pick<CliCommand, 'options' | 'usage' | 'positionals'>): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /Unknown option '([^']+)'/.exec(message)?.[1] ?? '';
    const near = closestOption(given, ['json', ...Object.keys(command.options)]);
    const hint = near ? `did you mean --${near}?` : 'its options are listed below';
    // Only a command that takes positional arguments can have meant one.
    const positional = (command.positionals?.max ?? 0) > 0 ? ` (an argument that starts with '-' goes after '--': -- ${given})` : '';
    return `unknown option '${given}' for \`mcp-harness ${name}\`: ${hint}${positional}`;
  }
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const missing = /^Option '(?:-\w, )?(--?[^ ']+)(?: <value>)?' argument missing/.exec(message);
    if (missing) {
      // The value's name as the usage shows it ("--workspace DIR"), else a generic one.
      const shown = new RegExp(`${missing[1]} ([A-Z][A-Za-z0-9._|-]*)`).exec(command.usage)?.[1] ?? 'VALUE';
      return `option ${missing[1]} needs a value: ${missing[1]} ${shown}`;
    }
  }
  // node's other messages ("Option '--json' does not take an argument", …) say it well, after a lower-case start.
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** What was wrong with the number of arguments a command got, said for this command. */
export function positionalProblem(name: string, expected: { min: number; max: number }, given: string[]): string {
  const { min, max } = expected;
  const args = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if (given.length < min) {
    return `${name} needs ${min === max ? args(min) : `at least ${args(min)}`}, got ${given.length || 'none'} (see the usage below).`;
  }
  const extra = given.slice(max).map((a) => `'${a}'`).join(', ');
  const takes = max === 0 ? 'takes no arguments' : min === max ? `takes ${args(max)}` : `takes at most ${args(max)}`;
  // A word the shell split off an unquoted value ("--goal find the file") lands here too.
  return `${name} ${takes}, but also got ${extra} (a value with spaces needs quotes).`;
}

/**
 * The known option nearest to a mistyped one, if any: one a prefix of the other, or a few edits apart (one for a
 * short name, at most two), so a short typo is not "corrected" into an unrelated option.
 */
function closestOption(given: string, names: string[]): string | undefined {
  const typed = given.replace(/^-+/, '').split('=')[0];
  if (!typed) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = name.startsWith(typed) || typed.startsWith(name) ? 1 : editDistance(typed, name);
    if (distance <= Math.min(2, Math.max(1, Math.floor(typed.length / 3))) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
