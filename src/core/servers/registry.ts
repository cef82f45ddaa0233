// The servers a manager knows: one entry per definition with its state, and the change events the
// views listen to. Also the tool cache by definition hash, so a restarted unchanged server shows its
// tools at once. Nothing here starts or stops anything.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerDefinition } from '../config/types';
import type { Logger } from '../types';
import { CircuitBreaker, type RetryPolicy } from './breaker';
import { ServerError } from './errors';
import type { LiveConnection } from './live';
import { filterTools } from './toolFilter';
import type { ServerState } from './types';

export interface Managed<H = unknown> {
  definition: ServerDefinition;
  state: ServerState;
  breaker: CircuitBreaker;
  live?: LiveConnection;
  starting?: Promise<LiveConnection>;
  /** Aborted by stop(): ends the start in flight at whichever wait it is. */
  startAbort?: AbortController;
  /** Bumped by stop(); a start that finishes under an older generation is discarded. */
  generation: number;
  rawTools?: Tool[];
  lastFailure?: string;
  /** The stable handle callers hold for this server. */
  handle: H;
}

export class ServerRegistry<H> {
  private readonly servers = new Map<string, Managed<H>>();
  private readonly listeners = new Set<(state: ServerState) => void>();
  /** Unfiltered tool lists by definition hash. */
  private readonly toolCache = new Map<string, Tool[]>();

  constructor(
    private readonly logger: Logger,
    private readonly retry: RetryPolicy,
    private readonly now: () => number,
    /** Makes the handle for an id (again when a server is renamed). */
    private readonly handleFor: (id: string) => H,
  ) {}

  add(definition: ServerDefinition): Managed<H> {
    const managed: Managed<H> = {
      definition,
      state: { id: definition.id, status: 'stopped' },
      breaker: new CircuitBreaker(this.retry, this.now),
      generation: 0,
      handle: this.handleFor(definition.id),
    };
    const cached = this.toolCache.get(definition.hash);
    if (cached) managed.state.tools = filterTools(cached, definition);
    this.servers.set(definition.id, managed);
    return managed;
  }

  /**
   * Takes the definitions that replace the current ones: entries whose definition was removed or whose
   * launch changed are handed to `stop` and dropped; the rest are updated in place.
   */
  async reconcile(definitions: ServerDefinition[], stop: (m: Managed<H>) => Promise<void>): Promise<void> {
    const next = new Map(definitions.map((d) => [d.id, d]));
    this.carryRenamed(definitions, next);
    const stops: Promise<void>[] = [];
    for (const [id, managed] of this.servers) {
      const def = next.get(id);
      if (!def || def.hash !== managed.definition.hash) {
        stops.push(stop(managed));
        this.servers.delete(id);
      }
    }
    await Promise.all(stops);
    for (const def of definitions) {
      const managed = this.servers.get(def.id);
      if (!managed) {
        this.emit(this.add(def));
      } else {
        // Same launch definition: keep the connection, but the filters or source range may have changed.
        managed.definition = def;
        managed.state = { ...managed.state, id: def.id };
        if (managed.rawTools) managed.state.tools = filterTools(managed.rawTools, def);
        this.emit(managed);
      }
    }
  }

  /**
   * Ids carry their folder only while a name is defined in several folders (`shared@vscode:beta`), so
   * adding or removing a folder can change the id of a definition that did not change. Such a server
   * keeps its process and state under its new id instead of being stopped and started again.
   */
  private carryRenamed(definitions: ServerDefinition[], next: Map<string, ServerDefinition>): void {
    const unclaimed = definitions.filter((d) => !this.servers.has(d.id));
    for (const [id, managed] of [...this.servers]) {
      if (next.has(id)) continue;
      const at = unclaimed.findIndex((d) => d.hash === managed.definition.hash && d.name === managed.definition.name);
      if (at < 0) continue;
      const [def] = unclaimed.splice(at, 1);
      this.servers.delete(id);
      managed.definition = def;
      managed.handle = this.handleFor(def.id);
      this.servers.set(def.id, managed);
      this.logger.info(`${def.name}: now known as '${def.id}' (was '${id}'); its connection is kept.`);
    }
  }

  all(): Managed<H>[] {
    return [...this.servers.values()];
  }

  find(id: string): Managed<H> | undefined {
    return this.servers.get(id);
  }

  get(id: string): Managed<H> {
    const managed = this.servers.get(id);
    if (!managed) {
      const known = [...this.servers.keys()];
      throw new ServerError(
        `There is no server named '${id}'. ${known.length ? `Known servers: ${known.join(', ')}.` : 'No servers are configured.'}`,
        'unknown_server',
        id,
      );
    }
    return managed;
  }

  cachedTools(def: ServerDefinition): Tool[] | undefined {
    const cached = this.toolCache.get(def.hash);
    return cached && filterTools(cached, def);
  }

  onDidChange(listener: (state: ServerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearListeners(): void {
    this.listeners.clear();
  }

  snapshot(m: Managed<H>): ServerState {
    return { ...m.state, circuitOpen: m.breaker.isOpen || undefined };
  }

  /** Applies a patch (undefined removes a field) and tells the listeners. */
  setState(m: Managed<H>, patch: Partial<ServerState>): void {
    m.state = { ...m.state, ...patch, id: m.definition.id };
    for (const key of Object.keys(patch) as (keyof ServerState)[]) {
      if (patch[key] === undefined) delete m.state[key];
    }
    this.emit(m);
  }

  /** A fresh unfiltered tool list: cached by hash, filtered into the state. */
  setTools(m: Managed<H>, tools: Tool[], emit: boolean): void {
    m.rawTools = tools;
    this.toolCache.set(m.definition.hash, tools);
    const patch = { tools: filterTools(tools, m.definition), toolsFromCache: undefined };
    if (emit) this.setState(m, patch);
    else {
      m.state = { ...m.state, ...patch };
      delete m.state.toolsFromCache;
    }
  }

  emit(m: Managed<H>): void {
    const state = this.snapshot(m);
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (err) {
        this.logger.error(err as Error);
      }
    }
  }
}
