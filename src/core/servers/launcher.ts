// Opens a connection for a definition: spawns a stdio server, or connects over Streamable HTTP with the
// MCP spec's fallback to the older HTTP+SSE transport, and completes the MCP handshake. What happens
// to a connection later (crash, list changes) is reported through ConnectionEvents. A start's signal ends it
// at once: the handshake's requests (and OAuth's) are aborted with the transport, a stdio server's tree is ended.
import { existsSync, statSync } from 'node:fs';
import type { Client, OAuthClientProvider, Transport } from '@modelcontextprotocol/client';
import { withOAuthRequests } from '../auth/forServer';
import type { ServerDefinition } from '../config/types';
import type { Logger } from '../types';
import { clientCapabilities, installClientFeatures, installTaskReceiver, type ClientFeatures } from './clientFeatures';
import { messageOf, ServerError, type ExitInfo } from './errors';
import { LiveConnection, type ListKind, type LiveKind } from './live';
import { negotiation, type ProtocolVerdicts } from './negotiation';
import { closedDuringProbe, handshakeTimeout, httpStatusOf, mcpSdk, unwrapProbeFailure } from './sdk';
import { stopProcessTree } from './processTree';
import { EarlyOutputTooLargeError, MessageTooLargeError, StdioProcessTransport } from './stdioTransport';
import { untilAborted } from './startAbort';
import { failUnansweredRequests } from './unansweredRequests';

export interface LauncherOptions {
  clientInfo: { name: string; version: string };
  logger: Logger;
  /** Time allowed for the process to start and finish the MCP handshake. */
  startTimeoutMs: number;
  maxMessageBytes: number;
  /** Grace given to a server that failed its start before it is killed. */
  stopGraceMs: number;
  onStderr?: (serverId: string, chunk: string) => void;
  /** The host's answers to what servers ask of the client, and its listeners for their notifications. */
  features: ClientFeatures;
  /** OAuth for an HTTP server (Streamable HTTP and SSE); undefined means no sign-in. */
  authProviderFor?: (def: ServerDefinition) => OAuthClientProvider | undefined;
  /** Era verdicts remembered from earlier starts, so a known 2025 server is not probed again. */
  verdicts: ProtocolVerdicts;
}

/** What the owner of a connection hears about it after it was opened. */
export interface ConnectionEvents {
  /** The connection closed (on purpose or not: check `live.stopping`). */
  closed(live: LiveConnection): void;
  /** The server announced that one of its lists changed. */
  listChanged(live: LiveConnection, kind: ListKind): void;
}

/** Carries what was known about the process when a start failed, for the message. */
export class FailedStart extends Error {
  constructor(
    override readonly cause: unknown,
    readonly context: { exit?: ExitInfo; stderrTail: string; transportError?: Error },
    /** The process ended while the 2026 probe was its first request. */
    readonly exitedOnProbe = false,
  ) {
    super(messageOf(cause));
  }
}

export class Launcher {
  /** Definitions (by hash) that died on the second start too: they are not given a second start again. */
  private readonly diedAfterProbe = new Set<string>();

  constructor(private readonly options: LauncherOptions) {}

  /**
   * Connects and completes the handshake; a failure is a FailedStart (or a ServerError for a bad definition).
   * When `signal` aborts, the start ends at once (a FailedStart with the signal's reason) and leaves nothing running.
   */
  async connect(def: ServerDefinition, events: ConnectionEvents, signal?: AbortSignal): Promise<LiveConnection> {
    if (def.transport === 'stdio') return this.connectStdio(def, events, signal);
    const url = parseUrl(def);
    const requestInit: RequestInit | undefined = def.headers ? { headers: def.headers } : undefined;
    const authProvider = this.options.authProviderFor?.(def);
    const sse = () => withOAuthRequests(authProvider, (fetch) => new (mcpSdk().SSEClientTransport)(url, { requestInit, eventSourceInit: sseInit(def.headers), authProvider, fetch }));
    if (def.transport === 'sse') return this.connectHttp(def, sse(), 'sse', events, signal);
    try {
      const streamable = withOAuthRequests(authProvider, (fetch) => new (mcpSdk().StreamableHTTPClientTransport)(url, { requestInit, authProvider, fetch }));
      const transport = failUnansweredRequests(streamable);
      return await this.connectHttp(def, transport, 'streamable-http', events, signal);
    } catch (err) {
      // The MCP spec's backwards-compatibility advice: a 4xx to the first POST means an old HTTP+SSE server.
      const cause = err instanceof FailedStart ? err.cause : err;
      const status = httpStatusOf(cause);
      if (signal?.aborted || status === undefined || status < 400 || status >= 500 || status === 401 || status === 403) throw err;
      this.options.logger.info(`${def.name}: Streamable HTTP answered ${status}; trying the older HTTP+SSE transport.`);
      return this.connectHttp(def, sse(), 'sse', events, signal);
    }
  }

