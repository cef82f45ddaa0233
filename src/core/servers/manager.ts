// Owns every server connection of a workspace: lazy starts (concurrent callers share one start),
// stdio/HTTP/SSE transports, per-request timeouts with cancellation, reconnect backoff, a circuit
// breaker, paged lists, list_changed refreshes, a tool cache by definition hash, and stopping
// whole process trees. Nothing here starts in the constructor.
import { existsSync, statSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  CallToolResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { isMcpError, mcpSdk } from './sdk';
import type { ServerDefinition } from '../config/types';
import type { Logger } from '../types';
import { CircuitBreaker, DEFAULT_RETRY_POLICY, type RetryPolicy } from './breaker';
import {
  describeExit,
  describeStartError,
  formatBytes,
  formatMs,
  messageOf,
  ServerError,
  type ExitInfo,
} from './errors';
import { descendants, isAlive, killTreeWindows, signalAll, waitForExit } from './processTree';
import { filterTools, isToolAllowed } from './toolFilter';
import type { CallOptions, ServerConnection, ServerState, SpawnConsent } from './types';

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
}

type LiveKind = 'stdio' | 'streamable-http' | 'sse';

interface Live {
  client: Client;
  transport: Transport;
  kind: LiveKind;
  pid?: number;
  /** The process tree as last seen, so children can be ended even after the parent died. */
  tree: number[];
  exit?: ExitInfo;
  /** Resolves once Node has reaped the direct child (its 'exit' event). */
  exited?: Promise<void>;
  stderrTail: string;
  transportError?: Error;
  stopping: boolean;
  closed: boolean;
}

interface Managed {
  definition: ServerDefinition;
  state: ServerState;
  breaker: CircuitBreaker;
  live?: Live;
  starting?: Promise<Live>;
  /** Bumped by stop(); a start that finishes under an older generation is discarded. */
  generation: number;
  rawTools?: Tool[];
  lastFailure?: string;
  handle: ManagedConnection;
}

const STDERR_TAIL_CHARS = 4096;

export class ServerManager {
  private readonly servers = new Map<string, Managed>();
  private readonly listeners = new Set<(state: ServerState) => void>();
  /** Unfiltered tool lists by definition hash: a restart of an unchanged definition shows them at once. */
  private readonly toolCache = new Map<string, Tool[]>();
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly maxListPages: number;
  private readonly stopGraceMs: number;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private disposed = false;

  constructor(private readonly options: ServerManagerOptions) {
    this.logger = options.logger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxListPages = options.maxListPages ?? DEFAULT_MAX_LIST_PAGES;
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.now = options.now ?? Date.now;
    for (const def of options.definitions) this.add(def);
  }

  // ---- definitions and state -------------------------------------------------------------

  private add(definition: ServerDefinition): void {
    const managed: Managed = {
      definition,
      state: { id: definition.id, status: 'stopped' },
      breaker: new CircuitBreaker(this.retry, this.now),
      generation: 0,
      handle: undefined as unknown as ManagedConnection,
    };
    managed.handle = new ManagedConnection(this, definition.id);
    const cached = this.toolCache.get(definition.hash);
    if (cached) managed.state.tools = filterTools(cached, definition);
    this.servers.set(definition.id, managed);
  }

  /** Replaces the definitions; servers whose definition was removed or changed are stopped. */
  async setDefinitions(definitions: ServerDefinition[]): Promise<void> {
    const next = new Map(definitions.map((d) => [d.id, d]));
    // Ids carry their folder only while a name is defined in several folders (`shared@vscode:beta`), so
    // adding or removing a folder can change the id of a definition that did not change. Such a server
    // keeps its process and state under its new id instead of being stopped and started again.
    const unclaimed = definitions.filter((d) => !this.servers.has(d.id));
    for (const [id, managed] of [...this.servers]) {
      if (next.has(id)) continue;
      const at = unclaimed.findIndex((d) => d.hash === managed.definition.hash && d.name === managed.definition.name);
      if (at < 0) continue;
      const [def] = unclaimed.splice(at, 1);
      this.servers.delete(id);
      managed.definition = def;
      managed.handle = new ManagedConnection(this, def.id);
      this.servers.set(def.id, managed);
      this.logger.info(`${def.name}: now known as '${def.id}' (was '${id}'); its connection is kept.`);
    }
    const stops: Promise<void>[] = [];
    for (const [id, managed] of this.servers) {
      const def = next.get(id);
      if (!def || def.hash !== managed.definition.hash) {
        stops.push(this.stopManaged(managed));
        this.servers.delete(id);
      }
    }
    await Promise.all(stops);
    for (const def of definitions) {
      const managed = this.servers.get(def.id);
      if (!managed) {
        this.add(def);
        this.emit(this.servers.get(def.id)!);
      } else {
        // Same launch definition: keep the connection, but the filters or source range may have changed.
        managed.definition = def;
        managed.state = { ...managed.state, id: def.id };
        if (managed.rawTools) managed.state.tools = filterTools(managed.rawTools, def);
        this.emit(managed);
      }
    }
  }

