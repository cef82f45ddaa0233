// Owns every server connection of a workspace, as a facade over parts with one job each: the registry
// (definitions, state, change events, tool cache), the lifecycle (consent, trust, breaker, backoff,
// starts and stops), the launcher (stdio, Streamable HTTP, SSE fallback), the lists, and the calls.
// Nothing here starts in the constructor.
import type { Client, OAuthClientProvider } from '@modelcontextprotocol/client';
import { NeedsSignInError } from '../auth/errors';
import type {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  Prompt,
  PromptReference,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  ResourceTemplateReference,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';

import type { ServerDefinition } from '../config/types';
import type { Logger } from '../types';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './breaker';
import { ServerCalls } from './calls';
import type { ServerErrorHint } from './errors';
import { Launcher } from './launcher';
import { Lifecycle } from './lifecycle';
import { allPages } from './live';
import { ServerLists } from './lists';
import { VerdictCache, type ProtocolVerdicts } from './negotiation';
import { ServerRegistry } from './registry';
import type { ServerNotificationHandlers, ServerRequestHandlers } from './serverRequests';
import type { CallOptions, NegotiatedProtocol, ServerConnection, ServerState, SpawnConsent } from './types';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Largest single JSON-RPC message accepted from a stdio server. */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/** Guards against servers whose cursors never end. */
export const DEFAULT_MAX_LIST_PAGES = 100;
/** How long a server may take to exit after its stdin is closed before it is terminated. */
export const DEFAULT_STOP_GRACE_MS = 1000;

export interface ServerManagerOptions {
  definitions: ServerDefinition[];
  logger: Logger;
  clientInfo: { name: string; version: string };
  /** Asked before each spawn of a stdio server; refusal means no process is started. */
  consent?: SpawnConsent;
  /** When it returns false, no server defined by the workspace is started or connected to. */
  isTrusted?: () => boolean;
  requestTimeoutMs?: number;
  /** Time allowed for the process to start and finish the MCP handshake. */
  startTimeoutMs?: number;
  maxMessageBytes?: number;
  maxListPages?: number;
  stopGraceMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Clock for backoff and breaker windows (injectable for tests). */
  now?: () => number;
  /** A server's stderr, for its per-server log. */
  onStderr?: (serverId: string, chunk: string) => void;
  /** The host's advice appended to error messages (which setting or flag changes a limit). */
  hint?: ServerErrorHint;
  /**
   * What the host answers when a server asks (sampling, elicitation, roots). Only the handlers present are
   * declared as client capabilities.
   */
  serverRequests?: ServerRequestHandlers;
  /** Where a server's log messages and resource updates go. */
  serverNotifications?: ServerNotificationHandlers;
  /** Sign-in for an HTTP server (Streamable HTTP and SSE); undefined for a server without OAuth. */
  authProviderFor?(server: ServerDefinition): OAuthClientProvider | undefined;
  /**
   * Where what a start learned about a server's protocol generation is kept (default: in memory). The CLI
   * passes a file-backed VerdictCache so a 2025 server is not probed on every run.
   */
  protocolVerdicts?: ProtocolVerdicts;
}

/** Which argument a completion is for, and the values of the others (`completion/complete`). */
export interface CompletionArgument {
  name: string;
  value: string;
}

export class ServerManager {
  private readonly servers: ServerRegistry<ManagedConnection>;
  private readonly lifecycle: Lifecycle<ManagedConnection>;
  private readonly calls: ServerCalls<ManagedConnection>;
  private readonly lists: ServerLists<ManagedConnection>;
  private readonly rootsDeclared: boolean;
  private readonly logger: Logger;
  private readonly maxListPages: number;

  constructor(options: ServerManagerOptions) {
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    const { logger } = options;
    this.logger = logger;
    this.maxListPages = options.maxListPages ?? DEFAULT_MAX_LIST_PAGES;
    this.servers = new ServerRegistry(logger, { ...DEFAULT_RETRY_POLICY, ...options.retry }, options.now ?? Date.now, (id) => new ManagedConnection(this, id));
    const launcher = new Launcher({
      clientInfo: options.clientInfo,
      logger,
      startTimeoutMs,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      stopGraceMs,
      onStderr: options.onStderr,
      features: { requests: options.serverRequests, notifications: options.serverNotifications },
      authProviderFor: options.authProviderFor?.bind(options),
      verdicts: options.protocolVerdicts ?? new VerdictCache(),
    });
    const lists = (this.lists = new ServerLists(this.servers, logger, requestTimeoutMs, this.maxListPages));
    this.lifecycle = new Lifecycle(this.servers, launcher, lists, {
      logger,
      consent: options.consent,
      isTrusted: options.isTrusted,
      startTimeoutMs,
      stopGraceMs,
      hint: options.hint,
    });
    this.calls = new ServerCalls(this.servers, this.lifecycle, requestTimeoutMs, options.hint, options.serverRequests);
    this.rootsDeclared = options.serverRequests?.listRoots !== undefined;
    for (const def of options.definitions) this.servers.add(def);
  }

  /** Replaces the definitions; servers whose definition was removed or changed are stopped. */
  setDefinitions(definitions: ServerDefinition[]): Promise<void> {
    return this.servers.reconcile(definitions, (m) => this.lifecycle.stop(m));
  }

  definitions(): ServerDefinition[] {
    return this.servers.all().map((m) => m.definition);
  }

  definition(id: string): ServerDefinition | undefined {
    return this.servers.find(id)?.definition;
  }

  list(): ServerState[] {
    return this.servers.all().map((m) => this.servers.snapshot(m));
  }

  state(id: string): ServerState | undefined {
    const managed = this.servers.find(id);
    return managed && this.servers.snapshot(managed);
  }

  /** A stable handle for the server; each call starts (or restarts) the server when needed. */
  connection(id: string): ManagedConnection {
    return this.servers.get(id).handle;
  }

  onDidChange(listener: (state: ServerState) => void): () => void {
    return this.servers.onDidChange(listener);
  }

  /** The server's handle when it is running now, without starting it or waiting; undefined otherwise. */
  connectionIfStarted(id: string): ManagedConnection | undefined {
    const managed = this.servers.find(id);
    return managed?.live && !managed.live.closed ? managed.handle : undefined;
  }

  /** The server's tools remembered from an earlier start of the same definition (after includeTools/excludeTools), starting nothing. */
  cachedTools(id: string): Tool[] | undefined {
    const managed = this.servers.find(id);
    return managed && this.servers.cachedTools(managed.definition);
  }

  /**
   * True while a start of the server is in flight, wherever it is: waiting out the reconnect backoff or for consent
   * (its state still says what it was: 'stopped' or 'error'), or spawning, in its handshake or first listing
   * ('starting'). Such a start is what stop() ends.
   */
  isStarting(id: string): boolean {
    return !!this.servers.find(id)?.starting;
  }

  /** Starts the server if it is not running (waiting out the reconnect backoff) and returns its handle. */
  async ensureStarted(id: string): Promise<ManagedConnection> {
    const managed = this.servers.get(id);
    await this.lifecycle.live(managed, 'auto');
    return managed.handle;
  }

  /** Starts the server now (no backoff wait); refused while the circuit breaker is open. */
  async start(id: string): Promise<ManagedConnection> {
    const managed = this.servers.get(id);
    await this.lifecycle.live(managed, 'manual');
    return managed.handle;
  }

  /**
   * Starts several servers in parallel (default: every server not marked disabled); resolves when all
   * have settled, failures being in their state.
   */
  async startAll(
    ids: string[] = this.servers.all().filter((m) => !m.definition.disabled).map((m) => m.definition.id),
  ): Promise<PromiseSettledResult<ManagedConnection>[]> {
    return Promise.allSettled(ids.map((id) => this.start(id)));
  }

  async stop(id: string): Promise<void> {
    await this.lifecycle.stop(this.servers.get(id));
  }

  /** Stops the server and says it needs a sign-in (after a sign-out, say); the next start tries again. */
  async signedOut(id: string): Promise<void> {
    const managed = this.servers.get(id);
    await this.lifecycle.stop(managed);
    this.lifecycle.needsSignIn(managed, new NeedsSignInError(managed.definition.url ?? managed.definition.id, 'not_signed_in'), 'stopped');
  }

  /**
   * The re-list of the server's tools after it announced a change, while it runs; undefined otherwise. A
   * guarded call waits for it, so the call is checked (schema, policy, pins) against the new definition.
   */
  pendingToolRefresh(id: string): Promise<void> | undefined {
    return this.lists.pendingTools(id);
  }

  /** Stops and starts again, clearing the circuit breaker: the user's way out after fixing a server. */
  async restart(id: string): Promise<ManagedConnection> {
    const managed = this.servers.get(id);
    await this.lifecycle.stop(managed);
    this.lifecycle.reset(managed);
    await this.lifecycle.live(managed, 'manual');
    return managed.handle;
  }

  /**
   * Stops the servers whose start is in flight, wherever it is (consent, backoff, spawn, handshake, first listing);
   * running and stopped servers are left as they are. A host's cancel (the CLI's Ctrl-C) ends those starts this way.
   * `ids`: only these servers (the lab ends its own starts, not those of the user's sessions on the same manager).
   */
  async stopStarting(ids?: Iterable<string>): Promise<void> {
    const only = ids ? new Set(ids) : undefined;
    await Promise.all(this.servers.all().filter((m) => m.starting && (!only || only.has(m.definition.id))).map((m) => this.lifecycle.stop(m)));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.servers.all().map((m) => this.lifecycle.stop(m)));
  }

  /** Stops everything; the manager refuses starts afterwards. */
  async dispose(): Promise<void> {
    this.lifecycle.shutDown();
    await this.stopAll();
    this.servers.clearListeners();
  }

  /**
   * Tells every running server that the roots changed (notifications/roots/list_changed). Only when the
   * host answers roots/list: otherwise no server was told it could ask.
   */
  async notifyRootsChanged(): Promise<void> {
    if (!this.rootsDeclared) return;
    const running = this.servers.all().flatMap((m) => (m.live && !m.live.closed ? [m] : []));
    await Promise.all(
      running.map((m) =>
        m.live!.client.sendRootsListChanged().catch((err: unknown) => this.logger.warn(`${m.definition.name}: could not send roots/list_changed: ${(err as Error).message}`)),
      ),
    );
  }

  readResource(id: string, uri: string, options: CallOptions = {}): Promise<ReadResourceResult> {
    return this.calls.requestFor(id, `the resource '${uri}'`, options, (client, request, meta) => client.readResource({ uri, ...meta }, request));
  }

  /** Every resource template of the server, page by page. */
  listResourceTemplates(id: string, options: CallOptions = {}): Promise<ResourceTemplate[]> {
    return this.calls.requestFor(id, 'the resource templates', options, (client, request, meta) =>
      allPages(this.maxListPages, async (cursor) => {
        const page = await client.listResourceTemplates({ ...(cursor === undefined ? {} : { cursor }), ...meta }, request);
        return { items: page.resourceTemplates, nextCursor: page.nextCursor };
      }, 'resources/templates'),
    );
  }

  getPrompt(id: string, name: string, args?: Record<string, string>, options: CallOptions = {}): Promise<GetPromptResult> {
    return this.calls.requestFor(id, `the prompt '${name}'`, options, (client, request, meta) => client.getPrompt({ name, arguments: args, ...meta }, request));
  }

  /** The capabilities the server declared (started when needed). */
  serverCapabilities(id: string): Promise<ServerCapabilities | undefined> {
    return this.calls.request(id, 'its capabilities', async (client) => client.getServerCapabilities());
  }

  /** completion/complete for a prompt's or a resource template's argument. */
  complete(
    id: string,
    ref: PromptReference | ResourceTemplateReference,
    argument: CompletionArgument,
    context?: { arguments?: Record<string, string> },
    options: CallOptions = {},
  ): Promise<CompleteResult> {
    return this.calls.requestFor(id, `completions for '${argument.name}'`, options, (client, request, meta) =>
      client.complete({ ref, argument, ...(context ? { context } : {}), ...meta }, request),
    );
  }

  async subscribeResource(id: string, uri: string, options: CallOptions = {}): Promise<void> {
    await this.calls.requestFor(id, `a subscription to '${uri}'`, options, (client, request, meta) => client.subscribeResource({ uri, ...meta }, request));
  }

  async unsubscribeResource(id: string, uri: string, options: CallOptions = {}): Promise<void> {
    await this.calls.requestFor(id, `the end of the subscription to '${uri}'`, options, (client, request, meta) => client.unsubscribeResource({ uri, ...meta }, request));
  }

  async setLoggingLevel(id: string, level: LoggingLevel, options: CallOptions = {}): Promise<void> {
    await this.calls.requestFor(id, `the logging level '${level}'`, options, (client, request, meta) =>
      client.request({ method: 'logging/setLevel', params: { level, ...meta } }, request),
    );
  }

  /** @internal Used by ManagedConnection. */
  callTool(id: string, name: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
    return this.calls.callTool(id, name, args, options);
  }

  /** @internal Used by ManagedConnection. */
  request<T>(id: string, what: string, run: (client: Client, timeout: number) => Promise<T>): Promise<T> {
    return this.calls.request(id, what, run);
  }
}

