// A last masking pass for values that leave the machine in a report. Traces are already redacted
// by the output guardrails; this catches what an older or foreign trace may still carry (keys that
// name a credential, strings shaped like well-known secrets). It masks, it does not judge.

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|auth(orization)?|cookie|credential|private[-_]?key|session[-_]?id)$/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[REDACTED:private_key]'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, '[REDACTED:aws_access_key]'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, '[REDACTED:github_token]'],
  [/\bgithub_pat_[A-Za-z0-9_]{40,}\b/g, '[REDACTED:github_token]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, '[REDACTED:slack_token]'],
  [/\bsk-(ant-|proj-)?[A-Za-z0-9_-]{20,}\b/g, '[REDACTED:api_key]'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, '[REDACTED:google_api_key]'],
  [/\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*/g, 'Bearer [REDACTED:bearer_token]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, '[REDACTED:jwt]'],
];

/** Already-masked placeholders are left as they are. */
const PLACEHOLDER = /^\[(REDACTED|MASKED)[^\]]*\]$|^<[A-Z_]+_\d+>$/;

export function maskString(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Returns a deep copy with secret-named keys and secret-shaped strings masked. */
export function maskValue(value: unknown, depth = 0): unknown {
  if (depth > 64) return '[MASKED:too_deep]';
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_KEY.test(k) && v !== null && v !== '' && !(typeof v === 'string' && PLACEHOLDER.test(v)) && typeof v !== 'boolean') {
        out[k] = '[MASKED]';
      } else out[k] = maskValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
