// mcpHarness.sampling.policy and .maxTokens as both hosts read them (VS Code's settings, the CLI's
// .vscode/settings.json): one rule for what is valid. A value set but invalid is left out and described;
// what then applies is the host's to say (VS Code asks by default, the CLI denies).
import type { SettingReader } from '../guards/settings';
import type { SamplingPolicy } from './types';

export interface SamplingSettingValues {
  policy?: SamplingPolicy;
  maxTokens?: number;
}

export interface SamplingSettingProblem {
  setting: keyof SamplingSettingValues;
  /** What is wrong, naming the setting and the value found. */
  message: string;
}

const POLICIES: readonly SamplingPolicy[] = ['deny', 'ask', 'allow'];

/** The sampling settings that are set and valid, and a problem for each one set but invalid. */
export function samplingFromSettings(read: SettingReader): { values: SamplingSettingValues; problems: SamplingSettingProblem[] } {
  const values: SamplingSettingValues = {};
  const problems: SamplingSettingProblem[] = [];
  const policy = read('sampling.policy');
  if (POLICIES.includes(policy as SamplingPolicy)) values.policy = policy as SamplingPolicy;
  else if (policy !== undefined && policy !== null) {
    problems.push({ setting: 'policy', message: `mcpHarness.sampling.policy must be "deny", "ask" or "allow" (it is ${JSON.stringify(policy)})` });
  }
  const maxTokens = read('sampling.maxTokens');
  if (typeof maxTokens === 'number' && Number.isSafeInteger(maxTokens) && maxTokens >= 1) values.maxTokens = maxTokens;
  else if (maxTokens !== undefined && maxTokens !== null) {
    problems.push({ setting: 'maxTokens', message: `mcpHarness.sampling.maxTokens must be a whole number of at least 1 (it is ${JSON.stringify(maxTokens)})` });
  }
  return { values, problems };
}
