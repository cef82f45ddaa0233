// ASCII character classes for the linear-time scanners: a table lookup per character instead of a regex.
export const enum C {
  ALNUM = 1,
  B64 = 2, // A-Za-z0-9+/
  URLSAFE = 4, // A-Za-z0-9_-
  UPPER = 8,
  LOWER = 16,
  DIGIT = 32,
  HEX = 64,
}

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let f = 0;
  if (/[A-Z]/.test(ch)) f |= C.UPPER | C.ALNUM | C.B64 | C.URLSAFE;
  if (/[a-z]/.test(ch)) f |= C.LOWER | C.ALNUM | C.B64 | C.URLSAFE;
  if (/[0-9]/.test(ch)) f |= C.DIGIT | C.ALNUM | C.B64 | C.URLSAFE | C.HEX;
  if (/[a-fA-F]/.test(ch)) f |= C.HEX;
  if (ch === '+' || ch === '/') f |= C.B64;
  if (ch === '_' || ch === '-') f |= C.URLSAFE;
  CLASS[c] = f;
}

export function cls(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? CLASS[c] : 0;
}

export function isAlnumAt(text: string, i: number): boolean {
  return i >= 0 && i < text.length && (cls(text, i) & C.ALNUM) !== 0;
}

/** End of the maximal run of characters whose class has any bit of `mask`, starting at `from`. */
export function runEnd(text: string, from: number, mask: number, extra?: string): number {
  let i = from;
  while (i < text.length) {
    if (cls(text, i) & mask) i++;
    else if (extra && extra.includes(text[i])) i++;
    else break;
  }
  return i;
}
