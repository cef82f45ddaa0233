// `mcpHarness.sandbox.*` settings → sandbox limits. Pure (no 'vscode'): the extension passes its
// configuration reader, the CLI a reader over .vscode/settings.json. Out-of-range values are dropped
// (the default applies) and reported, so a typo never breaks code steps.
import type { SettingReader } from '../guards/settings';
import { LIMIT_BOUNDS, type SandboxLimits } from './types';

/** Setting name (under mcpHarness.sandbox.) → limit. */
export const SANDBOX_SETTINGS: Record<string, keyof SandboxLimits> = {
  timeoutMs: 'timeoutMs',
  memoryMb: 'memoryMb',
  stackKb: 'stackKb',
  maxToolCalls: 'maxToolCalls',
  maxOutputBytes: 'maxOutputBytes',
};

export function sandboxLimitsFromSettings(read: SettingReader, warn?: (message: string) => void): Partial<SandboxLimits> {
  const limits: Partial<SandboxLimits> = {};
  for (const [setting, limit] of Object.entries(SANDBOX_SETTINGS)) {
    const value = read(`sandbox.${setting}`);
    if (value === undefined || value === null) continue;
    const [min, max] = LIMIT_BOUNDS[limit];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      warn?.(`Setting mcpHarness.sandbox.${setting} must be a number from ${min} to ${max}; using the default instead of ${JSON.stringify(value)}.`);
      continue;
    }
    limits[limit] = value;
  }
  return limits;
}

/** The setting that sets a limit ("mcpHarness.sandbox.timeoutMs"), if there is one. */
export function settingForLimit(limit: keyof SandboxLimits): string | undefined {
  const setting = Object.keys(SANDBOX_SETTINGS).find((name) => SANDBOX_SETTINGS[name] === limit);
  return setting && `mcpHarness.sandbox.${setting}`;
}

/** Advice naming the setting that raises a limit ("set mcpHarness.sandbox.timeoutMs" + where), if there is one. */
export function settingAdvice(limit: keyof SandboxLimits, where = ''): string | undefined {
  const setting = settingForLimit(limit);
  return setting && `set ${setting}${where}`;
}
