// The fault-injection proxy for Streamable HTTP servers: a loopback HTTP server that forwards every request
// to the target URL and applies the toxics per JSON-RPC message: a POST body on the way to the server, a
// JSON answer or each event of an SSE stream on the way back. A dropped request is answered 202 (the client
// waits for an answer that never comes, as on a lossy link); a dropped answer leaves the client's request
// open until it gives up. disconnect-after cuts every open connection after that many requests and answers
// (past the handshake, notifications not counted), then counts again, so a client that reconnects can go on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { countsTowardDisconnect, ToxicDecider, type MessageFate, type RelayCounters } from './decide';
import { REORDER_MAX_HOLD_MS } from './relay';
import type { Toxics } from './toxics';

/** Request headers passed on to the target (hop-by-hop ones and the host are not). */
const FORWARDED_REQUEST = ['content-type', 'accept', 'authorization', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];
const FORWARDED_RESPONSE = ['content-type', 'mcp-session-id', 'www-authenticate', 'cache-control'];
/** Under slow-read, the target's answer is read this many bytes at a time, with this pause. */
export const HTTP_SLOW_READ_BYTES = 256;
export const HTTP_SLOW_READ_PAUSE_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpChaosProxy {
  private readonly server: Server;
  private readonly toServer: ToxicDecider;
  private readonly toClient: ToxicDecider;
  private readonly sockets = new Set<Socket>();
  private seen = 0;
  private held?: { release: () => void; timer: NodeJS.Timeout };
  disconnects = 0;

  constructor(
    private readonly target: string,
    private readonly toxics: Toxics,
    seed: number,
  ) {
    this.toServer = new ToxicDecider(toxics, seed, 'to_server');
    this.toClient = new ToxicDecider(toxics, seed, 'to_client');
    this.server = createServer((req, res) => void this.handle(req, res).catch((err: Error) => this.fail(res, err)));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 (port 0: any free port); resolves with the proxied URL (the target's path kept). */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const url = new URL(this.target);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${url.pathname}${url.search}`;
  }

  get counters(): { toServer: RelayCounters; toClient: RelayCounters; disconnects: number } {
    return { toServer: this.toServer.counters, toClient: this.toClient.counters, disconnects: this.disconnects };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Counts a message (see countsTowardDisconnect); false when disconnect-after just cut every connection. */
  private admit(message: string): boolean {
    if (!this.toxics.disconnectAfter || !countsTowardDisconnect(message) || ++this.seen <= this.toxics.disconnectAfter) return true;
    this.seen = 0;
    this.disconnects++;
    for (const s of this.sockets) s.destroy();
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    let fate: MessageFate | undefined;
    if (body !== undefined) {
      if (!this.admit(body)) return;
      fate = this.toServer.decide(body);
      if (fate.drop) {
        res.writeHead(202).end();
        return;
      }
      if (fate.delayMs) await sleep(fate.delayMs);
      await this.takeTurn(fate.spared);
    }
    const send = () => fetch(this.target, { method: req.method, headers: forwardedHeaders(req), ...(fate ? { body: fate.text } : {}) });
    const upstream = await send();
    // A duplicated request reaches the server twice; the client sees the first answer.
    if (fate && fate.copies > 1) void send().then((r) => r.body?.cancel(), () => undefined);
    const head: Record<string, string> = {};
    for (const h of FORWARDED_RESPONSE) {
      const v = upstream.headers.get(h);
      if (v) head[h] = v;
    }
    const type = upstream.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream')) return this.relayEvents(upstream, res, head);
    const text = upstream.body ? await this.readAnswer(upstream) : '';
    if (!text || !/^\s*[[{]/.test(text)) {
      res.writeHead(upstream.status, head).end(text);
      return;
    }
    if (!this.admit(text)) return;
    const back = this.toClient.decide(text);
    if (back.drop) return; // the client's request stays open until it gives up
    if (back.delayMs) await sleep(back.delayMs);
    res.writeHead(upstream.status, head).end(back.text);
  }

  /** The reorder toxic over HTTP: a held request is forwarded only after the next one (or after the hold limit). */
  private async takeTurn(spared: boolean): Promise<void> {
    const held = this.held;
    if (held) {
      this.held = undefined;
      clearTimeout(held.timer);
      setImmediate(held.release);
      return;
    }
    if (!this.toServer.swapNext(spared)) return;
    await new Promise<void>((release) => {
      this.held = { release, timer: setTimeout(() => {
        this.held = undefined;
        release();
      }, REORDER_MAX_HOLD_MS) };
    });
  }

  private async readAnswer(upstream: Response): Promise<string> {
    if (!this.toxics.slowRead) return upstream.text();
    const chunks: Buffer[] = [];
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      for (let at = 0; at < chunk.length; at += HTTP_SLOW_READ_BYTES) {
        chunks.push(Buffer.from(chunk.subarray(at, at + HTTP_SLOW_READ_BYTES)));
        await sleep(HTTP_SLOW_READ_PAUSE_MS);
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** An SSE answer: each event's data is one message, faulted on its own; other fields pass unchanged. */
  private async relayEvents(upstream: Response, res: ServerResponse, head: Record<string, string>): Promise<void> {
    res.writeHead(upstream.status, head);
    res.flushHeaders();
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const out = await this.event(event);
        if (out === undefined) return;
        if (out) res.write(`${out}\n\n`);
        if (this.toxics.slowRead) await sleep(HTTP_SLOW_READ_PAUSE_MS);
      }
    }
    res.end();
  }

  /** The event as it reaches the client: '' when dropped, undefined when the connection was cut. */
  private async event(event: string): Promise<string | undefined> {
    const lines = event.split('\n');
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    if (!data) return event;
    if (!this.admit(data)) return undefined;
    const fate = this.toClient.decide(data);
    if (fate.drop) return '';
    if (fate.delayMs) await sleep(fate.delayMs);
    return [...lines.filter((l) => !l.startsWith('data:')), ...fate.text.split('\n').map((l) => `data: ${l}`)].join('\n');
  }

  private fail(res: ServerResponse, err: Error): void {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'text/plain' }).end(`mcp-harness chaos: the target could not be reached: ${err.message}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of FORWARDED_REQUEST) {
    const v = req.headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  return out;
}
