// The conformance suite tests servers over Streamable HTTP only. A stdio server is put behind this loopback
// bridge: each HTTP session (one per scenario) gets its own server process, and JSON-RPC messages are relayed
// both ways unchanged, so the suite sees the server's own answers. Server-originated messages are sent on the
// stream of the client request that was in flight, the way an HTTP server would send progress and log messages.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamableHTTPServerTransport as HttpTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ServerDefinition } from '../config/types';
import { descendants, stopProcessTree } from '../servers/processTree';
import { StdioProcessTransport } from '../servers/stdioTransport';

export interface BridgeOptions {
  maxMessageBytes: number;
  stopGraceMs: number;
  onStderr?: (text: string) => void;
}

interface Session {
  http: HttpTransport;
  stdio: StdioProcessTransport;
  /** Client requests the server has not answered yet, oldest first. */
  inFlight: RequestId[];
  ending?: Promise<void>;
}

export class StdioHttpBridge {
  private readonly server: Server;
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Set<Promise<void>>();
  /** Aborted by a close at once: no server is given (more of) its grace. */
  private readonly hurry = new AbortController();
  private url?: string;

  constructor(
    private readonly def: ServerDefinition,
    private readonly options: BridgeOptions,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Listens on 127.0.0.1 (an ephemeral port) and returns the MCP endpoint URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mcp`;
    return this.url;
  }

  /**
   * Closes every session and ends every server process the bridge started. `atOnce` (a run cut by its budget, or
   * cancelled: it is being ended anyway) ends them without the grace to exit on end of input, also those already
   * in their grace.
   */
  async close(options: { atOnce?: boolean } = {}): Promise<void> {
    if (options.atOnce) this.hurry.abort();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.sessions.values()].map((s) => this.endSession(s)));
    await Promise.all([...this.pending]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const sessionId = req.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
      if (existing) return await existing.http.handleRequest(req, res);
      if (typeof sessionId === 'string' || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
        return;
      }
      const session = await this.openSession();
      await session.http.handleRequest(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Bridge to ${this.def.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async openSession(): Promise<Session> {
    const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js') as typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js');
    const port = new URL(this.url!).port;
    const http = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.sessions.set(id, session),
      // The bridge only ever listens on loopback; a request naming another host is a DNS-rebinding attempt.
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
    });
    const stdio = new StdioProcessTransport({
      command: this.def.command!,
      args: this.def.args ?? [],
      env: this.def.env,
      cwd: this.def.cwd ?? this.def.source.workspaceFolder,
      maxMessageBytes: this.options.maxMessageBytes,
      onStderr: this.options.onStderr,
    });
    const session: Session = { http, stdio, inFlight: [] };
    http.onmessage = (message) => {
      if ('method' in message && 'id' in message) session.inFlight.push(message.id);
      stdio.send(message).catch(() => http.close());
    };
    stdio.onmessage = (message: JSONRPCMessage) => {
      if (!('method' in message) && 'id' in message) {
        session.inFlight = session.inFlight.filter((id) => id !== message.id);
        void http.send(message).catch(() => {});
        return;
      }
      const related = session.inFlight[session.inFlight.length - 1];
      void http.send(message, related === undefined ? undefined : { relatedRequestId: related }).catch(() => {});
    };
    http.onclose = () => this.track(this.endSession(session));
    stdio.onclose = () => void http.close();
    await stdio.start();
    await http.start();
    return session;
  }

  private endSession(session: Session): Promise<void> {
    session.ending ??= this.stopSession(session);
    return session.ending;
  }

  private async stopSession(session: Session): Promise<void> {
    for (const [id, s] of this.sessions) if (s === session) this.sessions.delete(id);
    const pid = session.stdio.pid;
    // Seen before the grace: a child the server leaves behind when it exits is re-parented out of its tree.
    const known = pid === undefined ? [] : descendants(pid);
    const closing = session.stdio.close();
    if (pid !== undefined) {
      await this.grace(session.stdio.exited);
      await stopProcessTree({ pid, known, graceMs: 0, reaped: session.stdio.exited });
    }
    await closing;
  }

  /** The time a server gets to exit on end of input: until it exits, the grace runs out, or the bridge is closed at once. */
  private async grace(exited: Promise<void>): Promise<void> {
    const hurry = this.hurry.signal;
    if (hurry.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    let over = () => {};
    const graceOver = new Promise<void>((resolve) => {
      over = resolve;
      timer = setTimeout(resolve, this.options.stopGraceMs);
      hurry.addEventListener('abort', over, { once: true });
    });
    await Promise.race([exited, graceOver]);
    clearTimeout(timer);
    hurry.removeEventListener('abort', over);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}
