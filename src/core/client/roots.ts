// roots/list: the folders a server may work in. A run's session file may name them ("roots"); otherwise
// the host's (VS Code: the workspace folders; the CLI: the session's, else the workspace folder).
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ListRootsResult } from '../servers/serverRequests';
import type { ClientRuns } from './runs';
import type { ClientHost, RootEntry } from './types';

/** A root as written in a session file: a file:// URI stays, a path becomes one (relative to `base`). */
export function rootUri(value: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return pathToFileURL(isAbsolute(value) ? value : resolve(base, value)).href;
}

export class RootsFeature {
  constructor(
    private readonly host: ClientHost,
    private readonly runs: ClientRuns,
  ) {}

  /** The gateway's client's roots when it declared roots and its call caused the request, else ours. */
  async answer(server: string, origin: unknown, signal: AbortSignal): Promise<ListRootsResult> {
    const found = this.runs.forOrigin(origin);
    const forward = found?.run.answererFor?.(found.origin.stepId);
    if (forward?.listRoots) return forward.listRoots(signal);
    return this.listRoots(server, origin);
  }

  listRoots(server: string, origin: unknown): ListRootsResult {
    return { roots: this.rootsFor(server, origin).map((r) => ({ uri: r.uri, ...(r.name ? { name: r.name } : {}) })) };
  }

  /** The calling run's roots, else those of the one run reaching the server that has roots, else the host's. */
  rootsFor(server: string, origin: unknown): RootEntry[] {
    const own = this.runs.forOrigin(origin)?.run.settings.roots;
    if (own) return own;
    const withRoots = this.runs.forServer(server).filter((r) => r.settings.roots);
    if (withRoots.length === 1) return withRoots[0].settings.roots!;
    return this.host.roots?.() ?? [];
  }
}
