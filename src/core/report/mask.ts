// A last masking pass for values that leave the machine in a report. Traces are already redacted
// by the output guardrails; this catches what an older or foreign trace may still carry (keys that
// name a credential, strings shaped like well-known secrets). It masks, it does not judge.

import { scanText } from '../guards/scanners';

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|auth(orization)?|cookie|credential|private[-_]?key|session[-_]?id)$/i;

/** Already-masked placeholders are left as they are. */
const PLACEHOLDER = /^\[(REDACTED|MASKED)[^\]]*\]$|^<[A-Z_]+_\d+>$/;

/** Masks secrets and PII with the same linear-time scanners the output guardrails use. */
export function maskString(text: string): string {
  if (text.length < 6) return text;
  const matches = scanText(text);
  if (!matches.length) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    if (m.start < at) continue; // overlapping matches: the first one already covers it
    out += text.slice(at, m.start) + `[REDACTED:${m.type}]`;
    at = m.end;
  }
  return out + text.slice(at);
}

/** Returns a deep copy with secret-named keys and secret-shaped strings masked. */
export function maskValue(value: unknown, depth = 0): unknown {
  if (depth > 64) return '[MASKED:too_deep]';
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // Binary payloads (image/audio data, resource blobs) are base64, not text: the guardrails skip them too.
    const obj = value as Record<string, unknown>;
    const binary = (obj.type === 'image' || obj.type === 'audio') && typeof obj.data === 'string';
    for (const [k, v] of Object.entries(obj)) {
      if ((binary && k === 'data') || (k === 'blob' && typeof v === 'string')) out[k] = v;
      else if (SECRET_KEY.test(k) && v !== null && v !== '' && !(typeof v === 'string' && PLACEHOLDER.test(v)) && typeof v !== 'boolean') {
        out[k] = '[MASKED]';
      } else out[k] = maskValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