  definitions(): ServerDefinition[] {
    return [...this.servers.values()].map((m) => m.definition);
  }

  definition(id: string): ServerDefinition | undefined {
    return this.servers.get(id)?.definition;
  }

  list(): ServerState[] {
    return [...this.servers.values()].map((m) => this.snapshot(m));
  }

  state(id: string): ServerState | undefined {
    const managed = this.servers.get(id);
    return managed && this.snapshot(managed);
  }

  /** A stable handle for the server; each call starts (or restarts) the server when needed. */
  connection(id: string): ManagedConnection {
    return this.get(id).handle;
  }

  onDidChange(listener: (state: ServerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private snapshot(m: Managed): ServerState {
    return { ...m.state, circuitOpen: m.breaker.isOpen || undefined };
  }

  private setState(m: Managed, patch: Partial<ServerState>): void {
    m.state = { ...m.state, ...patch, id: m.definition.id };
    for (const key of Object.keys(patch) as (keyof ServerState)[]) {
      if (patch[key] === undefined) delete m.state[key];
    }
    this.emit(m);
  }

  private emit(m: Managed): void {
    const state = this.snapshot(m);
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (err) {
        this.logger.error(err as Error);
      }
    }
  }

  private get(id: string): Managed {
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

  // ---- lifecycle -----------------------------------------------------------------------

  /** The server's handle when it is running now, without starting it or waiting; undefined otherwise. */
  connectionIfStarted(id: string): ManagedConnection | undefined {
    const managed = this.servers.get(id);
    return managed?.live && !managed.live.closed ? managed.handle : undefined;
  }

  /** Starts the server if it is not running (waiting out the reconnect backoff) and returns its handle. */
  async ensureStarted(id: string): Promise<ManagedConnection> {
    const managed = this.get(id);
    await this.live(managed, 'auto');
    return managed.handle;
  }

  /** Starts the server now (no backoff wait); refused while the circuit breaker is open. */
  async start(id: string): Promise<ManagedConnection> {
    const managed = this.get(id);
    await this.live(managed, 'manual');
    return managed.handle;
  }

  /**
   * Starts several servers in parallel (default: every server not marked disabled); resolves when all
   * have settled, failures being in their state.
   */
  async startAll(
    ids: string[] = [...this.servers.values()].filter((m) => !m.definition.disabled).map((m) => m.definition.id),
  ): Promise<PromiseSettledResult<ManagedConnection>[]> {
    return Promise.allSettled(ids.map((id) => this.start(id)));
  }

  async stop(id: string): Promise<void> {
    await this.stopManaged(this.get(id));
  }

  /** Stops and starts again, clearing the circuit breaker: the user's way out after fixing a server. */
  async restart(id: string): Promise<ManagedConnection> {
    const managed = this.get(id);
    await this.stopManaged(managed);
    managed.breaker.reset();
    managed.lastFailure = undefined;
    await this.live(managed, 'manual');
    return managed.handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((m) => this.stopManaged(m)));
  }

  /** Stops everything; the manager refuses starts afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopAll();
    this.listeners.clear();
  }

  /** @internal Used by ManagedConnection. */
  async live(managed: Managed, mode: 'auto' | 'manual'): Promise<Live> {
    if (managed.live && !managed.live.closed) return managed.live;
    if (managed.starting) return managed.starting;
    const generation = managed.generation;
    const starting = this.startManaged(managed, mode, generation);
    managed.starting = starting;
    try {
      return await starting;
    } finally {
      if (managed.starting === starting) managed.starting = undefined;
    }
  }

  private async startManaged(m: Managed, mode: 'auto' | 'manual', generation: number): Promise<Live> {
    const def = m.definition;
    if (this.disposed) throw new ServerError(`${def.name} cannot start: MCP Harness is shutting down.`, 'not_allowed', def.id);
    this.checkAllowed(m, mode);
    if (m.breaker.isOpen) {
      const message = m.breaker.describeOpen(def.name) + (m.lastFailure ? ` Last error: ${m.lastFailure}` : '');
      this.setState(m, { status: 'error', error: message });
      throw new ServerError(message, 'circuit_open', def.id);
    }
    if (mode === 'auto') {
      const wait = m.breaker.backoffRemainingMs();
      if (wait > 0) {
        this.logger.info(`${def.name}: waiting ${formatMs(wait)} before reconnecting.`);
        await new Promise((r) => setTimeout(r, wait));
        if (m.generation !== generation) throw this.stoppedDuringStart(m);
      }
    }
    if (def.transport === 'stdio' && this.options.consent) {
      const allowed = await this.options.consent(def);
      if (!allowed) {
        const message = `${def.name} was not started because starting it was not allowed. Start it again to be asked again.`;
        this.setState(m, { status: 'error', error: message });
        throw new ServerError(message, 'not_allowed', def.id);
      }
      if (m.generation !== generation) throw this.stoppedDuringStart(m);
    }

    const cached = this.toolCache.get(def.hash);
    this.setState(m, {
      status: 'starting',
      error: undefined,
      tools: cached ? filterTools(cached, def) : m.state.tools,
      toolsFromCache: cached ? true : undefined,
    });
    const started = Date.now();
    let live: Live;
    try {
      live = await this.connect(m);
    } catch (err) {
      if (m.generation !== generation) throw this.stoppedDuringStart(m);
      const context = err instanceof FailedStart ? err.context : { stderrTail: '' };
      const cause = err instanceof FailedStart ? err.cause : err;
      const message = err instanceof ServerError ? err.message : describeStartError(def, cause, { ...context, startTimeoutMs: this.startTimeoutMs });
      this.fail(m, message);
      throw new ServerError(m.state.error ?? message, m.breaker.isOpen ? 'circuit_open' : 'start_failed', def.id, cause);
    }
    if (m.generation !== generation) {
      await this.closeLive(live);
      throw this.stoppedDuringStart(m);
    }
    try {
      await this.refreshLists(m, live);
    } catch (err) {
      live.stopping = true;
      await this.closeLive(live);
      if (m.generation !== generation) throw this.stoppedDuringStart(m);
      const message = `${def.name} started but listing its tools failed: ${messageOf(err)}. Check the server's output.`;
      this.fail(m, message);
      throw new ServerError(m.state.error ?? message, 'start_failed', def.id, err);
    }
    if (m.generation !== generation) {
      live.stopping = true;
      await this.closeLive(live);
      throw this.stoppedDuringStart(m);
    }
    if (live.closed) {
      // It exited right after listing; the close handler ignored it because it was not yet the live connection.
      const message = `${def.name} stopped right after starting: ${describeExit(live.exit)}. Check the server's output.`;
      this.fail(m, message);
      throw new ServerError(m.state.error ?? message, 'start_failed', def.id);
    }
    // Only now does the close handler treat an exit as a crash of the running server.
    m.live = live;
    if (live.pid) live.tree = [live.pid, ...descendants(live.pid)];
    m.breaker.recordSuccess();
    m.lastFailure = undefined;
    const version = live.client.getServerVersion();
    this.setState(m, {
      status: 'running',
      error: undefined,
      pid: live.pid,
      serverInfo: version ? { name: version.name, version: version.version } : undefined,
      instructions: live.client.getInstructions(),
      transportUsed: live.kind,
    });
    this.logger.info(`${def.name} is running (${live.kind}${live.pid ? `, pid ${live.pid}` : ''}) after ${Date.now() - started} ms.`);
    return live;
  }

  private checkAllowed(m: Managed, mode: 'auto' | 'manual'): void {
    const def = m.definition;
    const refuse = (message: string, code: 'start_failed' | 'not_allowed'): never => {
      this.setState(m, { status: 'error', error: message });
      throw new ServerError(message, code, def.id);
    };
    // Discovery already explained what is wrong with the definition; starting it would only fail less clearly.
    if (def.error) refuse(def.error, 'start_failed');
    if (def.pendingInputs?.length) {
      refuse(`${def.name} needs a value for ${def.pendingInputs.map((i) => `\${input:${i}}`).join(', ')} before it can start. Start it to be asked.`, 'not_allowed');
    }
    if (def.disabled && mode === 'auto') {
      refuse(`${def.name} is disabled ('disabled': true in ${def.source.file}). Start it explicitly, or remove 'disabled'.`, 'not_allowed');
    }
    const workspaceDefined = def.source.workspaceFolder !== undefined;
    if (workspaceDefined && this.options.isTrusted && !this.options.isTrusted()) {
      const message = `${def.name} was not started because the workspace is not trusted (Restricted Mode). Trust the workspace to start servers it defines.`;
      this.setState(m, { status: 'error', error: message });
      throw new ServerError(message, 'not_allowed', def.id);
    }
    if (def.transport === 'stdio' && !def.command) {
      const message = `Could not start ${def.name}: it has no 'command'. Add one in ${def.source.file}.`;
      this.setState(m, { status: 'error', error: message });
      throw new ServerError(message, 'start_failed', def.id);
    }
    if (def.transport !== 'stdio' && !def.url) {
      const message = `Could not connect to ${def.name}: it has no 'url'. Add one in ${def.source.file}.`;
      this.setState(m, { status: 'error', error: message });
      throw new ServerError(message, 'start_failed', def.id);
    }
  }

  private stoppedDuringStart(m: Managed): ServerError {
    return new ServerError(`${m.definition.name} was stopped while it was starting.`, 'stopped', m.definition.id);
  }

  private fail(m: Managed, message: string): void {
    m.breaker.recordFailure();
    m.lastFailure = message;
    const error = m.breaker.isOpen ? `${m.breaker.describeOpen(m.definition.name)} Last error: ${message}` : message;
    this.logger.warn(error);
    this.setState(m, { status: 'error', error, pid: undefined, toolsFromCache: undefined });
  }

  // ---- connecting ------------------------------------------------------------------------

  private newClient(): Client {
    return new (mcpSdk().Client)(this.options.clientInfo, { capabilities: {} });
  }

  private async connect(m: Managed): Promise<Live> {
    const def = m.definition;
    if (def.transport === 'stdio') return this.connectStdio(m);
    const url = parseUrl(def);
    const requestInit: RequestInit | undefined = def.headers ? { headers: def.headers } : undefined;
    if (def.transport === 'sse') {
      return this.connectHttp(m, new (mcpSdk().SSEClientTransport)(url, { requestInit, eventSourceInit: sseInit(def.headers) }), 'sse');
    }
    try {
      return await this.connectHttp(m, new (mcpSdk().StreamableHTTPClientTransport)(url, { requestInit }), 'streamable-http');
    } catch (err) {
      // The MCP spec's backwards-compatibility advice: a 4xx to the first POST means an old HTTP+SSE server.
      const cause = err instanceof FailedStart ? err.cause : err;
      const status = cause instanceof mcpSdk().StreamableHTTPError ? cause.code : undefined;
      if (status === undefined || status < 400 || status >= 500 || status === 401 || status === 403) throw err;
      this.logger.info(`${def.name}: Streamable HTTP answered ${status}; trying the older HTTP+SSE transport.`);
      return this.connectHttp(m, new (mcpSdk().SSEClientTransport)(url, { requestInit, eventSourceInit: sseInit(def.headers) }), 'sse');
    }
  }

  private async connectHttp(m: Managed, transport: Transport, kind: LiveKind): Promise<Live> {
    const client = this.newClient();
    const live: Live = { client, transport, kind, tree: [], stderrTail: '', stopping: false, closed: false };
    this.wire(m, live);
    try {
      await client.connect(transport, { timeout: this.startTimeoutMs });
    } catch (err) {
      live.stopping = true;
      await client.close().catch(() => {});
      throw new FailedStart(err, { stderrTail: '' });
    }
    return live;
  }

  private async connectStdio(m: Managed): Promise<Live> {
    const def = m.definition;
    const cwd = def.cwd ?? def.source.workspaceFolder;
    if (cwd && (!existsSync(cwd) || !statSync(cwd).isDirectory())) {
      // spawn() reports a missing cwd as ENOENT, which would read like a missing command.
      throw new ServerError(
        `Could not start ${def.name}: the working directory '${cwd}' does not exist. Check 'cwd' in ${def.source.file}.`,
        'start_failed',
        def.id,
      );
    }
    const transport = new (mcpSdk().StdioClientTransport)({
      command: def.command!,
      args: def.args ?? [],
      env: def.env,
      cwd,
      stderr: 'pipe',
      maxBufferSize: this.maxMessageBytes,
    });
    const client = this.newClient();
    const live: Live = { client, transport, kind: 'stdio', tree: [], stderrTail: '', stopping: false, closed: false };
    transport.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      live.stderrTail = (live.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      this.options.onStderr?.(def.id, text);
    });
    this.wire(m, live);
    this.logger.info(
      `Starting ${def.name}: ${def.command} with ${def.args?.length ?? 0} argument(s)` +
        (def.env && Object.keys(def.env).length ? `, env ${Object.keys(def.env).join(', ')}` : '') +
        (cwd ? `, in ${cwd}` : ''),
    );
    try {
      await client.connect(transport, {
        timeout: this.startTimeoutMs,
      });
    } catch (err) {
      live.stopping = true;
      const context = { exit: live.exit, stderrTail: live.stderrTail, transportError: live.transportError };
      await this.closeLive(live);
      throw new FailedStart(err, { ...context, exit: context.exit ?? live.exit });
    }
    live.pid = transport.pid ?? undefined;
    return live;
  }

