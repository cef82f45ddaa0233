// The workspace settings a running gateway follows: .vscode/settings.json's mcpHarness.* (with the --policy file
// over them), read at start and again when either file changes, by one rule: strictly (a file that cannot be read
// stops the start, and a reload keeps the settings in use), each bad value described in the same words. What a
// change applies, and how, is the core's (LiveGatewaySettings, applyGatewaySettings): VS Code's gateway does the same.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_SAMPLING_MAX_TOKENS } from '../core/client/types';
import { describeParseError, getNodeValue, offsetToPosition, parseDocument } from '../core/config/jsonc';
import { LiveGatewaySettings, type GatewaySettingValues } from '../core/gateway/settings';
import { settingsJsonReader, type HarnessSettings, type SettingReader } from '../core/guards/settings';
import { canonicalJson } from '../core/util/canonical';
import { loadSettings } from './runEnvironment';

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

/** A settings file the gateway could not read: the message says where and what. */
export class SettingsFileError extends Error {
  private get what(): string {
    return this.message.replace(/\.$/, '');
  }

  /** At start: nothing is served under settings the user did not mean. */
  get atStart(): string {
    return `${this.what}. The gateway did not start: fix the file, then start it again.`;
  }

  /** Before a run (call, run, exec, agent): nothing runs under a policy the user did not mean. */
  get atRun(): string {
    return `${this.what}. Nothing was run: fix the file (or move it aside), then run the command again.`;
  }

  /** At a reload: the settings in use stay. */
  get atReload(): string {
    return `${this.what}. The change was not applied: the gateway keeps its running settings until the file is fixed.`;
  }
}

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
    // No file (or no folder: the workspace check says so) is no settings.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return () => undefined;
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
