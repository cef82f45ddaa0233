// One MCP session with the gateway (stdio, or Streamable HTTP with an Mcp-Session-Id): an SDK Server
// speaking to the client over its transport, answering through the client's GatewayClient.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewayClient } from './client';
import type { GatewayCore } from './core';
import { ClientForwarding, type SendRequest } from './forwarding';
import type { ListKind } from './upstreams';

/**
 * What every gateway server says about itself, whichever protocol generation serves it; `subscribe` when the
 * core has subscriptions (a 2025 session's resources/subscribe, a 2026 client's subscriptions/listen);
 * `completions` when some upstream server completes.
 */
export function serverIdentity(core: GatewayCore, subscribe = false, completions = false) {
  return {
    info: { name: 'mcp-harness-gateway', title: 'MCP Harness (guarded)', version: core.version },
    capabilities: {
      tools: { listChanged: true },
      resources: { listChanged: true, ...(subscribe ? { subscribe: true } : {}) },
      prompts: { listChanged: true },
      ...(completions ? { completions: {} } : {}),
    },
    instructions: core.instructions,
  };
}

export class GatewaySession {
  readonly server: Server;
  readonly client: GatewayClient;
  /** Upstream servers' sampling, elicitation and roots requests during this client's calls go to this client. */
  readonly forwarding: ClientForwarding;

  constructor(core: GatewayCore, id: string, client: string, completes = false) {
    const subscriptions = core.subscriptions;
    const { info, capabilities, instructions } = serverIdentity(core, Boolean(subscriptions), completes);
    this.server = new Server(info, { capabilities, instructions });
    this.forwarding = new ClientForwarding(this.server, () => this.client.caller.client);
    this.client = new GatewayClient(core, id, client, {
      notify: (kind) => this.notify(kind),
      clientName: () => this.server.getClientVersion()?.name,
      close: () => this.server.close(),
      answerers: this.forwarding.lookup,
    });
    const c = this.client;
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await c.listTools() }));
    this.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      const token = request.params._meta?.progressToken;
      // The upstream tool's progress reaches the client under the client's own token (and keeps its timeout alive).
      const onProgress =
        token === undefined
          ? undefined
          : (p: { progress: number; total?: number; message?: string }) => void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...p } }).catch(() => undefined);
      const stepId = c.nextStepId();
      const forwarding = this.forwarding.during(stepId, extra.sendRequest as SendRequest);
      return c.callTool(stepId, request.params.name, request.params.arguments ?? {}, extra.signal, onProgress).finally(forwarding);
    });
    this.server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await c.listResources() }));
    this.server.setRequestHandler(ReadResourceRequestSchema, (request) => c.readResource(request.params.uri));
    this.server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: await c.listResourceTemplates() }));
    if (subscriptions) {
      const updated = (uri: string) => void this.server.sendResourceUpdated({ uri }).catch(() => undefined);
      this.server.setRequestHandler(SubscribeRequestSchema, async (request) => (await subscriptions.subscribe(c, request.params.uri, updated), {}));
      this.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => (await subscriptions.unsubscribe(c, request.params.uri), {}));
    }
    this.server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await c.listPrompts() }));
    this.server.setRequestHandler(GetPromptRequestSchema, (request) => c.getPrompt(request.params.name, request.params.arguments));
    if (completes && core.completions) {
      const completions = core.completions;
      this.server.setRequestHandler(CompleteRequestSchema, (request) => completions.complete(request.params));
    }
    this.server.onclose = () => void this.client.close();
  }

  connect(transport: Transport): Promise<void> {
    return this.server.connect(transport);
  }

  private notify(kind: ListKind): void {
    const send = kind === 'tools' ? this.server.sendToolListChanged() : kind === 'resources' ? this.server.sendResourceListChanged() : this.server.sendPromptListChanged();
    send.catch(() => undefined);
  }

  /** Ends the client's run, then the session. */
  close(): Promise<void> {
    return this.client.close();
  }
}
