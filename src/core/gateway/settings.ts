// The settings a running gateway applies to its clients' calls — policy, guardrails, sampling and code mode's
// sandbox limits — as both hosts follow them: the CLI when .vscode/settings.json or the --policy file is saved,
// VS Code when a mcpHarness.* setting changes. One rule for what is valid and what changed, and one way to apply
// a change: every client's next call opens a new run under the new settings (a call under way finishes under
// the ones it began with), and the running gateway says which settings changed.
import { samplingFromSettings, type SamplingSettingValues } from '../client/samplingSettings';
import type { HarnessSettings, SettingReader } from '../guards/settings';
import { sandboxLimitsFromSettings } from '../sandbox/settings';
import type { SandboxLimits } from '../sandbox/types';
import { canonicalJson } from '../util/canonical';
import type { GatewayCore } from './core';

/** What the gateway's runs, lists, audit log and code mode take from the settings. */
export interface GatewaySettingValues {
  harness: HarnessSettings;
  sampling: SamplingSettingValues;
  sandbox: Partial<SandboxLimits>;
}

/** What applies instead of an invalid sampling setting, as the host says it (e.g. "sampling stays denied"). */
export interface SamplingFallbacks {
  policy: string;
  maxTokens: string;
}

export interface SettingsUpdate {
  /** The settings that changed, e.g. `policy.deny`, `guardrails.redact`, `sampling.policy` (prices are not compared). */
  applied: string[];
  /** New problems with values (left out; their defaults apply), each naming the setting, without a final period. */
  warnings: string[];
}

/**
 * The settings values a gateway runs with, and the problems with them. A value that is set but invalid is left out
 * (its default applies) and described once: when it is first read, at start or at the update that brings it.
 */
export class LiveGatewaySettings {
  private values: GatewaySettingValues;
  private problems: Set<string>;

  /** `problems` gets what is wrong with the values read at start (the same sentences an update reports). */
  constructor(
    read: SettingReader,
    harness: HarnessSettings,
    private readonly fallbacks: SamplingFallbacks,
    problems: (message: string) => void,
  ) {
    const found: string[] = [];
    this.values = { harness, ...this.derived(read, found) };
    this.problems = new Set(found);
    found.forEach(problems);
  }

  get current(): GatewaySettingValues {
    return this.values;
  }

  /** Takes the settings as they are now: which of them changed, and the problems with values not reported before. */
  update(read: SettingReader, harness: HarnessSettings): SettingsUpdate {
    const found: string[] = [];
    const next: GatewaySettingValues = { harness, ...this.derived(read, found) };
    const applied = differences(flatten(this.values), flatten(next));
    const known = this.problems;
    this.values = next;
    this.problems = new Set(found);
    return { applied, warnings: found.filter((w) => !known.has(w)) };
  }

  private derived(read: SettingReader, problems: string[]): Omit<GatewaySettingValues, 'harness'> {
    const { values, problems: sampling } = samplingFromSettings(read);
    for (const p of sampling) problems.push(`${p.message}; ${this.fallbacks[p.setting]}`);
    return { sampling: values, sandbox: sandboxLimitsFromSettings(read, (m) => problems.push(m.replace(/\.$/, ''))) };
  }
}

/**
 * Applies changed settings to a running gateway: the audit log masks with the new guardrails, code mode takes the
 * new sandbox limits, every client's next call opens a new run (named with the settings that changed), clients
 * hear that the resource and prompt lists changed when the policy's allow/deny did, and the audit log records
 * the reload. Returns the sentence the host says.
 */
export function applyGatewaySettings(core: GatewayCore, values: GatewaySettingValues, applied: string[]): string {
  core.audit?.setGuardrails(values.harness.guardrails);
  core.codeMode?.setLimits(values.sandbox);
  core.reopenRuns(`settings: ${applied.join(', ')}`);
  // The resource and prompt lists leave out what the policy denies (tools are listed and refused when called).
  if (applied.some((key) => key === 'policy.allow' || key === 'policy.deny')) core.announce(['resources', 'prompts'], core.servers.slice());
  core.audit?.write({ kind: 'admin', action: 'reload', settings: applied });
  return `the settings changed (${applied.join(', ')}); every client's next call applies them.`;
}

/** Every setting as `section.key` → its value in canonical JSON (prices only estimate cost: a price change opens no new run). */
function flatten(values: GatewaySettingValues): Map<string, string> {
  const out = new Map<string, string>();
  const sections: Record<string, object> = { policy: values.harness.policy, guardrails: values.harness.guardrails, sampling: values.sampling, sandbox: values.sandbox };
  for (const [section, object] of Object.entries(sections)) {
    for (const [key, value] of Object.entries(object)) if (value !== undefined) out.set(`${section}.${key}`, canonicalJson(value));
  }
  return out;
}

function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}
