// Output guardrails over a whole value (a CallToolResult, structured content or arguments): every string
// is scanned, matches are masked or replaced by PII placeholders, and findings say what was found where —
// never the value itself.
import type { Finding, Severity } from '../../protocol/trace';
import { findInjection, scanText, type ScanMatch } from './scanners';
import type { GuardrailsConfig } from './types';

/** Stable PII placeholders for one session (`[EMAIL_1]`); the map lives in memory only. */
export class PiiVault {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  placeholderFor(type: string, value: string): string {
    let p = this.byValue.get(value);
    if (!p) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      p = `[${type.toUpperCase()}_${n}]`;
      this.byValue.set(value, p);
      this.byPlaceholder.set(p, value);
    }
    return p;
  }

  get size(): number {
    return this.byPlaceholder.size;
  }

  /** Replaces every known placeholder in a string by its original value. */
  restoreString(text: string): string {
    if (!this.byPlaceholder.size || !text.includes('[')) return text;
    return text.replace(/\[[A-Z]+_\d+\]/g, (p) => this.byPlaceholder.get(p) ?? p);
  }

  restore<T>(value: T): T {
    if (!this.byPlaceholder.size) return value;
    return mapStrings(value, (s) => this.restoreString(s)) as T;
  }
}

/**
 * Applies fn to every string in a JSON-like value; returns the same object when nothing changed.
 * The JSON path is built only when fn asks for it (path()), which keeps the common no-finding case cheap.
 */
export function mapStrings(value: unknown, fn: (s: string, path: () => string) => string, root = '$'): unknown {
  const stack: (string | number)[] = [];
  const path = () => root + stack.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return fn(v, path);
    if (depth > 64 || !v || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        stack.push(i);
        const x = walk(v[i], depth + 1);
        stack.pop();
        if (x !== v[i]) (out ??= v.slice())[i] = x;
      }
      return out ?? v;
    }
    let out: Record<string, unknown> | undefined;
    const obj = v as Record<string, unknown>;
    // Binary payloads (image/audio data, resource blobs) are base64, not text for a model to read.
    const binary = (obj.type === 'image' || obj.type === 'audio') && typeof obj.data === 'string';
    for (const key in obj) {
      if ((binary && key === 'data') || key === 'blob' || key === 'mimeType') continue;
      stack.push(key);
      const x = walk(obj[key], depth + 1);
      stack.pop();
      if (x !== obj[key]) (out ??= { ...obj })[key] = x;
    }
    return out ?? v;
  };
  return walk(value, 0);
}

export interface GuardrailScan {
  /** The value with secrets / PII masked as configured (same object when nothing was masked). */
  redacted: unknown;
  findings: Finding[];
  /** The most severe secret finding, for the mode's decision. */
  worstSecret?: Severity;
  injection: boolean;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

export function scanValue(value: unknown, config: GuardrailsConfig, vault: PiiVault | undefined, stage: 'guardrails' | 'record', pathPrefix = '$'): GuardrailScan {
  const findings: Finding[] = [];
  let worstSecret: Severity | undefined;
  let injection = false;
  const redactSecrets = config.redact.includes('secrets');
  const redactPii = config.redact.includes('pii');
  const detectInjection = stage === 'guardrails' && config.detectInjection !== false;
  const redacted = mapStrings(
    value,
    (text, path) => {
      if (detectInjection && !injection) {
        const hit = findInjection(text);
        if (hit) {
          injection = true;
          findings.push({ stage, kind: 'injection', severity: 'error', path: path(), message: `Text that addresses the model rather than the user ("${hit.phrase}") was found in the tool output.` });
        }
      }
      if (text.length < 6) return text;
      const matches = scanText(text);
      if (!matches.length) return text;
      const counts = new Map<string, { n: number; severity: Severity }>();
      for (const m of matches) {
        const kind = `${m.category}.${m.type}`;
        const c = counts.get(kind);
        if (c) c.n++;
        else counts.set(kind, { n: 1, severity: m.severity });
        if (m.category === 'secret' && (!worstSecret || RANK[m.severity] > RANK[worstSecret])) worstSecret = m.severity;
      }
      for (const [kind, { n, severity }] of counts) {
        findings.push({ stage, kind, severity, path: path(), message: `${n === 1 ? 'A' : n} ${describeKind(kind)}${n === 1 ? ' was' : ' were'} found${maskedNote(kind, redactSecrets, redactPii, config.tokenizePii)}.` });
      }
      return maskText(text, matches, redactSecrets, redactPii, config.tokenizePii ? vault : undefined);
    },
    pathPrefix,
  );
  return { redacted, findings, worstSecret, injection };
}

function maskedNote(kind: string, secrets: boolean, pii: boolean, tokenize: boolean): string {
  if (kind.startsWith('secret.')) return secrets ? ' and masked' : ' (redaction of secrets is off)';
  if (!pii) return ' (redaction of PII is off)';
  return tokenize ? ' and replaced by a placeholder' : ' and masked';
}

const DESCRIPTIONS: Record<string, string> = {
  'secret.private_key': 'private key',
  'secret.aws_access_key': 'AWS access key',
  'secret.gcp_api_key': 'Google Cloud API key',
  'secret.github_token': 'GitHub token',
  'secret.slack_token': 'Slack token',
  'secret.slack_webhook': 'Slack webhook URL',
  'secret.openai_key': 'OpenAI API key',
  'secret.anthropic_key': 'Anthropic API key',
  'secret.jwt': 'JSON Web Token',
  'secret.basic_auth_password': 'password in a URL',
  'secret.high_entropy': 'high-entropy token (possible secret)',
  'pii.email': 'email address',
  'pii.phone': 'phone number',
  'pii.card': 'payment card number',
  'pii.iban': 'IBAN',
  'pii.ip': 'IP address',
};

function describeKind(kind: string): string {
  return DESCRIPTIONS[kind] ?? kind;
}

function maskText(text: string, matches: ScanMatch[], secrets: boolean, pii: boolean, vault: PiiVault | undefined): string {
  let out = '';
  let last = 0;
  for (const m of matches) {
    const mask = m.category === 'secret' ? secrets : pii;
    if (!mask) continue;
    out += text.slice(last, m.start);
    out += m.category === 'pii' && vault ? vault.placeholderFor(m.type, text.slice(m.start, m.end)) : `[REDACTED:${m.type}]`;
    last = m.end;
  }
  if (last === 0) return text;
  return out + text.slice(last);
}
