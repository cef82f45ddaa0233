// The loopback redirect of a sign-in (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 at a port the system picks,
// taking exactly one authorization response that carries the expected `state`. It answers the browser with a
// short page and closes; it gives up after a timeout or when cancelled. Codes never go to a log.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignInError } from './errors';

export const CALLBACK_PATH = '/callback';
/** How long a sign-in waits for the browser to come back. */
export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface AuthorizationResponse {
  code: string;
  /** The RFC 9207 `iss` parameter, when the authorization server sent one. */
  iss?: string;
}

export class LoopbackRedirect {
  private server: Server | undefined;
  private port = 0;
  private closed: Promise<void> | undefined;
  private settle: { resolve(r: AuthorizationResponse): void; reject(e: Error): void } | undefined;
  private readonly result: Promise<AuthorizationResponse>;

  private constructor() {
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.result.catch(() => {});
  }

  /** Listens on 127.0.0.1 (a random free port) for the authorization response carrying `expectedState`. */
  static async listen(expectedState: () => string): Promise<LoopbackRedirect> {
    const redirect = new LoopbackRedirect();
    const server = createServer((req, res) => redirect.handle(req, res, expectedState()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    redirect.server = server;
    redirect.port = (server.address() as AddressInfo).port;
    return redirect;
  }

  get redirectUrl(): string {
    return `http://127.0.0.1:${this.port}${CALLBACK_PATH}`;
  }

  /** The authorization response, or a SignInError (denied, timeout, cancelled). One-shot: the listener then closes. */
  async wait(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AuthorizationResponse> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
    const timer = setTimeout(
      () => this.fail(new SignInError(`Sign-in timed out: the browser did not come back to ${this.redirectUrl} within ${Math.round(timeoutMs / 1000)} s.`, 'timeout')),
      timeoutMs,
    );
    const onAbort = () => this.fail(new SignInError('Sign-in was cancelled.', 'cancelled'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort);
    try {
      return await this.result;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      void this.close();
    }
  }

  /** Stops waiting and closes the listener; resolves once its port is closed (the same promise each time). */
  close(): Promise<void> {
    this.fail(new SignInError('Sign-in was cancelled.', 'cancelled'));
    const server = this.server;
    if (!server) return Promise.resolve();
    this.closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return this.closed;
  }

  private fail(err: SignInError): void {
    this.settle?.reject(err);
    this.settle = undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse, expectedState: string): void {
    const url = new URL(req.url ?? '/', this.redirectUrl);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || !this.settle) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found.');
      return;
    }
    const params = url.searchParams;
    if (params.get('state') !== expectedState) {
      // Not our authorization request (or a forged one): refuse it and keep waiting for the real one.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('This sign-in response does not belong to the sign-in in progress.');
      return;
    }
    const error = params.get('error');
    const code = params.get('code');
    if (error || !code) {
      const why = error ? `the authorization server answered '${error}'${params.get('error_description') ? `: ${params.get('error_description')}` : ''}` : 'the response carried no code';
      page(res, 400, 'Sign-in failed', `MCP Harness could not sign in: ${why}. You can close this tab.`);
      this.fail(new SignInError(`Sign-in failed: ${why}.`, error === 'access_denied' ? 'denied' : 'oauth_error'));
      return;
    }
    page(res, 200, 'Signed in', 'MCP Harness received the sign-in. You can close this tab.');
    this.settle.resolve({ code, iss: params.get('iss') ?? undefined });
    this.settle = undefined;
  }
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><p>${escape(text)}</p>`);
}
