// A command's help, with its option descriptions in one column. Usage texts are written by hand and share
// blocks (the OTLP flags, the request timeout), so a long flag or a shared block would otherwise leave
// some descriptions a few columns off the others.

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
