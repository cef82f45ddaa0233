// Byte-pair encoding merges within one pre-tokenizer piece, and gpt-tokenizer's merge loop is quadratic
// in the piece's length: a 64 KiB run of "x" (or of spaces, or of dots) is one piece and costs seconds.
// Tool output is untrusted and such runs are what a huge or garbage result looks like, so counting cuts
// every run of one character class longer than MAX_RUN_CHARS into runs of at most that length. The classes
// are the ones the pre-tokenizer's pieces are made of (letters, whitespace, punctuation; digits are split
// in threes by the tokenizer itself, so compact JSON or base64 is no long piece and is never cut). The
// cuts fall strictly inside a run, so what comes before and after the run is tokenised in the same
// context as before: a text without such a run is one segment and counts exactly as the library counts
// it; a text with one counts within a token per cut of the library's (quadratic) figure.

/** The longest run of whitespace or of non-whitespace characters handed to the encoder in one piece. */
export const MAX_RUN_CHARS = 512;

/** `text` cut inside its long runs; the segments concatenate back to `text`. */
export function countingSegments(text: string, maxRun = MAX_RUN_CHARS): string[] {
  if (text.length <= maxRun) return [text];
  const n = `{${maxRun + 1},}`;
  const longRun = new RegExp(`[\\p{L}\\p{M}]${n}|\\s${n}|[^\\s\\p{L}\\p{M}\\p{N}]${n}`, 'gu');
  const segments: string[] = [];
  let from = 0;
  for (const match of text.matchAll(longRun)) {
    const end = match.index + match[0].length;
    for (let cut = match.index + maxRun; cut < end; cut += maxRun) {
      const at = isHighSurrogate(text.charCodeAt(cut - 1)) ? cut - 1 : cut;
      segments.push(text.slice(from, at));
      from = at;
    }
  }
  segments.push(text.slice(from));
  return segments;
}

/** Never split a surrogate pair: the halves would each count as a replacement character. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
