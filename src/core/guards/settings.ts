// `mcpHarness.*` settings → policy, guardrails and prices. Pure (no 'vscode'): the CLI reads the
// workspace's .vscode/settings.json through it; invalid values fall back to the defaults.
import type { GuardrailsConfig, PolicyConfig } from './types';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from './defaults';
import { DEFAULT_PRICES, type ModelPrice, type PriceTable } from '../tokens/index';

/** Reads one setting by its key under `mcpHarness.` (e.g. 'policy.deny'); undefined when unset. */
export type SettingReader = (key: string) => unknown;

export interface HarnessSettings {
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
  prices: PriceTable;
}

export function settingsToConfig(read: SettingReader): HarnessSettings {
  const num = (key: string, fallback: number, min = 0) => {
    const v = read(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
  };
  const bool = (key: string, fallback: boolean) => {
    const v = read(key);
    return typeof v === 'boolean' ? v : fallback;
  };
  const strings = (key: string, fallback: string[]) => {
    const v = read(key);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : fallback;
  };
  const p = DEFAULT_POLICY;
  const g = DEFAULT_GUARDRAILS;
  const mode = read('guardrails.mode');
  const prices: PriceTable = { ...DEFAULT_PRICES };
  const custom = read('prices');
  if (custom && typeof custom === 'object') {
    for (const [model, price] of Object.entries(custom as Record<string, unknown>)) {
      const v = price as Partial<ModelPrice> | undefined;
      if (v && typeof v.inputPerMTok === 'number' && typeof v.outputPerMTok === 'number' && v.inputPerMTok >= 0 && v.outputPerMTok >= 0) {
        prices[model] = { inputPerMTok: v.inputPerMTok, outputPerMTok: v.outputPerMTok };
      }
    }
  }
  return {
    policy: {
      allow: strings('policy.allow', p.allow),
      deny: strings('policy.deny', p.deny),
      noNetwork: bool('policy.noNetwork', p.noNetwork),
      dryRun: bool('policy.dryRun', p.dryRun),
      maxSteps: num('policy.maxSteps', p.maxSteps, 1),
      readOnly: bool('policy.readOnly', p.readOnly),
      confirmDestructive: bool('policy.confirmDestructive', p.confirmDestructive),
      timeoutMs: num('policy.timeoutMs', p.timeoutMs, 1),
      maxTotalTimeoutMs: num('policy.maxTotalTimeoutMs', p.maxTotalTimeoutMs!, 1),
      retries: Math.min(5, num('policy.retries', p.retries!, 0)),
      trustedServers: strings('trustedServers', strings('policy.trustedServers', p.trustedServers!)),
    },
    guardrails: {
      mode: mode === 'hard_gate' || mode === 'mixed' || mode === 'advisory' ? mode : g.mode,
      redact: strings('guardrails.redact', g.redact).filter((x): x is 'secrets' | 'pii' => x === 'secrets' || x === 'pii'),
      tokenizePii: bool('guardrails.tokenizePii', g.tokenizePii),
      maxOutputTokens: num('guardrails.maxOutputTokens', g.maxOutputTokens, 1),
      detectInjection: bool('guardrails.detectInjection', g.detectInjection !== false),
    },
    prices,
  };
}

/** Reader over a parsed settings.json object (flat `mcpHarness.a.b` keys or nested `mcpHarness: {a: {b}}`). */
export function settingsJsonReader(settings: Record<string, unknown>): SettingReader {
  return (key) => {
    const flat = settings[`mcpHarness.${key}`];
    if (flat !== undefined) return flat;
    let cur: unknown = settings.mcpHarness;
    for (const part of key.split('.')) {
      if (!cur || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  };
}
