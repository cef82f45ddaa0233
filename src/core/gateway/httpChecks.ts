// The checks every HTTP request to the gateway passes before it reaches MCP: Host and Origin against DNS
// rebinding (403), CORS only for configured origins, the bearer token (401), and a bounded body (413).
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Host header values the gateway answers to: the loopback names on its port, plus configured ones. */
export function allowedHosts(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost, ...extra]);
  const hosts = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    hosts.add(lower.includes(':') && !lower.startsWith('[') ? lower : `${lower}:${port}`);
    if (port === 80) hosts.add(lower);
  }
  return hosts;
}

/** A browser page on another site reaching a loopback server (DNS rebinding) shows as a foreign Host or Origin. */
export function checkHostAndOrigin(req: IncomingMessage, hosts: Set<string>, origins: readonly string[]): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) throw new HttpRefusal(403, `The Host header '${host.slice(0, 100)}' is not one this gateway answers to. Connect to it by its loopback address, or add the name with --allowed-host.`);
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.includes(origin)) {
    throw new HttpRefusal(403, `Requests from the origin '${origin.slice(0, 100)}' are not allowed. Add it with --cors-origin to let a browser page use the gateway.`);
  }
}

/** CORS headers for an allowed Origin (none without one). */
export function corsHeaders(req: IncomingMessage, origins: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
    'Access-Control-Expose-Headers': 'Mcp-Session-Id, Mcp-Protocol-Version, Retry-After',
    'Access-Control-Max-Age': '600',
  };
}

export function unauthorized(): HttpRefusal {
  return new HttpRefusal(401, 'This gateway needs its bearer token: send "Authorization: Bearer <token>" (the token is in the file printed when the gateway started).', {
    'WWW-Authenticate': 'Bearer realm="mcp-harness-gateway"',
  });
}

/** Reads the whole body, refusing more than `maxBytes` (by Content-Length at once, else while reading). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpRefusal(413, `The request body is larger than ${maxBytes} bytes, the gateway's limit (--max-body-bytes).`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A JSON-RPC error response (for bodies that never reach MCP). */
export function jsonRpcError(code: number, message: string, id: unknown = null): unknown {
  return { jsonrpc: '2.0', error: { code, message }, id };
}
