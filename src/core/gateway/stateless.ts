// 2026-07-28 clients over HTTP: every request stands alone (its `_meta` envelope says who the client is
// and which revision it speaks), so any replica can answer it and nothing is pinned. Each request gets a
// fresh v2 SDK Server from createMcpHandler; what it asks goes through the GatewayClient of its client's
// name on this replica, so its calls are guarded and traced together like a session's. That client is
// only the trace's grouping: it ends after the idle time, and a request to another replica is served the
// same (its calls are traced there).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, createMcpHandler, type InputRequiredResult, isLegacyRequest, Server, type ListToolsResult, type McpHttpHandler, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from '../types';
import { GatewayClient } from './client';
import type { GatewayCore } from './core';
import { InputRounds, isInputRequired } from './inputRounds';
import { clientName } from './names';
import { serverIdentity } from './session';
import { ListenedResources } from './subscriptions';
import type { ListKind } from './upstreams';
import type { ClientCapabilities, CompleteRequest } from '@modelcontextprotocol/sdk/types.js';

/** The request of a call's current round: where the call's progress goes (a retry brings its own). */
interface RoundRequest {
  notify: ServerContext['mcpReq']['notify'];
  token: string | number | undefined;
}

interface StatelessClient {
  client: GatewayClient;
  /** Its calls' server requests, asked as input_required rounds; a call waiting for answers keeps it busy. */
  rounds: InputRounds;
  lastSeen: number;
  /** Requests being answered: a client with a call running is not idle. */
  open: number;
}

export class StatelessServing {
  private readonly handler: McpHttpHandler;
  /** By client name: the GatewayClient (and run) this replica serves that name's requests through. */
  private readonly clients = new Map<string, StatelessClient>();
  private readonly changed = new Set<ListKind>();
  /** The resources this replica's listening clients follow, when the upstreams can subscribe. */
  private readonly listened: ListenedResources | undefined;

  constructor(
    private readonly core: GatewayCore,
    private readonly logger: Logger,
  ) {
    // 2025 requests never reach this handler (the gateway serves them in sessions): refuse rather than guess.
    this.handler = createMcpHandler(() => this.server(), { legacy: 'reject', onerror: (err) => this.logger.info(`2026 request refused: ${err.message}`) });
    if (core.subscriptions) this.listened = new ListenedResources(core.subscriptions, (uri) => this.handler.notify.resourceUpdated(uri));
  }

