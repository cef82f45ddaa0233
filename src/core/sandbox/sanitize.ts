// Guest text (console output, error messages) is shown in terminals, output channels and webviews:
// strip ANSI/OSC escape sequences and control characters so a guest cannot rewrite a terminal, and cut it.

// CSI (ESC [ ... final), OSC (ESC ] ... BEL|ST), other two-byte ESC sequences, and C1 CSI (0x9b).
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[@-Z\\-_]?|\u009b[0-?]*[ -/]*[@-~]/g;
// Control characters except tab and newline; also C1 controls, bidi overrides and zero-width joiners that disguise text.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/g;

export function sanitizeText(text: string, maxChars: number): string {
  let clean = text.replace(ESCAPES, '').replace(CONTROLS, (c) => (c === '\r' ? '' : '\uFFFD'));
  if (clean.length > maxChars) {
    const cut = clean.length - maxChars;
    clean = `${clean.slice(0, maxChars)}… [${cut} more characters cut]`;
  }
  return clean;
}
