// The CLI's one place that builds the RunEnvironment `run`, `call` and `exec` run in: the workspace's
// servers, its .vscode/settings.json (mcpHarness.*, as in VS Code) with --policy on top, the trace
// directory (--trace-dir, else mcpHarness.traceDir, else .mcp-harness/traces), confirmation from --yes,
// always the workspace lockfile's pins, and OpenTelemetry export when --otlp or mcpHarness.otel.endpoint asks.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mergeGuardrails, mergePolicy } from '../core/guards/defaults';
import { settingsToConfig, type HarnessSettings, type SettingReader } from '../core/guards/settings';
import type { GuardrailsConfig, PolicyConfig } from '../core/guards/types';
import { PinFileError } from '../core/pin/store';
import { RunService, TraceDirError, buildRunEnvironment, traceDirFor } from '../core/run/index';
import type { SessionFile } from '../core/session/parse';
import { cliClientFeatures } from './clientHost';
import { readSettingsFile, SettingsFileError } from './settingsFile';
import { CliError, EXIT_USAGE, UsageError, type CliIO } from './io';
import { cliOtel, OTLP_OPTIONS, type CliOtel } from './otel';
import { envTimeout, timeoutOption } from './serverHints';
import { openWorkspace, type OpenedWorkspace } from './workspace';

/**
 * The workspace's `mcpHarness.*` settings from .vscode/settings.json (JSONC); none when it is absent. Read as strictly
 * as the gateway reads it: a file that cannot be read (a syntax error, not one JSON object) stops the command with
 * its file, line and column rather than running under whatever part of the policy could be read.
 */
export function workspaceSettings(folder: string, cwd = folder): SettingReader {
  try {
    return readSettingsFile(folder, cwd);
  } catch (err) {
    if (err instanceof SettingsFileError) throw new UsageError(err.atRun);
    throw err;
  }
}

/** Policy, guardrails and prices: the workspace settings, then the --policy file on top. */
export function loadSettings(read: SettingReader, file: string | undefined, cwd: string): HarnessSettings {
  const base = settingsToConfig(read);
  if (!file) return base;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (err) {
    throw new UsageError(`could not read the policy file '${file}': ${(err as Error).message}. Pass a JSON file such as {"policy": {"deny": ["*/delete*"]}, "guardrails": {"mode": "hard_gate"}}.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`the policy file '${file}' must hold a JSON object.`);
  const v = value as Record<string, unknown>;
  const policyPart = ('policy' in v || 'guardrails' in v ? v.policy : v) as Partial<PolicyConfig> | undefined;
  const guardrailsPart = v.guardrails as Partial<GuardrailsConfig> | undefined;
  return { ...base, policy: mergePolicy(base.policy, policyPart), guardrails: mergeGuardrails(base.guardrails, guardrailsPart) };
}

/** Where this command's traces go: --trace-dir (relative to the current folder), else the workspace setting. */
export function cliTraceDir(values: Record<string, unknown>, read: SettingReader, folder: string, cwd: string): string {
  const flag = values['trace-dir'];
  if (typeof flag === 'string') return resolve(cwd, flag);
  const setting = read('traceDir');
  return traceDirFor(folder, typeof setting === 'string' ? setting : undefined);
}

/** A run's failure the user can fix becomes a usage error (exit 2) that says how. */
export async function asCliRun<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (err) {
    if (err instanceof TraceDirError) throw new UsageError(`${err.message} Pass --trace-dir DIR, or set mcpHarness.traceDir in .vscode/settings.json.`);
    throw err;
  }
}

/** The options openRunEnvironment reads, which every command running in it takes (--yes is the command's choice). */
export const RUN_ENVIRONMENT_OPTIONS = {
  policy: { type: 'string' },
  workspace: { type: 'string', short: 'w' },
  'trace-dir': { type: 'string' },
  ...OTLP_OPTIONS,
} as const;

export interface CliRunContext {
  ws: OpenedWorkspace;
  service: RunService;
  settings: HarnessSettings;
  /** The workspace's mcpHarness.* settings (exec reads mcpHarness.sandbox.* from it). */
  read: SettingReader;
  /** The command's signal (aborted by the first Ctrl-C or SIGTERM): pass it as the run's signal. */
  signal: AbortSignal;
  /** Stops every server that was started. */
  close(): Promise<void>;
}

export interface RunEnvironmentOptions {
  /** The command's signal (see CliCommand.interruptible): aborting it cancels what runs in this environment. */
  signal?: AbortSignal;
  /** The command offers --timeout-ms for the per-request timeout (run, call; exec's is its sandbox deadline). */
  timeoutFlag?: boolean;
  /** The session file being run: its "roots" are what servers see from their start. */
  session?: SessionFile;
}

/**
 * Opens the workspace (`--workspace`) and builds the run service for a command: settings, `--policy`,
 * the request timeout (--timeout-ms, else MCP_HARNESS_REQUEST_TIMEOUT_MS), the trace directory, `--yes`,
 * and the workspace lockfile. Close it when the command is done.
 */
export async function openRunEnvironment(values: Record<string, unknown>, io: CliIO, options: RunEnvironmentOptions = {}): Promise<CliRunContext> {
  const timeoutFlag = options.timeoutFlag === true;
  const timeoutMs = (timeoutFlag ? timeoutOption(values) : undefined) ?? envTimeout(io.env);
  const folder = resolve(io.cwd, (values.workspace as string | undefined) ?? '.');
  const client = cliClientFeatures(io, { folder, yes: values.yes === true, ...(options.session ? { session: options.session } : {}) });
  const ws = await openWorkspace(values.workspace as string | undefined, io, { requestTimeoutMs: timeoutMs, timeoutFlag, client, signal: options.signal });
  let otel: CliOtel | undefined;
  const close = async () => {
    await otel?.close();
    await ws.close();
  };
  try {
    const read = workspaceSettings(ws.folder, io.cwd);
    let settings = loadSettings(read, values.policy as string | undefined, io.cwd);
    // The request timeout the user gave bounds each call too, not only the server's start and listings.
    if (timeoutMs !== undefined) settings = { ...settings, policy: { ...settings.policy, timeoutMs } };
    const yes = values.yes === true;
    const env = await buildRunEnvironment({
      connections: ws.manager,
      knownServers: ws.definitions.map((d) => d.id),
      settings,
      folder: ws.folder,
      traceDir: cliTraceDir(values, read, ws.folder, io.cwd),
      confirm: async () => yes,
      logger: ws.logger,
      client,
    }).catch((err: unknown) => {
      if (err instanceof PinFileError) throw new CliError(`the tool lockfile cannot be used, so pinned tools cannot be checked: ${err.message}`, EXIT_USAGE, 'usage');
      throw err;
    });
    otel = cliOtel(values, read, ws.manager, io);
    const service = new RunService(otel ? otel.environment(env) : env);
    otel?.attach(service);
    return { ws, service, settings, read, signal: options.signal ?? new AbortController().signal, close };
  } catch (err) {
    await close();
    throw err;
  }
}
