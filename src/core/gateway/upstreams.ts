// What the gateway needs from the workspace's servers (the ServerManager satisfies it), the namespaced
// catalogs built from them, and the watcher that turns an upstream's changed lists into list_changed
// notifications and counts restarts.
import type { GetPromptResult, Prompt, ReadResourceResult, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../types';
import type { ServerState } from '../servers/types';
import type { CompletingUpstreams } from './completions';
import { NameTable } from './names';

export interface UpstreamConnection {
  listTools(): Promise<Tool[]>;
  listResources(): Promise<Resource[]>;
  listPrompts(): Promise<Prompt[]>;
  readResource(uri: string): Promise<ReadResourceResult>;
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>;
}

export interface UpstreamServers {
  list(): ServerState[];
  onDidChange(listener: (state: ServerState) => void): () => void;
  ensureStarted(id: string): Promise<UpstreamConnection>;
  /** The server's resource templates; without it the gateway lists none. */
  listResourceTemplates?(id: string): Promise<ResourceTemplate[]>;
  /** With both, clients can subscribe to resources through the gateway (see subscriptions.ts). */
  subscribeResource?(id: string, uri: string): Promise<void>;
  unsubscribeResource?(id: string, uri: string): Promise<void>;
  /** With both, clients can complete prompt arguments and template variables through the gateway (completions.ts). */
  serverCapabilities?: CompletingUpstreams['serverCapabilities'];
  complete?: CompletingUpstreams['complete'];
}

export interface ToolEntry {
  server: string;
  name: string;
  tool: Tool;
}

export interface PromptEntry {
  server: string;
  name: string;
  prompt: Prompt;
}

export type ListKind = 'tools' | 'resources' | 'prompts';

/**
 * The exposed servers' tools and prompts under their public names; rebuilt after an upstream change. `servers`
 * is the gateway's own list, changed in place when the configuration is reloaded.
 */
export class Catalog {
  private tools: Promise<NameTable<ToolEntry>> | undefined;
  private toolsNow: NameTable<ToolEntry> | undefined;
  private prompts: Promise<NameTable<PromptEntry>> | undefined;

  constructor(
    private readonly upstreams: UpstreamServers,
    readonly servers: readonly string[],
    private readonly logger: Logger,
  ) {}

  invalidate(kind: ListKind): void {
    if (kind === 'tools') this.tools = undefined;
    if (kind === 'prompts') this.prompts = undefined;
  }

  /** The tool table when it is already built (a call's fast path), else undefined. */
  toolTableIfReady(): NameTable<ToolEntry> | undefined {
    return this.tools ? this.toolsNow : undefined;
  }

  toolTable(): Promise<NameTable<ToolEntry>> {
    if (!this.tools) {
      const building = this.collect((c) => c.listTools(), 'tools').then((lists) => new NameTable(lists.flatMap(([server, tools]) => tools.map((tool) => ({ server, name: tool.name, tool })))));
      this.tools = building;
      building.then((t) => {
        if (this.tools === building) this.toolsNow = t;
      }, () => undefined);
    }
    return this.tools;
  }

  promptTable(): Promise<NameTable<PromptEntry>> {
    this.prompts ??= this.collect((c) => c.listPrompts(), 'prompts').then((lists) => new NameTable(lists.flatMap(([server, prompts]) => prompts.map((prompt) => ({ server, name: prompt.name, prompt })))));
    return this.prompts;
  }

  async resources(): Promise<[string, Resource[]][]> {
    return this.collect((c) => c.listResources(), 'resources');
  }

  async templates(): Promise<[string, ResourceTemplate[]][]> {
    const upstreams = this.upstreams;
    if (!upstreams.listResourceTemplates) return [];
    return this.collect((_c, server) => upstreams.listResourceTemplates!(server), 'resource templates');
  }

  async connection(server: string): Promise<UpstreamConnection> {
    if (!this.servers.includes(server)) throw new Error(`The server '${server}' is not exposed by this gateway.`);
    return this.upstreams.ensureStarted(server);
  }

  /** The exposed servers the host still has (one that left the configuration while the gateway runs is not among them). */
  configured(): string[] {
    const listed = new Set(this.upstreams.list().map((s) => s.id));
    return this.servers.filter((server) => listed.has(server));
  }

  /**
   * Lists of every exposed server the host still has (one that left the configuration is not asked); a server
   * that cannot be started is left out (and logged), not fatal.
   */
  private async collect<T>(list: (c: UpstreamConnection, server: string) => Promise<T[]>, what: string): Promise<[string, T[]][]> {
    return Promise.all(
      this.configured().map(async (server): Promise<[string, T[]]> => {
        try {
          return [server, await list(await this.upstreams.ensureStarted(server), server)];
        } catch (err) {
          this.logger.warn(`The gateway left out the ${what} of '${server}': ${(err as Error).message}`);
          return [server, []];
        }
      }),
    );
  }
}

/** What was last known of a server's lists (undefined: never listed). */
export type KnownLists = Partial<Record<ListKind, unknown[]>>;

/**
 * Watches upstream state: a list that changes after it was first known is announced (`onListChanged`),
 * a server that runs again after it had stopped is a restart (`onRestart`), and one the host no longer lists
 * has left the configuration (`onRemoved`). A server whose launch changed is stopped and listed again by the
 * host: while `hold` covers it, its absence is not a removal, so it comes back as a restart of the same server.
 */
export class UpstreamWatcher {
  private readonly seen = new Map<string, { status: string; everRan: boolean; lists: KnownLists }>();
  private readonly held = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly upstreams: UpstreamServers,
    private readonly servers: readonly string[],
    private readonly handlers: { onListChanged(kind: ListKind, server: string): void; onRestart(server: string): void; onRemoved(server: string, lists: KnownLists): void },
  ) {
    for (const state of upstreams.list()) this.observe(state, false);
    this.unsubscribe = upstreams.onDidChange((state) => {
      this.observe(state, true);
      this.sweep();
    });
  }

  /** Servers seen before that the host lists no more: a removed server's last event comes after it left the list. */
  private sweep(): void {
    if (this.seen.size === 0) return;
    const listed = new Set(this.upstreams.list().map((s) => s.id));
    for (const id of [...this.seen.keys()]) {
      if (!listed.has(id) && !this.held.has(id)) this.forget(id);
    }
  }

  /** The server is no longer watched (it left the configuration, or is no longer exposed): `onRemoved` once. */
  forget(id: string): void {
    const known = this.seen.get(id);
    if (!known) return;
    this.seen.delete(id);
    this.handlers.onRemoved(id, known.lists);
  }

  /** While the host replaces these servers' definitions, their leaving the list is not a removal. */
  hold(ids: Iterable<string>): void {
    for (const id of ids) this.held.add(id);
  }

  /** Ends `hold`; one the host still does not list is removed now. */
  release(ids: Iterable<string>): void {
    for (const id of ids) this.held.delete(id);
    this.sweep();
  }

  /** What was last known of the server's tools, resources and prompts. */
  lists(id: string): KnownLists {
    return this.seen.get(id)?.lists ?? {};
  }

  private observe(state: ServerState, announce: boolean): void {
    if (!this.servers.includes(state.id)) return;
    const prev = this.seen.get(state.id) ?? { status: 'stopped', everRan: false, lists: {} };
    const running = state.status === 'running';
    if (announce && running && prev.status !== 'running' && prev.everRan) this.handlers.onRestart(state.id);
    const lists: KnownLists = { ...prev.lists };
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      const value = state[kind];
      if (value === undefined) continue;
      const before = prev.lists[kind];
      // The host rebuilds a list from the same items when it re-reads the configuration: no change.
      if (announce && before !== undefined && !sameItems(before, value)) this.handlers.onListChanged(kind, state.id);
      lists[kind] = value;
    }
    this.seen.set(state.id, { status: state.status, everRan: prev.everRan || running, lists });
  }

  /** Each exposed server's state, for /health: a server that left the configuration is not reported. */
  states(): { id: string; status: string; error?: string; pid?: number; circuitOpen?: boolean; tools?: number }[] {
    const byId = new Map(this.upstreams.list().map((s) => [s.id, s]));
    return this.servers.flatMap((id) => {
      const s = byId.get(id);
      if (!s) return [];
      return [{ id, status: s.status, ...(s.error ? { error: s.error } : {}), ...(s.pid ? { pid: s.pid } : {}), ...(s.circuitOpen ? { circuitOpen: true } : {}), ...(s.tools ? { tools: s.tools.length } : {}) }];
    });
  }

  dispose(): void {
    this.unsubscribe();
  }
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
}

/**
 * A workspace config that also lists this gateway (say `.mcp.json` for Claude Code, or `.cursor/mcp.json`)
 * would make the gateway start itself as an upstream, again and again: such entries are left out.
 */
export function launchesHarnessGateway(definition: { transport: string; command?: string; args?: string[] }): boolean {
  if (definition.transport !== 'stdio') return false;
  const words = [definition.command ?? '', ...(definition.args ?? [])];
  return words.includes('gateway') && words.some((w) => /mcp-harness|(^|[\\/])cli\.js$/.test(w));
}
