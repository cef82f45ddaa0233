// The gateway over Streamable HTTP: loopback by default, every request checked (httpChecks), limited per
// client (token bucket), `/mcp` served by one SDK transport per MCP session (2025 clients) or request by
// request (2026-07-28 clients, stateless.ts), `/health` and `/metrics` beside it, and a graceful shutdown
// that lets calls in flight finish within a deadline.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import type { GatewayCore } from './core';
import { clientName } from './names';
import { allowedHosts, checkHostAndOrigin, corsHeaders, DEFAULT_MAX_BODY_BYTES, HttpRefusal, jsonRpcError, readBody, sendJson, unauthorized } from './httpChecks';
import { RateLimiter, type RateLimit } from './limits';
import { StatelessServing } from './stateless';
import { bearerMatches } from './token';

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 50, burst: 100 };
export const DEFAULT_SHUTDOWN_MS = 10_000;
/** A session without requests or an open stream for this long is ended (clients often vanish without DELETE). */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

export interface HttpGatewayOptions {
  core: GatewayCore;
  token: string;
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Extra Host header names to answer to (e.g. a name in /etc/hosts). */
  allowedHosts?: string[];
  /** Origins a browser page may call from (CORS); none by default. */
  corsOrigins?: string[];
  maxBodyBytes?: number;
  rateLimit?: RateLimit;
  sessionIdleMs?: number;
  /**
   * This replica's name when several run behind a load balancer: session ids start with `<name>.`, so the
   * balancer routes every request of a session (its Mcp-Session-Id header) to the replica that holds it.
   */
  replicaId?: string;
  logger?: Logger;
}

/** What a replica id may be: it goes into every session id, before the first dot. */
export const REPLICA_ID = /^[A-Za-z0-9_-]{1,32}$/;

interface McpSession {
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  /** Requests being answered and open GET streams: a session with a call running or a listener is not idle. */
  open: number;
}

