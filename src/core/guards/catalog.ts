// The tools a pipeline may call: each server's list, fetched once per pipeline (again when a name is not
// found), and kept settled so a guarded call finds its tool without an await.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConnection } from '../servers/types';
import type { Logger } from '../types';
import type { ToolCatalogEntry } from './types';

export interface ConnectionProvider {
  ensureStarted(id: string): Promise<ServerConnection>;
  /** The connection when the server is already running, without waiting (a guarded call's fast path). */
  connectionIfStarted?(id: string): ServerConnection | undefined;
  /** A pending re-list of the server's tools (after tools/list_changed) that a call must wait for. */
  pendingToolRefresh?(id: string): Promise<void> | undefined;
  /** The server's tools remembered from an earlier start of the same definition, without starting it. */
  cachedTools?(id: string): readonly Tool[] | undefined;
}

export class ToolCatalog {
  private readonly tools = new Map<string, Promise<Map<string, Tool>>>();
  /** The settled entries of `tools`. */
  private readonly listed = new Map<string, Map<string, Tool>>();

  constructor(
    private readonly connections: ConnectionProvider,
    readonly servers: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** The tool when its server's list has already arrived; undefined means "look it up". */
  known(server: string, name: string): Tool | undefined {
    return this.listed.get(server)?.get(name);
  }

  /** The server's tools when this catalog has listed them already (nothing is started). */
  listedTools(server: string): readonly Tool[] | undefined {
    const tools = this.listed.get(server);
    return tools && [...tools.values()];
  }

  async list(): Promise<ToolCatalogEntry[]> {
    const out: ToolCatalogEntry[] = [];
    for (const server of this.servers) {
      try {
        for (const tool of (await this.toolsOf(server)).values()) out.push({ server, tool });
      } catch (err) {
        this.logger.warn(`Could not list the tools of ${server}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /**
   * The server's tools changed (notifications/tools/list_changed, re-listed by the connection): the next
   * call checks schema, policy and pins against the new definitions. Returns the tools whose definition
   * differs from what this catalog held (new ones included); undefined when the server was never listed here.
   */
  replace(server: string, tools: readonly Tool[]): Tool[] | undefined {
    const before = this.listed.get(server);
    if (!before) return undefined;
    const map = new Map(tools.map((t) => [t.name, t]));
    this.tools.set(server, Promise.resolve(map));
    this.listed.set(server, map);
    return tools.filter((t) => JSON.stringify(before.get(t.name)) !== JSON.stringify(t));
  }

  /** The server's tools by name; listed once, listed again with refresh (a name was not found). */
  toolsOf(server: string, refresh = false): Promise<Map<string, Tool>> {
    const cached = refresh ? undefined : this.tools.get(server);
    if (cached) return cached;
    const listing = this.connections
      .ensureStarted(server)
      .then((c) => c.listTools())
      .then((list) => new Map(list.map((t) => [t.name, t])));
    this.tools.set(server, listing);
    listing.then(
      (tools) => {
        if (this.tools.get(server) === listing) this.listed.set(server, tools);
      },
      () => {
        if (this.tools.get(server) === listing) this.tools.delete(server);
      },
    );
    return listing;
  }
}
