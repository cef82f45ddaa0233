// The one function that builds the RunEnvironment every VS Code entry point runs in (Run Session, Run
// Step, Call Tool, Run Code in Sandbox, Re-run): the workspace's servers behind Workspace Trust, consent
// and ${input:…} resolution; the settings-driven policy, guardrails and prices (read at the start of each
// run); the confirmation modal; the lockfile pin check; the trace directory of the folder; the logger;
// the traceparent of each tool call while OpenTelemetry export is on.
import type { ConnectionProvider } from '../core/guards/pipeline';
import type { RunEnvironment } from '../core/run/index';
import { traceDirFor } from '../core/run/index';
import type { ManagedConnection } from '../core/servers/index';
import { HARNESS_VERSION } from '../core/version';
import type { HarnessContext } from './context';
import { checkTrusted } from './serverCommands';

type EnvironmentContext = Pick<HarnessContext, 'config' | 'discovery' | 'servers' | 'dialogs' | 'pins' | 'log' | 'otel' | 'clientHost'>;

/** Starts a server on first use: one this workspace defines needs trust first, and its inputs are asked for once. */
export async function startWorkspaceServer(ctx: Pick<HarnessContext, 'discovery' | 'servers'>, id: string): Promise<ManagedConnection> {
  const def = ctx.discovery.definition(id);
  if (def && !checkTrusted(def)) throw new Error(`The server '${id}' is defined by this workspace and the workspace is not trusted.`);
  if (def?.pendingInputs?.length) await ctx.discovery.resolveInputsFor(id);
  return ctx.servers.ensureStarted(id);
}

function guardedConnections(ctx: EnvironmentContext): ConnectionProvider {
  return {
    ensureStarted: (id) => startWorkspaceServer(ctx, id),
    connectionIfStarted: (id) => ctx.servers.connectionIfStarted(id),
    cachedTools: (id) => ctx.servers.cachedTools(id),
  };
}

/** The environment of runs in `folder` (undefined: no workspace folder, so no trace is written). */
export function extensionRunEnvironment(ctx: EnvironmentContext, folder: string | undefined): RunEnvironment {
  const { config } = ctx;
  return {
    connections: guardedConnections(ctx),
    get knownServers() {
      return ctx.discovery.definitions.map((d) => d.id);
    },
    get policy() {
      return config.policy;
    },
    get guardrails() {
      return config.guardrails;
    },
    get prices() {
      return config.prices;
    },
    confirm: ctx.dialogs.confirmTool,
    pins: ctx.pins,
    get traceDir() {
      return folder ? traceDirFor(folder, config.traceDir) : undefined;
    },
    workspace: folder,
    logger: ctx.log,
    harnessVersion: HARNESS_VERSION,
    client: ctx.clientHost.features,
    get callMeta() {
      return ctx.otel.callMeta;
    },
  };
}