export class HttpGateway {
  private readonly server: HttpServer;
  private readonly sessions = new Map<string, McpSession>();
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private hosts = new Set<string>();
  private closing = false;
  /** POST requests being answered (a call in flight is one); GET streams are not counted. */
  private pending = 0;
  private idle: (() => void)[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private readonly stateless: StatelessServing;

  constructor(private readonly options: HttpGatewayOptions) {
    if (options.replicaId !== undefined && !REPLICA_ID.test(options.replicaId)) {
      throw new Error(`The replica id '${options.replicaId}' is not usable: use 1 to 32 letters, digits, '-' or '_'.`);
    }
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.logger = options.logger ?? nullLogger;
    this.stateless = new StatelessServing(options.core, this.logger);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.logger.error(err as Error));
    });
    // Slow-loris bodies and idle sockets must not hold the gateway forever.
    this.server.requestTimeout = 120_000;
    this.server.headersTimeout = 30_000;
  }

  async listen(): Promise<{ host: string; port: number; url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    const idleMs = this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.sweeper = setInterval(() => this.endIdleSessions(idleMs), Math.max(50, Math.min(60_000, idleMs / 2)));
    this.sweeper.unref();
    this.hosts = allowedHosts(host, port, this.options.allowedHosts);
    const shown = host.includes(':') ? `[${host}]` : host;
    return { host, port, url: `http://${shown}:${port}/mcp` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origins = this.options.corsOrigins ?? [];
    const isPost = req.method === 'POST';
    // Read now: the socket is gone from the request once the client hangs up.
    const remote = req.socket?.remoteAddress;
    if (isPost) this.pending++;
    try {
      if (this.closing) throw new HttpRefusal(503, 'The gateway is shutting down.', { Connection: 'close', 'Retry-After': '5' });
      checkHostAndOrigin(req, this.hosts, origins);
      const cors = corsHeaders(req, origins);
      for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      if (!bearerMatches(req.headers.authorization, this.options.token)) throw unauthorized();
      // A POST without a session is limited once its body names the client (stateless 2026 clients share addresses).
      const session = sessionIdOf(req);
      if (session || !isPost) this.limit(session ?? `addr:${remote ?? '?'}`);
      await this.route(req, res, remote);
    } catch (err) {
      this.refuse(req, res, err, remote);
    } finally {
      if (isPost && --this.pending === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Takes a token from the client's bucket, or refuses with 429 and when to retry. */
  private limit(client: string): void {
    const allowed = this.limiter.take(client);
    if (allowed.ok) return;
    this.options.core.metrics.rateLimited.inc({ reason: 'client' });
    throw new HttpRefusal(429, `Too many requests from this client; retry after ${allowed.retryAfterSeconds} s.`, { 'Retry-After': String(allowed.retryAfterSeconds) });
  }

  private refuse(req: IncomingMessage, res: ServerResponse, err: unknown, remote: string | undefined): void {
    if (err instanceof HttpRefusal) {
      // An unread body is drained (not parsed) so the client gets the answer instead of a reset.
      if (!req.readableEnded) req.resume();
      this.options.core.metrics.rejected.inc({ status: String(err.status) });
      if (err.status !== 429 && err.status !== 503) {
        this.options.core.audit?.write({ kind: 'rejected', action: String(err.status), method: req.method, path: pathOf(req), remote, reason: err.message });
      }
      sendJson(res, err.status, { error: err.message }, err.status === 413 ? { ...err.headers, Connection: 'close' } : err.headers);
      return;
    }
    this.logger.error(err as Error);
    sendJson(res, 500, jsonRpcError(-32603, `The gateway failed to handle the request: ${(err as Error).message}`));
  }

  private async route(req: IncomingMessage, res: ServerResponse, remote: string | undefined): Promise<void> {
    const path = pathOf(req);
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, this.options.core.health());
    if (path === '/metrics' && req.method === 'GET') {
      const text = await this.options.core.metrics.text();
      res.writeHead(200, { 'Content-Type': this.options.core.metrics.contentType });
      res.end(text);
      return;
    }
    if (path !== '/mcp') throw new HttpRefusal(404, `Nothing at ${path.slice(0, 100)}: MCP is served at /mcp, and there are /health and /metrics.`);
    if (req.method === 'POST') return this.post(req, res, remote);
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = this.sessionOf(req, res);
      if (!session) return sendJson(res, 400, jsonRpcError(-32000, 'Send the Mcp-Session-Id header of an initialized session.'));
      return session.transport.handleRequest(req, res);
    }
    throw new HttpRefusal(405, `${req.method} is not supported at /mcp (use POST, GET or DELETE).`, { Allow: 'GET, POST, DELETE, OPTIONS' });
  }

  private async post(req: IncomingMessage, res: ServerResponse, remote: string | undefined): Promise<void> {
    const raw = await readBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (!sessionIdOf(req)) this.limit(`addr:${remote ?? '?'}`);
      return sendJson(res, 400, jsonRpcError(-32700, `Parse error: the body is not JSON (${(err as Error).message}).`));
    }
    if (!sessionIdOf(req)) this.limit(statelessClientKey(remote, body));
    const existing = this.sessionOf(req, res);
    if (existing) return existing.transport.handleRequest(req, res, body);
    if (!sessionIdOf(req)) {
      // A 2026-07-28 request carries everything it needs: answered here, whichever replica this is.
      const cancel = new AbortController();
      const request = StatelessServing.webRequest(req, raw, cancel.signal);
      if (await StatelessServing.isModern(request, body)) return this.stateless.serve(request, body, res, cancel);
    }
    if (sessionIdOf(req)) return sendJson(res, 404, jsonRpcError(-32001, 'Session not found: it ended or the gateway restarted. Initialize a new session.'));
    if (!isInitializeRequest(body)) return sendJson(res, 400, jsonRpcError(-32600, 'Invalid request: start with an initialize request (no Mcp-Session-Id was sent).'));
    await this.startSession(req, res, body);
  }

  private async startSession(req: IncomingMessage, res: ServerResponse, body: { params: { clientInfo?: { name?: string } } }): Promise<void> {
    const client = clientName(body.params.clientInfo?.name);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => this.newSessionId(),
      // Each answer is an SSE stream the transport ends and forgets. Its JSON-response mode (SDK 1.32.2) never
      // removes a request's entry once answered: every call would stay in memory for the session's life.
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, lastSeen: Date.now(), open: 0 });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    const session = await this.options.core.connect(transport, `${client} (http)`);
    await transport.handleRequest(req, res, body);
    // An initialize the SDK refused (e.g. an unsupported protocol version) leaves no session to keep.
    if (!transport.sessionId) await session.close();
  }

  /** `<replica>.<uuid>` behind a load balancer, else a bare UUID. */
  private newSessionId(): string {
    return this.options.replicaId ? `${this.options.replicaId}.${randomUUID()}` : randomUUID();
  }

  /** The request's session, which counts the request as open until its response closes. */
  private sessionOf(req: IncomingMessage, res: ServerResponse): McpSession | undefined {
    const id = sessionIdOf(req);
    const session = id ? this.sessions.get(id) : undefined;
    if (session) {
      session.open++;
      res.once('close', () => {
        session.open--;
        session.lastSeen = Date.now();
      });
    }
    return session;
  }

  private endIdleSessions(idleMs: number): void {
    this.stateless.endIdle(idleMs);
    const cutoff = Date.now() - idleMs;
    for (const [id, session] of this.sessions) {
      if (session.open > 0 || session.lastSeen > cutoff) continue;
      this.sessions.delete(id);
      this.logger.info(`Ending MCP session ${id}: no request for ${Math.round(idleMs / 1000)} s.`);
      // Closing the transport ends the client's run (its trace gets its end line).
      session.transport.close().catch(() => undefined);
    }
  }

  /**
   * Stops taking requests (503 from now on), waits up to `deadlineMs` for the requests being answered,
   * then closes every session and connection. True when nothing was cut off.
   */
  async shutdown(deadlineMs = DEFAULT_SHUTDOWN_MS): Promise<boolean> {
    this.closing = true;
    clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.pending === 0 ? Promise.resolve(true) : new Promise<boolean>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
    ]);
    clearTimeout(timer);
    // The core cancels what still runs before it ends the sessions' runs (which wait for their calls).
    await this.options.core.close();
    await this.stateless.close();
    this.sessions.clear();
    this.server.closeAllConnections();
    await closed;
    return drained;
  }
}

/**
 * The rate-limit bucket of a request without a session: its address, and for a 2026-07-28 request the client
 * name it declares, so one stateless client's flood does not limit the others on the same machine.
 */
function statelessClientKey(remote: string | undefined, body: unknown): string {
  const meta = (body as { params?: { _meta?: Record<string, { name?: unknown } | undefined> } } | undefined)?.params?._meta;
  const name = meta?.[CLIENT_INFO_META_KEY]?.name;
  return `addr:${remote ?? '?'}${typeof name === 'string' ? `|${name.slice(0, 100)}` : ''}`;
}

function sessionIdOf(req: IncomingMessage): string | undefined {
  const v = req.headers['mcp-session-id'];
  return typeof v === 'string' && v ? v : undefined;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}