/** What ensureStarted/connection() hands out: stable across restarts; each call starts the server when needed. */
export class ManagedConnection implements ServerConnection {
  constructor(
    private readonly manager: ServerManager,
    readonly id: string,
  ) {}

  get definition(): ServerDefinition {
    return this.manager.definition(this.id)!;
  }

  get state(): ServerState | undefined {
    return this.manager.state(this.id);
  }

  get protocol(): NegotiatedProtocol | undefined {
    return this.manager.state(this.id)?.protocol;
  }

  /** The server's tools after includeTools/excludeTools (starts the server if needed). */
  async listTools(): Promise<Tool[]> {
    await this.manager.ensureStarted(this.id);
    return this.manager.state(this.id)?.tools ?? [];
  }

  async listResources(): Promise<Resource[]> {
    await this.manager.ensureStarted(this.id);
    return this.manager.state(this.id)?.resources ?? [];
  }

  async listPrompts(): Promise<Prompt[]> {
    await this.manager.ensureStarted(this.id);
    return this.manager.state(this.id)?.prompts ?? [];
  }

  callTool(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
    return this.manager.callTool(this.id, name, args, options);
  }

  readResource(uri: string, options?: CallOptions): Promise<ReadResourceResult> {
    return this.manager.readResource(this.id, uri, options);
  }

  getPrompt(name: string, args?: Record<string, string>, options?: CallOptions): Promise<GetPromptResult> {
    return this.manager.getPrompt(this.id, name, args, options);
  }

  ping(): Promise<void> {
    return this.manager.request(this.id, 'ping', async (client, timeout) => {
      await client.ping({ timeout });
    });
  }
}