  private newClient(def: ServerDefinition): Client {
    return new (mcpSdk().Client)(this.options.clientInfo, {
      capabilities: clientCapabilities(this.options.features.requests),
      // A stdio server silent for half the start time is taken for a 2025 server that ignores the probe,
      // leaving it the other half for `initialize`.
      versionNegotiation: { mode: negotiation(def).mode, probe: { timeoutMs: Math.ceil(this.options.startTimeoutMs / 2) } },
      // The lists are walked page by page here (./live), with our own limit and loop detection.
      listMaxPages: 0,
    });
  }

  /**
   * The handshake (or the 2026 discovery), skipping the probe for a server known to speak 2025. The whole of
   * it, probe and fallback, must finish within startTimeoutMs, and ends with the start's signal.
   */
  private async handshake(def: ServerDefinition, live: LiveConnection, signal: AbortSignal | undefined): Promise<void> {
    const { verdicts, startTimeoutMs } = this.options;
    const prior = negotiation(def).probes ? verdicts.get(def.hash) : undefined;
    await untilAborted(installTaskReceiver(live.client, def.id, live.inFlight, this.options.features), signal);
    const connecting = live.client.connect(live.transport, { timeout: startTimeoutMs, prior });
    // The caller closes the connection after a timeout or an abort, which settles `connecting` too.
    connecting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(handshakeTimeout(startTimeoutMs)), startTimeoutMs);
    });
    try {
      await untilAborted(Promise.race([connecting, expired]), signal);
    } finally {
      clearTimeout(timer);
    }
    if (negotiation(def).probes && !prior) verdicts.set(def.hash, live.client.getProtocolEra());
  }

  private async connectHttp(def: ServerDefinition, transport: Transport, kind: LiveKind, events: ConnectionEvents, signal: AbortSignal | undefined): Promise<LiveConnection> {
    const live = new LiveConnection(this.newClient(def), transport, kind);
    this.wire(def, live, events);
    try {
      await this.handshake(def, live, signal);
    } catch (err) {
      live.stopping = true;
      // The transport's close aborts its requests, and with them an OAuth request in flight (withOAuthRequests). It is
      // closed directly too: during the 2026 probe the client has not attached it yet, and its close would not reach it.
      await live.client.close().catch(() => {});
      await live.transport.close().catch(() => {});
      throw new FailedStart(unwrapProbeFailure(err), { stderrTail: '' });
    }
    return live;
  }

  /**
   * Some 2025 servers exit on a request they do not know, and the 2026 probe is one: a process that ends during
   * the probe is started once more with the 2025 handshake, and that verdict is remembered like any other. A
   * server that dies at start-up whatever it is sent fails the second start the same way; then no verdict is kept,
   * and its later starts (a crash loop) are not doubled.
   */
  private async connectStdio(def: ServerDefinition, events: ConnectionEvents, signal: AbortSignal | undefined): Promise<LiveConnection> {
    const { verdicts, logger } = this.options;
    const probing = negotiation(def).probes && !verdicts.get(def.hash);
    try {
      return await this.spawnStdio(def, events, signal);
    } catch (err) {
      // An exit during a stopped start tells nothing of the server's protocol.
      if (signal?.aborted || !probing || !(err instanceof FailedStart) || !err.exitedOnProbe || this.diedAfterProbe.has(def.hash)) throw err;
      logger.info(`${def.name} exited on the 2026 protocol probe (server/discover); starting it again with the 2025 handshake.`);
      verdicts.set(def.hash, 'legacy');
      try {
        return await this.spawnStdio(def, events, signal);
      } catch (retryErr) {
        verdicts.set(def.hash, undefined);
        if (!signal?.aborted) this.diedAfterProbe.add(def.hash);
        throw retryErr;
      }
    }
  }

  private async spawnStdio(def: ServerDefinition, events: ConnectionEvents, signal: AbortSignal | undefined): Promise<LiveConnection> {
    const cwd = def.cwd ?? def.source.workspaceFolder;
    if (cwd && (!existsSync(cwd) || !statSync(cwd).isDirectory())) {
      // spawn() reports a missing cwd as ENOENT, which would read like a missing command.
      throw new ServerError(
        `Could not start ${def.name}: the working directory '${cwd}' does not exist. Check 'cwd' in ${def.source.file}.`,
        'start_failed',
        def.id,
      );
    }
    let live: LiveConnection | undefined;
    const transport = new StdioProcessTransport({
      command: def.command!,
      args: def.args ?? [],
      env: def.env,
      cwd,
      maxMessageBytes: this.options.maxMessageBytes,
      onStderr: (text) => {
        live?.addStderr(text);
        this.options.onStderr?.(def.id, text);
      },
    });
    this.options.logger.info(
      `Starting ${def.name}: ${def.command} with ${def.args?.length ?? 0} argument(s)` +
        (def.env && Object.keys(def.env).length ? `, env ${Object.keys(def.env).join(', ')}` : '') +
        (cwd ? `, in ${cwd}` : ''),
    );
    // The server starts while the client is built (the first one loads the SDK): a CLI command pays the
    // longer of the two, not their sum. A failed spawn is reported by the handshake's start().
    transport.spawn().catch(() => undefined);
    try {
      live = new LiveConnection(this.newClient(def), transport, 'stdio', transport);
    } catch (err) {
      if (transport.pid !== undefined) await stopProcessTree({ pid: transport.pid, known: [], graceMs: 0, reaped: transport.exited });
      throw err;
    }
    this.wire(def, live, events);
    try {
      await this.handshake(def, live, signal);
    } catch (err) {
      live.stopping = true;
      // A stopped start ends the tree at once (TERM, then KILL), as a stuck server would not exit on its own.
      await live.close(signal?.aborted ? 0 : this.options.stopGraceMs);
      const context = { exit: live.exit, stderrTail: live.stderrTail, transportError: live.transportError };
      throw new FailedStart(unwrapProbeFailure(err), context, closedDuringProbe(err) && live.exit !== undefined);
    }
    return live;
  }

  /** Hooks a new connection's events: faults of the stream, the close, list changes. */
  private wire(def: ServerDefinition, live: LiveConnection, events: ConnectionEvents): void {
    const { client } = live;
    const logger = this.options.logger;
    client.onerror = (err: Error) => {
      if (live.stopping) return;
      if (err instanceof MessageTooLargeError || err instanceof EarlyOutputTooLargeError) {
        live.transportError = err;
        logger.warn(`${def.name} ${err.message}; closing the connection.`);
        return;
      }
      if (err instanceof SyntaxError || err.name === 'ZodError' || /JSON/.test(err.message)) {
        logger.warn(`${def.name} wrote a line to stdout that is not JSON-RPC (ignored): ${messageOf(err).slice(0, 300)}. Servers must log to stderr.`);
        return;
      }
      logger.warn(`${def.name}: ${messageOf(err)}`);
    };
    client.onclose = () => {
      live.closed = true;
      live.inFlight.endAll();
      events.closed(live);
    };
    client.setNotificationHandler('notifications/tools/list_changed', () => events.listChanged(live, 'tools'));
    client.setNotificationHandler('notifications/resources/list_changed', () => events.listChanged(live, 'resources'));
    client.setNotificationHandler('notifications/prompts/list_changed', () => events.listChanged(live, 'prompts'));
    installClientFeatures(client, def.id, live.inFlight, this.options.features);
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
