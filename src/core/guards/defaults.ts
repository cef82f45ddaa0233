// Defaults for the policy and guardrails. The extension maps `mcpHarness.policy.*` and
// `mcpHarness.guardrails.*` settings onto these; a session file overrides them, a step overrides its session.
import type { GuardrailsConfig, PolicyConfig } from './types';

export const DEFAULT_POLICY: PolicyConfig = {
  allow: ['*/*'],
  deny: [],
  noNetwork: false,
  dryRun: false,
  maxSteps: 100,
  readOnly: false,
  confirmDestructive: true,
  timeoutMs: 30_000,
  maxTotalTimeoutMs: 300_000,
  retries: 1,
  trustedServers: [],
};

export const DEFAULT_GUARDRAILS: GuardrailsConfig = {
  mode: 'mixed',
  redact: ['secrets', 'pii'],
  tokenizePii: false,
  maxOutputTokens: 4000,
  detectInjection: true,
};

/** Limits that protect the trace, not the model: a single stored string is capped at this many characters. */
export const MAX_TRACE_STRING_CHARS = 32_768;

export function mergePolicy(base: PolicyConfig, ...overrides: (Partial<PolicyConfig> | undefined)[]): PolicyConfig {
  let out = base;
  for (const o of overrides) if (o) out = { ...out, ...stripUndefined(o) };
  return out;
}

export function mergeGuardrails(base: GuardrailsConfig, ...overrides: (Partial<GuardrailsConfig> | undefined)[]): GuardrailsConfig {
  let out = base;
  for (const o of overrides) if (o) out = { ...out, ...stripUndefined(o) };
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
