// The workspace settings a running gateway follows: .vscode/settings.json's mcpHarness.* (with the --policy file
// over them), read again when either file changes. A file that cannot be read keeps the settings in use; a
// readable one is compared with them, setting by setting, so a reload can say what changed.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { samplingFromSettings, type SamplingSettingValues } from '../core/client/samplingSettings';
import { describeParseError, getNodeValue, offsetToPosition, parseDocument } from '../core/config/jsonc';
import { settingsJsonReader, type HarnessSettings, type SettingReader } from '../core/guards/settings';
import { sandboxLimitsFromSettings } from '../core/sandbox/settings';
import type { SandboxLimits } from '../core/sandbox/types';
import { canonicalJson } from '../core/util/canonical';
import { loadSettings } from './runEnvironment';

/** What the gateway's runs, lists, audit log and code mode take from the settings. */
export interface GatewaySettingValues {
  harness: HarnessSettings;
  sampling: SamplingSettingValues;
  sandbox: Partial<SandboxLimits>;
}

/** Settings read once at start (the exporter and trace folder are made then): a change says it needs a restart. */
const AT_START_ONLY = ['traceDir', 'otel.endpoint', 'otel.flushDeadlineMs', 'otel.includeContent', 'prices'];

export interface SettingsChange {
  /** The settings that changed and apply to the next call, e.g. `policy.deny`, `guardrails.redact`, `sampling.policy`. */
  applied: string[];
  /** mcpHarness.* settings that changed but are read only at start. */
  atStartOnly: string[];
  /** New problems with values (left out; their defaults apply), each naming the setting. */
  warnings: string[];
}

export interface GatewaySettingsOptions {
  folder: string;
  cwd: string;
  /** The --policy file, as given. */
  policyFile?: string;
  /** The request timeout the environment gave the calls (MCP_HARNESS_REQUEST_TIMEOUT_MS): it stays. */
  timeoutMs?: number;
}

export class GatewaySettings {
  private values: GatewaySettingValues;
  private read: SettingReader;
  /** The problems with the values in use (a reload reports only new ones). */
  private problems: Set<string>;

  constructor(
    private readonly options: GatewaySettingsOptions,
    read: SettingReader,
    harness: HarnessSettings,
  ) {
    this.read = read;
    // Problems with the values read at start were reported then (by the command).
    const problems: string[] = [];
    this.values = { harness, ...this.derived(read, (m) => problems.push(m)) };
    this.problems = new Set(problems);
  }

  get current(): GatewaySettingValues {
    return this.values;
  }

  /** The files the settings come from (watched while the gateway runs). */
  files(): string[] {
    const { folder, cwd, policyFile } = this.options;
    return [settingsFile(folder), ...(policyFile ? [resolve(cwd, policyFile)] : [])];
  }

  /**
   * Reads the files again. A file that cannot be read throws a SettingsFileError (file:line:col and what is wrong)
   * and nothing changes; otherwise the new values are in use and the change says which settings differ.
   */
  reload(): SettingsChange {
    const read = readSettingsFile(this.options.folder, this.options.cwd);
    let harness: HarnessSettings;
    try {
      harness = loadSettings(read, this.options.policyFile, this.options.cwd);
    } catch (err) {
      throw new SettingsFileError((err as Error).message.replace(/\. Pass a JSON file.*$/s, '').replace(/\.$/, ''));
    }
    const { timeoutMs } = this.options;
    if (timeoutMs !== undefined) harness = { ...harness, policy: { ...harness.policy, timeoutMs } };
    const warnings: string[] = [];
    const next: GatewaySettingValues = { harness, ...this.derived(read, (m) => warnings.push(m)) };
    const applied = differences(flatten(this.values), flatten(next)).filter((key) => !key.startsWith('prices'));
    const atStartOnly = AT_START_ONLY.filter((key) => canonicalJson(this.read(key) ?? null) !== canonicalJson(read(key) ?? null));
    const known = this.problems;
    this.values = next;
    this.read = read;
    this.problems = new Set(warnings);
    return { applied, atStartOnly, warnings: warnings.filter((w) => !known.has(w)) };
  }

  private derived(read: SettingReader, warn: (message: string) => void): Omit<GatewaySettingValues, 'harness'> {
    const { values, problems } = samplingFromSettings(read);
    for (const p of problems) warn(`${p.message}; ${p.setting === 'policy' ? 'sampling stays denied' : 'sampling replies are capped at the default'}`);
    return { sampling: values, sandbox: sandboxLimitsFromSettings(read, warn) };
  }
}

/** A settings file the gateway could not read: the message says where and what. */
export class SettingsFileError extends Error {}

export function settingsFile(folder: string): string {
  return join(folder, '.vscode', 'settings.json');
}

/**
 * The workspace's mcpHarness.* settings, read strictly: a syntax error or a file that is not a JSON object throws a
 * SettingsFileError naming the file, line and column. A missing file is no settings.
 */
export function readSettingsFile(folder: string, cwd = folder): SettingReader {
  const file = settingsFile(folder);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw new SettingsFileError(`${file}: ${(err as Error).message}`);
  }
  const { root, errors } = parseDocument(text);
  const where = (offset: number) => {
    const { line, character } = offsetToPosition(text, offset);
    const shown = relative(cwd, file);
    return `${shown && !shown.startsWith('..') ? shown : file}:${line + 1}:${character + 1}`;
  };
  if (errors.length) throw new SettingsFileError(`${where(errors[0].offset)}: ${describeParseError(errors[0])}`);
  const value: unknown = root ? getNodeValue(root) : {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SettingsFileError(`${where(root?.offset ?? 0)}: the file must hold one JSON object ({ "mcpHarness.policy.deny": [...] , … })`);
  return settingsJsonReader(value as Record<string, unknown>);
}

/** Every setting as `section.key` → its value in canonical JSON (prices as one `prices` entry per model). */
function flatten(values: GatewaySettingValues): Map<string, string> {
  const out = new Map<string, string>();
  const sections: Record<string, object> = { policy: values.harness.policy, guardrails: values.harness.guardrails, prices: values.harness.prices, sampling: values.sampling, sandbox: values.sandbox };
  for (const [section, object] of Object.entries(sections)) {
    for (const [key, value] of Object.entries(object)) if (value !== undefined) out.set(`${section}.${key}`, canonicalJson(value));
  }
  return out;
}

function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}
