// Linear-time scanners for secrets, PII and prompt injection in tool output and arguments.
// The secret rules follow secretlint's recommended preset (AWS, GCP, GitHub, Slack, OpenAI, Anthropic,
// private keys, basic auth in URLs) plus JWTs and generic high-entropy tokens. secretlint itself is async
// and builds a linting context per text, far over the ~10 µs budget of a guarded call, so the rules are
// re-implemented here as prefix searches (indexOf) followed by bounded character-class walks: every
// character is looked at a constant number of times, so adversarial megabytes cannot make them backtrack.
// The rules live in secretScanners.ts and piiScanners.ts; this file runs them and resolves overlaps.
import type { Severity } from '../../protocol/trace';
import { scanBasicAuth, scanHighEntropy, scanPrefixRules, scanPrivateKeys } from './secretScanners';
import { scanEmails, scanIbans, scanIpv6, scanNumbers } from './piiScanners';

export type MatchCategory = 'secret' | 'pii';

export interface ScanMatch {
  start: number;
  end: number;
  category: MatchCategory;
  /** e.g. 'aws_access_key', 'email'. The finding kind is `${category}.${type}`. */
  type: string;
  severity: Severity;
}

export { luhn, ibanValid } from './piiScanners';
export { findInjection, type InjectionHit } from './injection';

export interface ScanOptions {
  secrets: boolean;
  pii: boolean;
}

/** Every secret and PII match in `text`, non-overlapping, in order. Linear in text length. */
export function scanText(text: string, options: ScanOptions = { secrets: true, pii: true }): ScanMatch[] {
  const found: ScanMatch[] = [];
  if (options.secrets) {
    scanPrivateKeys(text, found);
    scanPrefixRules(text, found);
    scanBasicAuth(text, found);
  }
  if (options.pii) {
    scanEmails(text, found);
    scanIbans(text, found);
    scanNumbers(text, found);
    if (text.includes('::') || text.indexOf(':') !== text.lastIndexOf(':')) scanIpv6(text, found);
  }
  if (options.secrets) scanHighEntropy(text, found);
  return removeOverlaps(found);
}

const CATEGORY_RANK: Record<Severity, number> = { critical: 3, error: 2, warning: 1, info: 0 };

function removeOverlaps(matches: ScanMatch[]): ScanMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.start - b.start || CATEGORY_RANK[b.severity] - CATEGORY_RANK[a.severity] || b.end - a.end);
  const out: ScanMatch[] = [];
  for (const m of matches) {
    const last = out[out.length - 1];
    if (last && m.start < last.end) {
      // Keep the more severe of two overlapping matches; a specific secret beats a generic one.
      if (CATEGORY_RANK[m.severity] > CATEGORY_RANK[last.severity]) out[out.length - 1] = m;
      else if (m.end > last.end && m.severity === last.severity) last.end = m.end;
      continue;
    }
    out.push(m);
  }
  return out;
}