  /** Hooks a new connection's events: exit code, unexpected close, stray output, list changes. */
  private wire(m: Managed, live: Live): void {
    const { client, transport } = live;
    const def = m.definition;
    const originalStart = transport.start.bind(transport);
    transport.start = async () => {
      // Protocol.connect has installed its message handler by now. Once the stream is known to be corrupt
      // (a message over the size limit), nothing more from it is trusted, even if a later line parses.
      const deliver = transport.onmessage;
      transport.onmessage = (message, extra) => {
        if (!live.transportError) deliver?.(message, extra);
      };
      await originalStart();
      // The SDK keeps the child private; its exit code and signal make crash messages useful.
      const child = (transport as unknown as { _process?: import('node:child_process').ChildProcess })._process;
      if (child) {
        live.pid = child.pid;
        if (child.pid) live.tree = [child.pid];
        live.exited = new Promise((resolveExit) => {
          child.once('exit', (code, signal) => {
            live.exit = { code, signal };
            resolveExit();
          });
        });
      }
    };
    client.onerror = (err: Error) => {
      if (live.stopping) return;
      if (/ReadBuffer exceeded maximum size/.test(err.message)) {
        live.transportError = new Error(
          `it sent a message larger than ${formatBytes(this.maxMessageBytes)} (the maxMessageBytes limit)`,
        );
        this.logger.warn(`${def.name} ${live.transportError.message}; closing the connection.`);
        // The SDK only ends stdin, which a busy server may ignore; the close that rejects pending calls
        // comes when the process exits.
        if (live.pid) signalAll([live.pid], 'SIGTERM');
        return;
      }
      if (err instanceof SyntaxError || err.name === 'ZodError' || /JSON/.test(err.message)) {
        this.logger.warn(
          `${def.name} wrote a line to stdout that is not JSON-RPC (ignored): ${messageOf(err).slice(0, 300)}. Servers must log to stderr.`,
        );
        return;
      }
      this.logger.warn(`${def.name}: ${messageOf(err)}`);
    };
    client.onclose = () => {
      live.closed = true;
      if (live.stopping || m.live !== live) return;
      m.live = undefined;
      this.onUnexpectedClose(m, live);
    };
    client.setNotificationHandler(mcpSdk().ToolListChangedNotificationSchema, async () => {
      if (m.live !== live) return;
      this.logger.info(`${def.name} announced that its tools changed; refreshing.`);
      try {
        await this.refreshTools(m, live);
      } catch (err) {
        this.logger.warn(`${def.name}: refreshing tools failed: ${messageOf(err)}`);
      }
    });
    client.setNotificationHandler(mcpSdk().ResourceListChangedNotificationSchema, async () => {
      if (m.live !== live) return;
      const resources = await this.allPages(live, 'resources').catch(() => undefined);
      if (resources) this.setState(m, { resources: resources as Resource[] });
    });
    client.setNotificationHandler(mcpSdk().PromptListChangedNotificationSchema, async () => {
      if (m.live !== live) return;
      const prompts = await this.allPages(live, 'prompts').catch(() => undefined);
      if (prompts) this.setState(m, { prompts: prompts as Prompt[] });
    });
  }

