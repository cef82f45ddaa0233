// Building a RunEnvironment: the trace directory (one rule for every host) and the helper a host calls
// once with what it knows — connections, servers, settings, confirmation, logger — to get the environment
// every entry point runs in. The workspace lockfile is always part of it: pins are not optional.
import { resolve } from 'node:path';
import type { ClientFeatures } from '../client/features';
import type { ConfirmHook, ConnectionProvider } from '../guards/pipeline';
import type { HarnessSettings } from '../guards/settings';
import { LockfilePins } from '../pin/lockfileCheck';
import { HARNESS_DIR, TRACES_SUBDIR, defaultTraceDir } from '../trace/writer';
import type { Logger } from '../types';
import { HARNESS_VERSION } from '../version';
import type { RunEnvironment } from './types';

/** The default of the `mcpHarness.traceDir` setting. */
export const DEFAULT_TRACE_DIR_SETTING = `${HARNESS_DIR}/${TRACES_SUBDIR}`;

/**
 * Where the traces of runs in `folder` go: the `mcpHarness.traceDir` setting resolved against the folder
 * (absolute paths as they are). The default location also gets its .gitignore (traces stay out of git).
 */
export function traceDirFor(folder: string, configured: string | undefined = DEFAULT_TRACE_DIR_SETTING): string {
  const dir = resolve(folder, configured.trim() || DEFAULT_TRACE_DIR_SETTING);
  return dir === resolve(folder, DEFAULT_TRACE_DIR_SETTING) ? defaultTraceDir(folder) : dir;
}

export interface RunEnvironmentInput {
  connections: ConnectionProvider;
  knownServers: readonly string[];
  settings: HarnessSettings;
  /** The workspace folder: pins come from its lockfile, and traces go under it by default. */
  folder: string;
  /** Where traces go; undefined writes no traces. Use traceDirFor for the setting's rule. */
  traceDir: string | undefined;
  confirm?: ConfirmHook;
  logger?: Logger;
  /** The host's client features (the same object the ServerManager's serverRequests come from). */
  client?: ClientFeatures;
}

/** The environment of one workspace folder. Throws PinFileError when the lockfile is unusable. */
export async function buildRunEnvironment(input: RunEnvironmentInput): Promise<RunEnvironment> {
  return {
    connections: input.connections,
    knownServers: input.knownServers,
    policy: input.settings.policy,
    guardrails: input.settings.guardrails,
    prices: input.settings.prices,
    confirm: input.confirm,
    pins: await LockfilePins.open(input.folder),
    traceDir: input.traceDir,
    workspace: input.folder,
    logger: input.logger,
    harnessVersion: HARNESS_VERSION,
    ...(input.client ? { client: input.client } : {}),
  };
}
