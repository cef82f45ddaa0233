// PII rules of the output/argument scanners: e-mail addresses, card numbers (Luhn), phone numbers, IPv4
// and IPv6 addresses and IBANs, each found by a linear walk.
import { isIPv6 } from 'node:net';
import { C, cls, isAlnumAt } from './textClasses';
import type { ScanMatch } from './scanners';

const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
export function scanEmails(text: string, out: ScanMatch[]): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) return;
    from = at + 1;
    let s = at;
    while (s > 0 && at - s < 64 && EMAIL_LOCAL.test(text[s - 1])) s--;
    while (s < at && text[s] === '.') s++;
    if (s === at) continue;
    let e = at + 1;
    while (e < text.length && e - at < 255 && (isAlnumAt(text, e) || text[e] === '-' || text[e] === '.')) e++;
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    const domain = text.slice(at + 1, e);
    const dot = domain.lastIndexOf('.');
    if (dot <= 0) continue;
    const tld = domain.slice(dot + 1);
    if (tld.length < 2 || !/^[A-Za-z]+$/.test(tld)) continue;
    out.push({ start: s, end: e, category: 'pii', type: 'email', severity: 'warning' });
    from = e;
  }
}

/** Runs of digits with phone/card separators: cards (Luhn), phone numbers and IPv4 addresses. */
export function scanNumbers(text: string, out: ScanMatch[]): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    const isDigit = ch >= 48 && ch <= 57;
    const startsNumber = isDigit || ((ch === 43 /* + */ || ch === 40) /* ( */ && i + 1 < n && /[0-9]/.test(text[i + 1]));
    if (!startsNumber || isAlnumAt(text, i - 1) || (i > 0 && text[i - 1] === '.')) {
      i++;
      continue;
    }
    const start = i;
    let digits = '';
    let separators = 0;
    let consecutiveSeparators = 0;
    let j = i;
    let lastDigit = i;
    while (j < n && digits.length <= 19) {
      const c = text[j];
      if (c >= '0' && c <= '9') {
        digits += c;
        consecutiveSeparators = 0;
        lastDigit = j;
      } else if (c === ' ' || c === '-' || c === '.' || c === '(' || c === ')' || (c === '+' && j === start)) {
        if (++consecutiveSeparators > 2) break;
        if (j !== start) separators++;
      } else break;
      j++;
    }
    const end = lastDigit + 1;
    i = Math.max(end, i + 1);
    if (isAlnumAt(text, end)) continue;
    const token = text.slice(start, end);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(token)) {
      if (token.split('.').every((p) => Number(p) <= 255)) out.push({ start, end, category: 'pii', type: 'ip', severity: 'warning' });
      continue;
    }
    if (digits.length >= 13 && digits.length <= 19 && /^[0-9 -]+$/.test(token) && luhn(digits)) {
      out.push({ start, end, category: 'pii', type: 'card', severity: 'warning' });
      continue;
    }
    if (/^\d{4}-\d{2}-\d{2}/.test(token) || /^\d+(\.\d+)?$/.test(token)) continue; // dates and plain numbers
    const plus = token.startsWith('+');
    if ((plus && digits.length >= 8 && digits.length <= 15) || (!plus && separators > 0 && digits.length >= 10 && digits.length <= 13)) {
      out.push({ start, end, category: 'pii', type: 'phone', severity: 'warning' });
    }
  }
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

// IBAN lengths per country (SWIFT IBAN registry): a candidate is checked at its country's length only.
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

export function scanIbans(text: string, out: ScanMatch[]): void {
  const n = text.length;
  for (let i = 0; i + 4 <= n; i++) {
    if (!(cls(text, i) & C.UPPER) || !(cls(text, i + 1) & C.UPPER) || !(cls(text, i + 2) & C.DIGIT) || !(cls(text, i + 3) & C.DIGIT)) continue;
    if (isAlnumAt(text, i - 1)) continue;
    const length = IBAN_LENGTHS[text.slice(i, i + 2)];
    if (!length) continue;
    // Collect exactly the country's length of upper-case alphanumerics, allowing single spaces between groups.
    let j = i;
    let compact = '';
    while (j < n && compact.length < length) {
      if (cls(text, j) & (C.UPPER | C.DIGIT)) compact += text[j++];
      else if (text[j] === ' ' && j + 1 < n && cls(text, j + 1) & (C.UPPER | C.DIGIT) && compact.length > 0) j++;
      else break;
    }
    if (compact.length !== length || isAlnumAt(text, j)) continue;
    if (ibanValid(compact)) {
      out.push({ start: i, end: j, category: 'pii', type: 'iban', severity: 'warning' });
      i = j - 1;
    }
  }
}

export function scanIpv6(text: string, out: ScanMatch[]): void {
  // One pass over maximal runs of hex digits, ':' and '.'; only short runs with two or more colons are checked.
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (!(cls(text, i) & C.HEX) && c !== ':') {
      i++;
      continue;
    }
    const s = i;
    let colons = 0;
    while (i < n && (cls(text, i) & C.HEX || text[i] === ':' || text[i] === '.')) {
      if (text[i] === ':') colons++;
      i++;
    }
    let e = i;
    while (e > s && text[e - 1] === '.') e--;
    if (colons < 2 || e - s > 45 || e - s < 3 || isAlnumAt(text, s - 1) || isAlnumAt(text, i)) continue;
    const token = text.slice(s, e);
    if (token !== '::' && isIPv6(token)) out.push({ start: s, end: e, category: 'pii', type: 'ip', severity: 'warning' });
  }
}
