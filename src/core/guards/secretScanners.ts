// Secret rules of the output/argument scanners (secretlint's recommended preset re-implemented as prefix
// searches and bounded character-class walks, plus JWTs and generic high-entropy tokens).
import { C, cls, isAlnumAt, runEnd } from './textClasses';
import type { ScanMatch } from './scanners';
import type { Severity } from '../../protocol/trace';

interface PrefixRule {
  type: string;
  prefixes: string[];
  mask: number;
  extra?: string;
  min: number;
  severity: Severity;
  validate?: (token: string) => boolean;
}

const PREFIX_RULES: PrefixRule[] = [
  { type: 'private_key', prefixes: [], mask: 0, min: 0, severity: 'critical' }, // handled by scanPrivateKeys
  { type: 'aws_access_key', prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'], mask: C.UPPER | C.DIGIT, min: 16, severity: 'critical', validate: (t) => t.length === 20 },
  { type: 'gcp_api_key', prefixes: ['AIza'], mask: C.URLSAFE, min: 35, severity: 'critical' },
  { type: 'github_token', prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], mask: C.ALNUM, min: 36, severity: 'error' },
  { type: 'github_token', prefixes: ['github_pat_'], mask: C.ALNUM, extra: '_', min: 60, severity: 'error' },
  { type: 'slack_token', prefixes: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xapp-'], mask: C.ALNUM, extra: '-', min: 10, severity: 'error' },
  { type: 'slack_webhook', prefixes: ['https://hooks.slack.com/services/'], mask: C.ALNUM, extra: '/', min: 20, severity: 'error' },
  { type: 'anthropic_key', prefixes: ['sk-ant-'], mask: C.URLSAFE, min: 40, severity: 'error' },
  {
    type: 'openai_key',
    prefixes: ['sk-'],
    mask: C.URLSAFE,
    min: 20,
    severity: 'error',
    // Bare `sk-` words are common; require key-like mixing of upper, lower and digits (or the T3BlbkFJ marker).
    validate: (t) => !t.startsWith('sk-ant-') && (t.includes('T3BlbkFJ') || mixedClasses(t.slice(3)) >= 3),
  },
  {
    type: 'jwt',
    prefixes: ['eyJ'],
    mask: C.URLSAFE,
    extra: '.',
    min: 20,
    severity: 'error',
    validate: (t) => {
      const parts = t.replace(/\.+$/, '').split('.');
      return parts.length === 3 && parts[0].length >= 10 && parts[1].startsWith('eyJ') && parts[1].length >= 10;
    },
  },
];

function mixedClasses(s: string): number {
  let f = 0;
  for (let i = 0; i < s.length; i++) f |= cls(s, i);
  return ((f & C.UPPER) ? 1 : 0) + ((f & C.LOWER) ? 1 : 0) + ((f & C.DIGIT) ? 1 : 0);
}

const MAX_TOKEN_CHARS = 16_384;

export function scanPrefixRules(text: string, out: ScanMatch[]): void {
  for (const rule of PREFIX_RULES) {
    for (const prefix of rule.prefixes) {
      let from = 0;
      // Occurrences inside an already-walked run end at the same place: skipping them keeps this linear.
      let walkedUntil = 0;
      for (;;) {
        const at = text.indexOf(prefix, from);
        if (at < 0) break;
        from = at + 1;
        if (at < walkedUntil) continue;
        if (isAlnumAt(text, at - 1) && !prefix.startsWith('https://')) continue;
        const end = runEnd(text, at + prefix.length, rule.mask, rule.extra);
        walkedUntil = end;
        let tokenEnd = end;
        if (rule.type === 'jwt') while (tokenEnd > at && text[tokenEnd - 1] === '.') tokenEnd--;
        if (tokenEnd - at - prefix.length < rule.min) continue;
        // Real keys and tokens are short; a megabyte-long run is data, not a credential.
        if (tokenEnd - at > MAX_TOKEN_CHARS) continue;
        const token = text.slice(at, tokenEnd);
        if (rule.validate && !rule.validate(token)) continue;
        out.push({ start: at, end: tokenEnd, category: 'secret', type: rule.type, severity: rule.severity });
        from = tokenEnd;
      }
    }
  }
}

export function scanPrivateKeys(text: string, out: ScanMatch[]): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf('-----BEGIN ', from);
    if (at < 0) return;
    const headerEnd = text.indexOf('-----', at + 11);
    if (headerEnd < 0 || headerEnd - at > 80) {
      from = at + 11;
      continue;
    }
    const label = text.slice(at + 11, headerEnd);
    if (!label.endsWith('PRIVATE KEY')) {
      from = headerEnd + 5;
      continue;
    }
    const endAt = text.indexOf('-----END ', headerEnd + 5);
    let end = text.length;
    if (endAt >= 0) {
      const close = text.indexOf('-----', endAt + 9);
      end = close >= 0 ? close + 5 : text.length;
    }
    out.push({ start: at, end, category: 'secret', type: 'private_key', severity: 'critical' });
    from = end;
  }
}

export function scanBasicAuth(text: string, out: ScanMatch[]): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf('://', from);
    if (at < 0) return;
    from = at + 3;
    // user:password@host — walk the authority only (bounded by the first '/', whitespace or quote).
    let i = at + 3;
    let colon = -1;
    let atSign = -1;
    while (i < text.length && i - at < 512) {
      const ch = text[i];
      if (ch === '/' || ch === ' ' || ch === '\n' || ch === '"' || ch === "'" || ch === '\t' || ch === '<' || ch === '>') break;
      if (ch === ':' && colon < 0) colon = i;
      if (ch === '@') atSign = i;
      i++;
    }
    if (colon > at + 3 && atSign > colon + 1) {
      out.push({ start: colon + 1, end: atSign, category: 'secret', type: 'basic_auth_password', severity: 'error' });
    }
    from = Math.max(from, i);
  }
}

/** Generic high-entropy tokens: runs of base64/url-safe characters mixing upper, lower and digits. */
export function scanHighEntropy(text: string, out: ScanMatch[]): void {
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!(cls(text, i) & (C.B64 | C.URLSAFE))) {
      i++;
      continue;
    }
    const start = i;
    const end = runEnd(text, i, C.B64 | C.URLSAFE);
    i = end;
    const len = end - start;
    if (len < 24 || len > 512) continue;
    if (isAlnumBoundaryViolation(text, start, end)) continue;
    const token = text.slice(start, end);
    if (token.includes('/') && /^[a-z0-9_./-]+$/i.test(token) && token.split('/').length > 2) continue; // a path
    if (mixedClasses(token) < 3) continue;
    if (shannon(token) < Math.min(4.0, Math.log2(len) - 0.7)) continue;
    out.push({ start, end, category: 'secret', type: 'high_entropy', severity: 'warning' });
  }
}

function isAlnumBoundaryViolation(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  const after = end < text.length ? text.charCodeAt(end) : 32;
  // Part of a larger non-ASCII word: not a token.
  return before > 127 || after > 127;
}

function shannon(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
