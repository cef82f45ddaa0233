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

/**
 * The longest stretch one regular-expression match covers: an unbounded repeat over a run of millions of
 * characters overflows the regular-expression engine's stack (a RangeError), so a longer run is matched as
 * several consecutive stretches.
 */
const MAX_MATCH_CHARS = 64 * MAX_RUN_CHARS;

/** `text` cut inside its long runs; the segments concatenate back to `text`. */
export function countingSegments(text: string, maxRun = MAX_RUN_CHARS): string[] {
  if (text.length <= maxRun) return [text];
  const longest = Math.max(MAX_MATCH_CHARS, maxRun + 1);
  const n = `{${maxRun + 1},${longest}}`;
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
    // A stretch of the longest length may go on in the next one: cut at its end as well (when the run ends
    // exactly there instead, the cut falls on the run's edge, within a token of the uncut count).
    // (length counts UTF-16 units, the quantifier code points: a stretch of astral characters is longer.)
    if (match[0].length >= longest && end < text.length) {
      segments.push(text.slice(from, end));
      from = end;
    }
  }
  segments.push(text.slice(from));
  return segments;
}

/** Never split a surrogate pair: the halves would each count as a replacement character. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
