// The workspace settings a running gateway follows: .vscode/settings.json's mcpHarness.* (with the --policy file
// over them), read at start and again when either file changes, by one rule: strictly (a file that cannot be read
// stops the start, and a reload keeps the settings in use), each bad value described in the same words. What a
// change applies, and how, is the core's (LiveGatewaySettings, applyGatewaySettings): VS Code's gateway does the same.
import { resolve } from 'node:path';
import { DEFAULT_SAMPLING_MAX_TOKENS } from '../core/client/types';
import { LiveGatewaySettings, type GatewaySettingValues } from '../core/gateway/settings';
import type { HarnessSettings, SettingReader } from '../core/guards/settings';
import { canonicalJson } from '../core/util/canonical';
import { loadSettings } from './runEnvironment';
import { readSettingsFile, settingsFile, SettingsFileError } from './settingsFile';

export { readSettingsFile, settingsFile, SettingsFileError };

export type { GatewaySettingValues };

/** Settings read once at start (the exporter and trace folder are made then): a change says it needs a restart. */
const AT_START_ONLY = ['traceDir', 'otel.endpoint', 'otel.flushDeadlineMs', 'otel.includeContent', 'prices'];

/** What applies instead of an invalid sampling setting: the CLI has no model, so it never asks. */
const SAMPLING_FALLBACKS = { policy: 'sampling stays denied', maxTokens: `sampling replies are capped at the default, ${DEFAULT_SAMPLING_MAX_TOKENS} tokens` };

export interface SettingsChange {
  /** The settings that changed and apply to the next call, e.g. `policy.deny`, `guardrails.redact`, `sampling.policy`. */
  applied: string[];
  /** mcpHarness.* settings that changed but are read only at start. */
  atStartOnly: string[];
  /** New problems with values (left out; their defaults apply), each a line for the user (problemLine). */
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

/** A problem with a setting's value as the gateway says it, at start and at a reload alike. */
export function problemLine(problem: string): string {
  return `${problem}. Fix it in the workspace's .vscode/settings.json (or the --policy file).`;
}

export class GatewaySettings {
  private readonly live: LiveGatewaySettings;
  private read: SettingReader;

  /**
   * Reads the settings files as a reload does: a file that cannot be read throws a SettingsFileError (file:line:col
   * and what is wrong). `problem` gets a line (problemLine) for each bad value.
   */
  constructor(
    private readonly options: GatewaySettingsOptions,
    problem: (line: string) => void,
  ) {
    const { read, harness } = this.readFiles();
    this.read = read;
    this.live = new LiveGatewaySettings(read, harness, SAMPLING_FALLBACKS, (p) => problem(problemLine(p)));
  }

  get current(): GatewaySettingValues {
    return this.live.current;
  }

  /** The files the settings come from (watched while the gateway runs). */
  files(): string[] {
    const { folder, cwd, policyFile } = this.options;
    return [settingsFile(folder), ...(policyFile ? [resolve(cwd, policyFile)] : [])];
  }

  /**
   * Reads the files again. A file that cannot be read throws a SettingsFileError and nothing changes; otherwise the
   * new values are in use and the change says which settings differ.
   */
  reload(): SettingsChange {
    const { read, harness } = this.readFiles();
    const { applied, warnings } = this.live.update(read, harness);
    const atStartOnly = AT_START_ONLY.filter((key) => canonicalJson(this.read(key) ?? null) !== canonicalJson(read(key) ?? null));
    this.read = read;
    return { applied, atStartOnly, warnings: warnings.map(problemLine) };
  }

  private readFiles(): { read: SettingReader; harness: HarnessSettings } {
    const read = readSettingsFile(this.options.folder, this.options.cwd);
    let harness: HarnessSettings;
    try {
      harness = loadSettings(read, this.options.policyFile, this.options.cwd);
    } catch (err) {
      throw new SettingsFileError((err as Error).message.replace(/\. Pass a JSON file.*$/s, '').replace(/\.$/, ''));
    }
    const { timeoutMs } = this.options;
    if (timeoutMs !== undefined) harness = { ...harness, policy: { ...harness.policy, timeoutMs } };
    return { read, harness };
  }
}