  private onUnexpectedClose(m: Managed, live: Live): void {
    const def = m.definition;
    // Children the server left behind would otherwise outlive it.
    const leftovers = live.tree.filter((pid) => pid !== live.pid && isAlive(pid));
    if (leftovers.length) signalAll(leftovers, 'SIGKILL');
    // The SDK reports the close on the child's 'close' event, which Node emits after 'exit': the code is known here.
    const reason = live.transportError ? live.transportError.message : describeExit(live.exit);
    const tail = lastStderrLine(live.stderrTail);
    const message =
      `${def.name} stopped unexpectedly: ${reason}.` + (tail ? ` Its last output was: "${tail}".` : '') + ' It will be restarted when next needed.';
    this.fail(m, message);
  }

  // ---- lists ---------------------------------------------------------------------------

  private async refreshLists(m: Managed, live: Live): Promise<void> {
    const caps = live.client.getServerCapabilities() ?? {};
    const [resources, prompts] = await Promise.all([
      caps.resources ? this.allPages(live, 'resources').catch((err) => this.listFailed(m, 'resources', err)) : Promise.resolve([]),
      caps.prompts ? this.allPages(live, 'prompts').catch((err) => this.listFailed(m, 'prompts', err)) : Promise.resolve([]),
      caps.tools ? this.refreshTools(m, live, false) : Promise.resolve(this.setTools(m, [], false)),
    ]);
    m.state = { ...m.state, resources: resources as Resource[], prompts: prompts as Prompt[] };
  }

