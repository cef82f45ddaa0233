// The one typed settings layer. Every `mcpHarness.*` setting is read through a getter here, so a
// renamed key or a changed default is a one-line change and the rest of the extension never sees strings.
import * as vscode from 'vscode';
import { type HarnessSettings, type SettingReader, settingsToConfig } from '../core/guards/settings';
import type { GuardrailsConfig, PolicyConfig } from '../core/guards/types';
import { DEFAULT_OTEL_FLUSH_DEADLINE_MS } from '../core/otel/exporter';
import type { PriceTable } from '../core/tokens/index';
import { samplingFromSettings } from '../core/client/samplingSettings';
import { DEFAULT_SAMPLING_MAX_TOKENS, type SamplingPolicy } from '../core/client/types';
import { AGENT_LIMIT_BOUNDS, type AgentLimits } from '../core/agent/types';
import { oauthRequestTimeoutSetting } from './auth/settings';

export const SECTION = 'mcpHarness';

/**
 * Settings read once when the connection layer is built: changing them offers a window reload
 * instead of silently doing nothing. Every other setting is read when it is used.
 */
export const RELOAD_REQUIRED_SETTINGS: readonly string[] = [`${SECTION}.requestTimeoutMs`];

/** Settings that change which servers exist: a change re-runs discovery. */
export const REDISCOVER_SETTINGS: readonly string[] = [`${SECTION}.discovery.includeUserConfigs`];

/** Defaults not owned by the core. Policy/guardrails defaults come from the core; package.json mirrors them and a test compares. */
export const DEFAULTS = {
  requestTimeoutMs: 30_000,
  otelFlushDeadlineMs: DEFAULT_OTEL_FLUSH_DEADLINE_MS,
  includeUserConfigs: false,
  discoveryDebounceMs: 200,
  labBudgetSeconds: 60,
};

export type { SamplingPolicy };

export type GatewayMode = 'direct' | 'code';

/** The setting that switches the in-host gateway between its modes (a change restarts it on next use). */
export const GATEWAY_MODE_SETTING = `${SECTION}.gateway.mode`;

export interface SamplingSettings {
  /** Default for every server: deny, ask the user (remembered per server), or allow without asking. */
  policy: SamplingPolicy;
  /** The most tokens a sampling reply may have; a server asking for more gets this many. */
  maxTokens: number;
  /** Preferred model: `vendor/id`, an id or a family; empty = the server's hints, then the first available model. */
  model: string;
}

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

  /** How long one OAuth request may take (sign-in, sign-out, a token refresh); `problem` says why a set value was not used. */
  get oauthRequestTimeout(): { value: number; problem?: string } {
    return oauthRequestTimeoutSetting(this.section.get<unknown>('oauth.requestTimeoutMs'));
  }

  /** The time budget of one reliability lab run, shared by its suites. */
  get labBudgetMs(): number {
    // At most an hour, as the CLI's --budget: a longer timer would overflow and fire at once.
    return Math.min(this.num('lab.budgetSeconds', DEFAULTS.labBudgetSeconds, 1), 3600) * 1000;
  }

  /** The OTLP/HTTP collector runs are exported to; undefined: no export (nothing of the SDK is loaded). */
  get otelEndpoint(): string | undefined {
    const v = this.section.get<unknown>('otel.endpoint');
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  }

  /** What the in-host gateway offers VS Code's agent: every upstream tool, or code mode's search_tools and run_code. */
  get gatewayMode(): GatewayMode {
    return this.section.get<unknown>('gateway.mode') === 'code' ? 'code' : 'direct';
  }

  get otelIncludeContent(): boolean {
    return this.bool('otel.includeContent', false);
  }

  get otelFlushDeadlineMs(): number {
    return this.num('otel.flushDeadlineMs', DEFAULTS.otelFlushDeadlineMs, 1);
  }

  get includeUserConfigs(): boolean {
    return this.bool('discovery.includeUserConfigs', DEFAULTS.includeUserConfigs);
  }

  /** Servers whose tool annotations may loosen the policy (see the policy guard). */
  get trustedServers(): string[] {
    return this.strings('trustedServers', []);
  }

  /** Policy, guardrails and prices as the core maps them (the CLI reads .vscode/settings.json the same way). */
  private get harness(): HarnessSettings {
    return this.snapshot().harness;
  }

  /**
   * Every mcpHarness.* setting as read now, for core parts that take a reader (the gateway compares one snapshot
   * with the next to say which settings changed), with the policy, guardrails and prices mapped from it.
   */
  snapshot(): { read: SettingReader; harness: HarnessSettings } {
    const section = this.section;
    const read: SettingReader = (key) => section.get<unknown>(key);
    return { read, harness: settingsToConfig(read) };
  }

  get policy(): PolicyConfig {
    return this.harness.policy;
  }

  get guardrails(): GuardrailsConfig {
    return this.harness.guardrails;
  }

  /** The built-in dated price table with the user's `mcpHarness.prices` entries over it. */
  get prices(): PriceTable {
    return this.harness.prices;
  }

  /** Where session traces go, relative to the session's workspace folder unless absolute. */
  get traceDir(): string {
    const v = this.section.get<unknown>('traceDir');
    return typeof v === 'string' && v.trim() ? v.trim() : '.mcp-harness/traces';
  }

  /** How sampling requests from servers are answered (VS Code asks by default) and the reply's token limit. */
  get sampling(): SamplingSettings {
    const section = this.section;
    // An invalid value falls back to the default here; VS Code's settings editor already marks it.
    const { values } = samplingFromSettings((key) => section.get<unknown>(key));
    const model = section.get<unknown>('sampling.model');
    return {
      policy: values.policy ?? 'ask',
      maxTokens: values.maxTokens ?? DEFAULT_SAMPLING_MAX_TOKENS,
      model: typeof model === 'string' ? model.trim() : '',
    };
  }

  /** The agent limits the user set (mcpHarness.agent.*); a session file's "limits" go over them. */
  get agentLimits(): Partial<AgentLimits> {
    const out: Partial<AgentLimits> = {};
    for (const key of Object.keys(AGENT_LIMIT_BOUNDS) as (keyof AgentLimits)[]) {
      const v = this.section.get<unknown>(`agent.${key}`);
      if (v !== undefined && v !== null) out[key] = v as number;
    }
    return out;
  }

  static affects(e: vscode.ConfigurationChangeEvent, keys: readonly string[]): boolean {
    return keys.some((k) => e.affectsConfiguration(k));
  }
}
