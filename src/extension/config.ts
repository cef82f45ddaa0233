// The one typed settings layer. Every `mcpHarness.*` setting is read through a getter here, so a
// renamed key or a changed default is a one-line change and the rest of the extension never sees strings.
import * as vscode from 'vscode';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../core/guards/defaults';
import type { GuardrailsConfig, PolicyConfig } from '../core/guards/types';
import { DEFAULT_PRICES, type PriceTable } from '../core/tokens/index';

export const SECTION = 'mcpHarness';

/**
 * Settings read once when the connection layer is built: changing them offers a window reload
 * instead of silently doing nothing. Every other setting is read when it is used.
 */
export const RELOAD_REQUIRED_SETTINGS: readonly string[] = [`${SECTION}.requestTimeoutMs`];

/** Settings that change which servers exist: a change re-runs discovery. */
export const REDISCOVER_SETTINGS: readonly string[] = [`${SECTION}.discovery.includeUserConfigs`];

/** Defaults not owned by the core. Policy/guardrails defaults come from the core (package.json mirrors them; a test compares). */
export const DEFAULTS = {
  requestTimeoutMs: 30_000,
  includeUserConfigs: false,
  discoveryDebounceMs: 200,
};

export class Config {
  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private num(key: string, fallback: number, min = 0): number {
    const v = this.section.get<unknown>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
  }

  private bool(key: string, fallback: boolean): boolean {
    const v = this.section.get<unknown>(key);
    return typeof v === 'boolean' ? v : fallback;
  }

  private strings(key: string, fallback: string[]): string[] {
    const v = this.section.get<unknown>(key);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : fallback;
  }

  get requestTimeoutMs(): number {
    return this.num('requestTimeoutMs', DEFAULTS.requestTimeoutMs, 1);
  }

  get includeUserConfigs(): boolean {
    return this.bool('discovery.includeUserConfigs', DEFAULTS.includeUserConfigs);
  }

  /** Servers whose tool annotations may loosen the policy (see the policy guard). */
  get trustedServers(): string[] {
    return this.strings('trustedServers', []);
  }

  get policy(): PolicyConfig {
    const d = DEFAULT_POLICY;
    return {
      ...d,
      allow: this.strings('policy.allow', d.allow),
      deny: this.strings('policy.deny', d.deny),
      noNetwork: this.bool('policy.noNetwork', d.noNetwork),
      dryRun: this.bool('policy.dryRun', d.dryRun),
      maxSteps: this.num('policy.maxSteps', d.maxSteps, 1),
      readOnly: this.bool('policy.readOnly', d.readOnly),
      confirmDestructive: this.bool('policy.confirmDestructive', d.confirmDestructive),
      timeoutMs: this.num('policy.timeoutMs', d.timeoutMs, 1),
      maxTotalTimeoutMs: this.num('policy.maxTotalTimeoutMs', d.maxTotalTimeoutMs ?? 300_000, 1),
      retries: this.num('policy.retries', d.retries ?? 1, 0),
      trustedServers: this.trustedServers,
    };
  }

  get guardrails(): GuardrailsConfig {
    const d = DEFAULT_GUARDRAILS;
    const mode = this.section.get<unknown>('guardrails.mode');
    const redact = this.strings('guardrails.redact', d.redact).filter(
      (r): r is 'secrets' | 'pii' => r === 'secrets' || r === 'pii',
    );
    return {
      ...d,
      mode: mode === 'hard_gate' || mode === 'mixed' || mode === 'advisory' ? mode : d.mode,
      redact,
      tokenizePii: this.bool('guardrails.tokenizePii', d.tokenizePii),
      maxOutputTokens: this.num('guardrails.maxOutputTokens', d.maxOutputTokens, 1),
      detectInjection: this.bool('guardrails.detectInjection', d.detectInjection ?? true),
    };
  }

  /** The built-in dated price table with the user's `mcpHarness.prices` entries over it. */
  get prices(): PriceTable {
    const v = this.section.get<unknown>('prices');
    const out: PriceTable = { ...DEFAULT_PRICES };
    if (v && typeof v === 'object') {
      for (const [model, p] of Object.entries(v as Record<string, unknown>)) {
        const price = p as { inputPerMTok?: unknown; outputPerMTok?: unknown } | null;
        if (price && typeof price.inputPerMTok === 'number' && typeof price.outputPerMTok === 'number') {
          out[model] = { inputPerMTok: price.inputPerMTok, outputPerMTok: price.outputPerMTok };
        }
      }
    }
    return out;
  }

  /** Where session traces go, relative to the session's workspace folder unless absolute. */
  get traceDir(): string {
    const v = this.section.get<unknown>('traceDir');
    return typeof v === 'string' && v.trim() ? v.trim() : '.mcp-harness/traces';
  }

  static affects(e: vscode.ConfigurationChangeEvent, keys: readonly string[]): boolean {
    return keys.some((k) => e.affectsConfiguration(k));
  }
}