  private listFailed(m: Managed, what: string, err: unknown): never[] {
    this.logger.warn(`${m.definition.name}: listing ${what} failed: ${messageOf(err)}`);
    return [];
  }

  private async refreshTools(m: Managed, live: Live, emit = true): Promise<void> {
    const tools = (await this.allPages(live, 'tools')) as Tool[];
    this.setTools(m, tools, emit);
  }

  private setTools(m: Managed, tools: Tool[], emit: boolean): void {
    m.rawTools = tools;
    this.toolCache.set(m.definition.hash, tools);
    const patch = { tools: filterTools(tools, m.definition), toolsFromCache: undefined };
    if (emit) this.setState(m, patch);
    else {
      m.state = { ...m.state, ...patch };
      delete m.state.toolsFromCache;
    }
  }

  /** Follows nextCursor until the list ends. */
  private async allPages(live: Live, kind: 'tools' | 'resources' | 'prompts'): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    const options = { timeout: this.requestTimeoutMs };
    for (let page = 0; page < this.maxListPages; page++) {
      const params = cursor === undefined ? undefined : { cursor };
      const result =
        kind === 'tools'
          ? await live.client.listTools(params, options)
          : kind === 'resources'
            ? await live.client.listResources(params, options)
            : await live.client.listPrompts(params, options);
      items.push(...((result as Record<string, unknown>)[kind] as unknown[]));
      cursor = result.nextCursor;
      if (cursor === undefined) return items;
      if (seen.has(cursor)) throw new Error(`the server returned the same ${kind}/list cursor twice`);
      seen.add(cursor);
    }
    throw new Error(`its ${kind}/list did not end after ${this.maxListPages} pages (the maxListPages limit)`);
  }

  // ---- calls ---------------------------------------------------------------------------

  /** @internal */
  async callTool(id: string, name: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const m = this.get(id);
    const def = m.definition;
    if (!isToolAllowed(name, def)) {
      throw new ServerError(
        `The tool '${name}' of ${def.name} is hidden by 'includeTools'/'excludeTools' in ${def.source.file}.`,
        'tool_filtered',
        def.id,
      );
    }
    if (options.signal?.aborted) {
      throw new ServerError(`The call to the tool '${name}' on ${def.name} was cancelled before it started.`, 'cancelled', def.id);
    }
    // A running server gets the request at once, without an await in between.
    const live = m.live && !m.live.closed ? m.live : await this.live(m, 'auto');
    const timeout = options.timeoutMs ?? def.timeoutMs ?? this.requestTimeoutMs;
    const call = callSignal(options.signal);
    try {
      return (await live.client.callTool({ name, arguments: args }, undefined, {
        timeout,
        maxTotalTimeout: options.maxTotalTimeoutMs,
        signal: call.signal,
        resetTimeoutOnProgress: true,
        // A progress callback is what makes the SDK send a progressToken, which lets progress reset the timeout.
        onprogress: (p) => options.onProgress?.(p),
      })) as CallToolResult;
    } catch (err) {
      throw this.translateCallError(m, live, `the tool '${name}'`, err, timeout, options);
    } finally {
      call.release();
    }
  }

  /**
   * An HTTP server that went away shows up as a failed fetch, not as a closed connection: drop the
   * connection so the next use reconnects, and count it like a crash.
   */
  private lostHttpServer(m: Managed, live: Live, what: string, err: unknown): ServerError | undefined {
    if (live.kind === 'stdio' || live.stopping) return undefined;
    const code = (err as { cause?: { code?: string } })?.cause?.code;
    const network = code !== undefined ? ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET'].includes(code) : /fetch failed/i.test(messageOf(err));
    if (!network) return undefined;
    const def = m.definition;
    const reason = code === 'ECONNREFUSED' ? 'the connection was refused' : code ? `the connection failed (${code})` : 'the connection failed';
    if (m.live === live) {
      m.live = undefined;
      live.stopping = true;
      void live.client.close().catch(() => {});
      this.fail(m, `${def.name} could not be reached at ${def.url}: ${reason}. It will be reconnected when next needed.`);
    }
    return new ServerError(
      `${def.name} could not be reached at ${def.url} while running ${what}: ${reason}. It will be reconnected when next needed.`,
      'connection_closed',
      def.id,
      err,
    );
  }

  /** @internal */
  async request<T>(id: string, what: string, run: (client: Client, timeout: number) => Promise<T>): Promise<T> {
    const m = this.get(id);
    const live = await this.live(m, 'auto');
    try {
      return await run(live.client, this.requestTimeoutMs);
    } catch (err) {
      throw this.translateCallError(m, live, what, err, this.requestTimeoutMs, {});
    }
  }

  private translateCallError(m: Managed, live: Live, what: string, err: unknown, timeout: number, options: CallOptions): Error {
    const def = m.definition;
    if (err instanceof ServerError) return err;
    const lost = this.lostHttpServer(m, live, what, err);
    if (lost) return lost;
    if (options.signal?.aborted) {
      return new ServerError(`The call to ${what} on ${def.name} was cancelled; the server was told to stop it.`, 'cancelled', def.id, err);
    }
    if (live.stopping) {
      return new ServerError(`${def.name} was stopped while ${what} was running.`, 'stopped', def.id, err);
    }
    if (isMcpError(err, 'ConnectionClosed')) {
      const reason = live.transportError ? live.transportError.message : describeExit(live.exit);
      return new ServerError(
        `${def.name} stopped while running ${what}: ${reason}. It will be restarted when next needed.`,
        'connection_closed',
        def.id,
        err,
      );
    }
    if (isMcpError(err, 'RequestTimeout')) {
      const data = err.data as { maxTotalTimeout?: number } | undefined;
      if (data?.maxTotalTimeout) {
        return new ServerError(
          `${def.name} did not finish ${what} within ${formatMs(data.maxTotalTimeout)} in total; the request was cancelled.`,
          'timeout',
          def.id,
          err,
        );
      }
      return new ServerError(
        `${def.name} did not answer ${what} within ${formatMs(timeout)}; the request was cancelled. ` +
          `If it needs longer, raise the request timeout (mcpHarness.requestTimeoutMs).`,
        'timeout',
        def.id,
        err,
      );
    }
    if (isMcpError(err)) {
      return new ServerError(`${def.name} answered ${what} with an error: ${messageOf(err).replace(/^MCP error -?\d+: /, '')}.`, 'server_error', def.id, err);
    }
    return new ServerError(`${def.name} failed on ${what}: ${messageOf(err)}.`, 'server_error', def.id, err);
  }

  // ---- stopping ------------------------------------------------------------------------

  private async stopManaged(m: Managed): Promise<void> {
    m.generation++;
    const live = m.live;
    m.live = undefined;
    const starting = m.starting;
    if (live) {
      live.stopping = true;
      await this.closeLive(live);
    }
    if (starting) await starting.catch(() => {});
    if (live || starting || m.state.status !== 'stopped') {
      this.setState(m, { status: 'stopped', error: m.breaker.isOpen ? m.state.error : undefined, pid: undefined, toolsFromCache: undefined });
      if (live) this.logger.info(`${m.definition.name} stopped.`);
    }
  }

  /** Closes the client; ends the whole process tree if it does not exit on its own. */
  private async closeLive(live: Live): Promise<void> {
    live.stopping = true;
    const pid = live.pid;
    const tree = pid ? [...new Set([...live.tree, pid, ...descendants(pid)])] : [];
    const closing = live.client.close().catch(() => {});
    if (!pid) {
      await closing;
      return;
    }
    const exited = await waitForExit([pid], this.stopGraceMs);
    if (!exited) {
      if (process.platform === 'win32') killTreeWindows(pid);
      else {
        // Children started during the grace period count too.
        for (const child of descendants(pid)) if (!tree.includes(child)) tree.push(child);
        signalAll(tree.filter(isAlive), 'SIGTERM');
        if (!(await waitForExit(tree, 1000))) signalAll(tree.filter(isAlive), 'SIGKILL');
      }
    }
    await closing;
    // Until Node reaps the child, its pid still answers signal 0; callers expect it gone once stop resolves.
    if (live.exited && !live.exit) await Promise.race([live.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    // Children that did not exit with their parent.
    const left = tree.filter(isAlive);
    if (left.length) {
      signalAll(left, 'SIGTERM');
      if (!(await waitForExit(left, 500))) signalAll(left.filter(isAlive), 'SIGKILL');
      await waitForExit(left, 1000);
    }
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

  readResource(uri: string): Promise<ReadResourceResult> {
    return this.manager.request(this.id, `the resource '${uri}'`, (client, timeout) => client.readResource({ uri }, { timeout }));
  }

  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult> {
    return this.manager.request(this.id, `the prompt '${name}'`, (client, timeout) => client.getPrompt({ name, arguments: args }, { timeout }));
  }

  ping(): Promise<void> {
    return this.manager.request(this.id, 'ping', async (client, timeout) => {
      await client.ping({ timeout });
    });
  }
}

/**
 * A signal for one request that follows the caller's. The SDK adds an abort listener to the signal of
 * every request and never removes it, so a session's signal shared by all its calls would collect one
 * listener (and the closure over its request) per call; the SDK gets this short-lived signal instead,
 * and only a listener we remove when the call settles ever sits on the caller's.
 */
function callSignal(outer: AbortSignal | undefined): { signal: AbortSignal | undefined; release(): void } {
  if (!outer) return { signal: undefined, release: () => undefined };
  const inner = new AbortController();
  // The caller may have cancelled while the server was starting: the request must not go out then.
  if (outer.aborted) {
    inner.abort(outer.reason);
    return { signal: inner.signal, release: () => undefined };
  }
  const forward = (): void => inner.abort(outer.reason);
  outer.addEventListener('abort', forward, { once: true });
  return { signal: inner.signal, release: () => outer.removeEventListener('abort', forward) };
}

/** Carries what was known about the process when a start failed, for the message. */
class FailedStart extends Error {
  constructor(
    override readonly cause: unknown,
    readonly context: { exit?: ExitInfo; stderrTail: string; transportError?: Error },
  ) {
    super(messageOf(cause));
  }
}

function parseUrl(def: ServerDefinition): URL {
  try {
    return new URL(def.url!);
  } catch {
    throw new ServerError(`Could not connect to ${def.name}: '${def.url}' is not a valid URL. Check 'url' in ${def.source.file}.`, 'start_failed', def.id);
  }
}

/** The SSE stream's GET must carry the configured headers too (EventSource has no headers option). */
function sseInit(headers: Record<string, string> | undefined): { fetch: typeof fetch } | undefined {
  if (!headers) return undefined;
  return {
    fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  };
}

function lastStderrLine(tail: string): string | undefined {
  const lines = tail.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const line = lines[lines.length - 1];
  return line && (line.length > 300 ? line.slice(0, 300) + '…' : line);
}
