// Keeps a running server's tools, resources and prompts in its state: all pages at start, and again
// whenever the server announces that a list changed.
import type { Prompt, Resource, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../types';
import { messageOf } from './errors';
import type { ListKind, LiveConnection } from './live';
import type { Managed, ServerRegistry } from './registry';

export class ServerLists<H> {
  private readonly toolRefreshes = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: ServerRegistry<H>,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
    private readonly maxListPages: number,
  ) {}

  /** Everything the server offers, before it counts as running; a failed tools list fails the start. */
  async load(m: Managed<H>, live: LiveConnection): Promise<void> {
    const caps = live.client.getServerCapabilities() ?? {};
    const [resources, prompts] = await Promise.all([
      caps.resources ? this.pages(live, 'resources').catch((err) => this.listFailed(m, 'resources', err)) : Promise.resolve([]),
      caps.prompts ? this.pages(live, 'prompts').catch((err) => this.listFailed(m, 'prompts', err)) : Promise.resolve([]),
      caps.tools ? this.refreshTools(m, live, false) : Promise.resolve(this.registry.setTools(m, [], false)),
    ]);
    m.state = { ...m.state, resources: resources as Resource[], prompts: prompts as Prompt[] };
  }

  /** The re-list of a server's tools after tools/list_changed, while it runs (calls wait for it). */
  pendingTools(id: string): Promise<void> | undefined {
    return this.toolRefreshes.get(id);
  }

  /** After a list_changed notification; ignored once `live` is no longer the server's connection. */
  async refresh(m: Managed<H>, live: LiveConnection, kind: ListKind): Promise<void> {
    if (m.live !== live) return;
    if (kind === 'tools') {
      this.logger.info(`${m.definition.name} announced that its tools changed; refreshing.`);
      // Set before the first await: a call that follows the notification sees the refresh pending.
      const id = m.definition.id;
      const refreshing = this.refreshTools(m, live).catch((err) => this.logger.warn(`${m.definition.name}: refreshing tools failed: ${messageOf(err)}`));
      this.toolRefreshes.set(id, refreshing);
      await refreshing;
      if (this.toolRefreshes.get(id) === refreshing) this.toolRefreshes.delete(id);
      return;
    }
    const items = await this.pages(live, kind).catch(() => undefined);
    if (!items || m.live !== live) return;
    this.registry.setState(m, kind === 'resources' ? { resources: items as Resource[] } : { prompts: items as Prompt[] });
  }

  private async refreshTools(m: Managed<H>, live: LiveConnection, emit = true): Promise<void> {
    const tools = (await this.pages(live, 'tools')) as Tool[];
    this.registry.setTools(m, tools, emit);
  }

  private pages(live: LiveConnection, kind: ListKind): Promise<unknown[]> {
    return live.allPages(kind, this.requestTimeoutMs, this.maxListPages);
  }

  private listFailed(m: Managed<H>, what: string, err: unknown): never[] {
    this.logger.warn(`${m.definition.name}: listing ${what} failed: ${messageOf(err)}`);
    return [];
  }
}