  /** The request as the SDK's web-standard handler takes it; its body has been read already. */
  static webRequest(req: IncomingMessage, raw: Buffer, signal: AbortSignal): Request {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    }
    return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`, { method: req.method ?? 'POST', headers, body: new Uint8Array(raw), signal });
  }

  /** True for a request of the 2026 generation (the SDK's own classification, so the two never disagree). */
  static isModern(request: Request, body: unknown): Promise<boolean> {
    return isLegacyRequest(request, body).then((legacy) => !legacy);
  }

  async serve(request: Request, body: unknown, res: ServerResponse, cancel: AbortController): Promise<void> {
    // Each request's server is built synchronously: whether the gateway completes is asked once, first.
    const completions = this.core.completions;
    if (completions && completions.offeredNow() === undefined) await completions.offered();
    const release = await this.follow(body, res);
    if (release === 'refused') return;
    try {
      await this.answer(request, body, res, cancel);
    } finally {
      await release?.();
    }
  }

  /**
   * A subscriptions/listen naming resources: the gateway subscribes to them (upstream) for as long as the
   * stream is open. One it may not follow refuses the listen with the reason, before the SDK acknowledges it.
   */
  private async follow(body: unknown, res: ServerResponse): Promise<(() => Promise<void>) | 'refused' | undefined> {
    const message = body as { id?: string | number; method?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } } | undefined;
    const uris = message?.method === 'subscriptions/listen' ? message.params?.notifications?.resourceSubscriptions : undefined;
    if (!this.listened || !Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === 'string')) return undefined;
    try {
      return await this.listened.follow(uris as string[]);
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -32603;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: message!.id ?? null, error: { code, message: (err as Error).message } }));
      return 'refused';
    }
  }

  private async answer(request: Request, body: unknown, res: ServerResponse, cancel: AbortController): Promise<void> {
    const answer = await this.handler.fetch(request, { parsedBody: body });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (!answer.body) return void res.end();
    const stream = Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream);
    // The client hung up: the SDK's exchange (and the call behind it) is cancelled.
    res.once('close', () => {
      if (!res.writableFinished) cancel.abort(new Error('The client closed the connection.'));
    });
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('error', () => resolve());
      res.once('close', resolve);
      stream.pipe(res);
    });
  }

  /**
   * Tells the clients that listen (subscriptions/listen) that a list changed. Every stateless client of
   * this replica hears of the change at once; the listen streams get it once.
   */
  notify(kind: ListKind): void {
    if (this.changed.size === 0) queueMicrotask(() => this.publish());
    this.changed.add(kind);
  }

  private publish(): void {
    for (const kind of this.changed) {
      if (kind === 'tools') this.handler.notify.toolsChanged();
      else if (kind === 'resources') this.handler.notify.resourcesChanged();
      else this.handler.notify.promptsChanged();
    }
    this.changed.clear();
  }

  /** Ends the runs of clients that sent nothing for `idleMs` (they are the trace's grouping only). */
  endIdle(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [name, entry] of this.clients) {
      if (entry.open > 0 || entry.rounds.waiting > 0 || entry.lastSeen > cutoff) continue;
      this.clients.delete(name);
      entry.client.close().catch((err: unknown) => this.logger.error(err as Error));
    }
  }

  async close(): Promise<void> {
    for (const entry of this.clients.values()) entry.rounds.cancelAll(new Error('The gateway is shutting down.'));
    await this.handler.close();
    this.clients.clear();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** One request's server: the gateway's identity, every handler answered by the request's client. */
  private server(): Server {
    const completions = this.core.completions?.offeredNow() ? this.core.completions : undefined;
    const { info, capabilities, instructions } = serverIdentity(this.core, Boolean(this.listened), Boolean(completions));
    const server = new Server(info, { capabilities, instructions });
    if (completions) server.setRequestHandler('completion/complete', (request) => completions.complete(request.params as CompleteRequest['params']));
    // The gateway's tools are 1.x SDK types; the wire form is the same (JSON Schema typed more loosely there).
    server.setRequestHandler('tools/list', (_request, ctx) => this.with(ctx, async (c) => ({ tools: (await c.listTools()) as unknown as ListToolsResult['tools'] })));
    server.setRequestHandler('tools/call', (request, ctx) =>
      this.with(ctx, async (c, rounds) => {
        // A retry with the client's answers to the questions of a call still running here.
        const state = ctx.mcpReq.requestState();
        const round: RoundRequest = { notify: ctx.mcpReq.notify, token: request.params._meta?.progressToken };
        const answer =
          state !== undefined
            ? await rounds.resume(state, ctx.mcpReq.inputResponses, ctx.mcpReq.signal, round)
            : await this.startCall(c, rounds, request.params, ctx, round);
        return isInputRequired(answer) ? (answer as unknown as InputRequiredResult) : answer;
      }),
    );
    server.setRequestHandler('resources/list', (_request, ctx) => this.with(ctx, async (c) => ({ resources: await c.listResources() })));
    server.setRequestHandler('resources/read', (request, ctx) => this.with(ctx, (c) => c.readResource(request.params.uri)));
    server.setRequestHandler('resources/templates/list', (_request, ctx) => this.with(ctx, async (c) => ({ resourceTemplates: await c.listResourceTemplates() })));
    server.setRequestHandler('prompts/list', (_request, ctx) => this.with(ctx, async (c) => ({ prompts: await c.listPrompts() })));
    server.setRequestHandler('prompts/get', (request, ctx) => this.with(ctx, (c) => c.getPrompt(request.params.name, request.params.arguments)));
    return server;
  }

  /** A call's first round: the upstream's requests for what the client declared come back as input_required. */
  private startCall(c: GatewayClient, rounds: InputRounds, params: { name: string; arguments?: Record<string, unknown> }, ctx: ServerContext, first: RoundRequest) {
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
    const stepId = c.nextStepId();
    return rounds.start(
      stepId,
      capabilities,
      ctx.mcpReq.signal,
      (signal, round: () => RoundRequest) => {
        // Progress goes to the round being answered, under its token (the first round's when a retry has none).
        const onProgress =
          first.token === undefined
            ? undefined
            : (p: { progress: number; total?: number; message?: string }) => {
                const now = round();
                void now.notify({ method: 'notifications/progress', params: { progressToken: now.token ?? first.token!, ...p } }).catch(() => undefined);
              };
        return c.callTool(stepId, params.name, params.arguments ?? {}, signal, onProgress);
      },
      first,
    );
  }

  /** Runs `fn` with the request's client, counted as busy until it is done. */
  private async with<T>(ctx: ServerContext, fn: (client: GatewayClient, rounds: InputRounds) => Promise<T>): Promise<T> {
    const info = (ctx.mcpReq.envelope as Record<string, { name?: unknown } | undefined> | undefined)?.[CLIENT_INFO_META_KEY];
    const name = clientName(typeof info?.name === 'string' ? info.name : undefined);
    let entry = this.clients.get(name);
    if (!entry) {
      const label = `${name} (http, stateless)`;
      const rounds = new InputRounds(() => label);
      const client = new GatewayClient(this.core, this.core.nextId(), label, {
        notify: (kind) => this.notify(kind),
        answerers: rounds.lookup,
      });
      this.core.add(client);
      entry = { client, rounds, lastSeen: Date.now(), open: 0 };
      this.clients.set(name, entry);
    }
    const mine = entry;
    mine.open++;
    try {
      return await fn(mine.client, mine.rounds);
    } finally {
      mine.open--;
      mine.lastSeen = Date.now();
    }
  }
}
