// A running gateway taking a new server configuration: the host's servers get the new definitions, servers
// that left are stopped and leave every list, new ones are started, and a server whose launch changed is
// restarted under its name; clients hear which lists changed.
import type { ServerDefinition } from '../config/types';
import type { ServerState } from '../servers/types';
import type { GatewayCore } from './core';
import type { ListKind } from './upstreams';

/** What a reload needs of the host's servers (the ServerManager has it). */
export interface ReconfigurableServers {
  definition(id: string): ServerDefinition | undefined;
  state(id: string): ServerState | undefined;
  /** Replaces the definitions; servers removed or with a changed launch are stopped. */
  setDefinitions(definitions: ServerDefinition[]): Promise<void>;
  ensureStarted(id: string): Promise<unknown>;
}

export interface ServerChanges {
  added: string[];
  removed: string[];
  /** Exposed before and after, with a changed launch definition: stopped and started again. */
  restarted: string[];
  /** Added or restarted servers that did not start, and why (they stay configured; a later call tries again). */
  failed: { server: string; message: string }[];
}

/**
 * Applies `definitions` (every server of the new configuration) to the host and `exposed` (those the gateway
 * serves, chosen from them as at start-up) to the gateway. Calls must not overlap.
 */
export async function reconfigureGateway(core: GatewayCore, servers: ReconfigurableServers, definitions: ServerDefinition[], exposed: string[]): Promise<ServerChanges> {
  const next = new Map(definitions.map((d) => [d.id, d]));
  const restarted = exposed.filter((id) => core.servers.includes(id) && servers.definition(id)?.hash !== next.get(id)?.hash);
  // A restarted server whose tools were known is announced by the watcher when it lists them again (UpstreamWatcher).
  const unlisted = restarted.filter((id) => core.knownLists(id).tools === undefined);
  const replacing = core.replacing(restarted);
  let changes: { added: string[]; removed: string[] };
  try {
    changes = core.setServers(exposed);
    await servers.setDefinitions(definitions);
  } finally {
    // Released only after the new definitions are in: a restarted server is never seen as removed.
    replacing.done();
  }
  const failed: ServerChanges['failed'] = [];
  await Promise.all(
    [...changes.added, ...restarted].map((id) =>
      servers.ensureStarted(id).catch((err: unknown) => {
        failed.push({ server: id, message: err instanceof Error ? err.message : String(err) });
      }),
    ),
  );
  // The next clients to connect are told whether the servers now exposed complete.
  core.completions?.serversChanged([...changes.added, ...changes.removed, ...restarted]);
  // Servers whose tools the watcher will not announce: new ones, and restarted ones not listed before or now.
  const unannounced = [...changes.added, ...restarted.filter((id) => unlisted.includes(id) || failed.some((f) => f.server === id))];
  const kinds = new Set<ListKind>();
  for (const id of unannounced) {
    kinds.add('tools');
    const state = servers.state(id);
    if (state?.resources?.length) kinds.add('resources');
    if (state?.prompts?.length) kinds.add('prompts');
  }
  if (kinds.size) core.announce(kinds, unannounced);
  return { ...changes, restarted, failed };
}
