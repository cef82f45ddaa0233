// One MCP client of the gateway: an SDK Server speaking to it over its transport, answering from the
// shared catalog, and one traced run (opened at the first tool call, ended when the client goes) through
// which every one of its calls passes.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallRequest, ToolGateway } from '../guards/types';
import { SessionWorkspace } from '../sandbox/workspace';
import { featurePolicy } from '../run/featureSteps';
import type { CallerInfo } from './calls';
import { toMcpResult } from './calls';
import { CODE_MODE_TOOLS, RUN_CODE, SEARCH_TOOLS } from './codeMode';
import { ClientForwarding, type SendRequest } from './forwarding';
import type { GatewayCore, GatewayRun } from './core';
import { parseResourceUri, resourceUri } from './names';

const DENIED = new Set(['denied_policy', 'denied_guardrail', 'denied_schema']);

export class GatewaySession {
  readonly server: Server;
  private run: Promise<GatewayRun> | undefined;
  /** The run as this client reaches it, once open (calls after the first skip an await). */
  private guarded: ToolGateway | undefined;
  /** The run itself, once open (run_code records its own step in it). */
  private opened: GatewayRun | undefined;
  private calls = 0;
  private closed = false;
  private readonly workspace = new SessionWorkspace();
  /** Aborted when the gateway stops without waiting any longer: this client's calls still running are cancelled. */
  readonly stopping = new AbortController();
  readonly caller: CallerInfo;
  /** Upstream servers' sampling, elicitation and roots requests during this client's calls go to this client. */
  readonly forwarding: ClientForwarding;

  constructor(
    private readonly core: GatewayCore,
    readonly id: string,
    client: string,
  ) {
    this.caller = { session: id, client };
    this.server = new Server(
      { name: 'mcp-harness-gateway', title: 'MCP Harness (guarded)', version: core.version },
      {
        capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true } },
        instructions: core.instructions,
      },
    );
    this.forwarding = new ClientForwarding(this.server, () => this.caller.client);
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.listTools() }));
    this.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      const token = request.params._meta?.progressToken;
      // The upstream tool's progress reaches the client under the client's own token (and keeps its timeout alive).
      const onProgress =
        token === undefined
          ? undefined
          : (p: { progress: number; total?: number; message?: string }) => void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...p } }).catch(() => undefined);
      const stepId = `call-${++this.calls}`;
      const forwarding = this.forwarding.during(stepId, extra.sendRequest as SendRequest);
      return this.callTool(stepId, request.params.name, request.params.arguments ?? {}, extra.signal, onProgress).finally(forwarding);
    });
    this.server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await this.listResources() }));
    this.server.setRequestHandler(ReadResourceRequestSchema, (request) => this.readResource(request.params.uri));
    this.server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await this.listPrompts() }));
    this.server.setRequestHandler(GetPromptRequestSchema, (request) => this.getPrompt(request.params.name, request.params.arguments));
    this.server.onclose = () => void this.close();
  }

  connect(transport: Transport): Promise<void> {
    return this.server.connect(transport);
  }

  /** Tells the client a list changed (no-op once it has gone). */
  notify(kind: 'tools' | 'resources' | 'prompts'): void {
    if (this.closed) return;
    const send = kind === 'tools' ? this.server.sendToolListChanged() : kind === 'resources' ? this.server.sendResourceListChanged() : this.server.sendPromptListChanged();
    send.catch(() => undefined);
  }

  private async gateway(): Promise<ToolGateway> {
    if (this.guarded) return this.guarded;
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'This gateway session has ended.');
    if (!this.run) {
      // Over stdio the client's name is known only after initialize; traces and the audit log use it.
      const name = this.server.getClientVersion()?.name;
      if (name && this.caller.client === 'stdio') this.caller.client = `${name.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 40)} (stdio)`;
      const opening = this.core.openRun(this);
      this.run = opening;
      // A run that failed to open is tried again on the next call.
      opening.catch(() => {
        if (this.run === opening) this.run = undefined;
      });
    }
    const run = await this.run;
    this.opened = run;
    this.guarded ??= this.core.recorder.guarded(run, this.caller);
    return this.guarded;
  }

  private async listTools(): Promise<Tool[]> {
    if (this.core.codeMode) return CODE_MODE_TOOLS;
    const table = await this.core.catalog.toolTable();
    return table.entries().map(([name, { server, tool }]) => ({
      ...tool,
      name,
      title: tool.title ?? tool.annotations?.title ?? `${tool.name} (${server})`,
    }));
  }

  private async callTool(stepId: string, name: string, args: Record<string, unknown>, signal: AbortSignal, onProgress?: ToolCallRequest['onProgress']): Promise<CallToolResult> {
    if (this.core.codeMode) {
      if (name === SEARCH_TOOLS) return this.core.codeMode.search(await this.gateway(), args);
      if (name === RUN_CODE) {
        const gateway = await this.gateway();
        return this.core.codeMode.run(gateway, this.opened!, args, stepId, this.workspace, signal);
      }
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool '${name}': in code mode the gateway has ${SEARCH_TOOLS} and ${RUN_CODE}.`);
    }
    const catalog = this.core.catalog;
    let entry = (catalog.toolTableIfReady() ?? (await catalog.toolTable())).resolve(name);
    if (!entry) {
      catalog.invalidate('tools');
      entry = (await catalog.toolTable()).resolve(name);
    }
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool '${name}'. List the tools again: the gateway's tool names have the form server__tool.`);
    return toMcpResult(await (this.guarded ?? (await this.gateway())).callTool({ server: entry.server, tool: entry.name, args, stepId, signal, ...(onProgress ? { onProgress } : {}) }));
  }

  private async listResources() {
    const lists = await this.core.catalog.resources();
    const policy = this.core.policy();
    return lists.flatMap(([server, resources]) =>
      resources
        .filter((r) => !policy || !featurePolicy(`${server}/${r.uri}`, policy))
        .map((r) => ({ ...r, uri: resourceUri(server, r.uri), name: r.name, description: r.description ?? `From ${server}` })),
    );
  }

  private async readResource(uri: string): Promise<ReadResourceResult> {
    const target = parseResourceUri(uri);
    if (!target) throw new McpError(ErrorCode.InvalidParams, `'${uri}' is not a gateway resource URI (mcp-harness://<server>/<uri>); list the resources to get one.`);
    const read = (await this.feature('resource', target.server, target.uri)) as ReadResourceResult;
    return { ...read, contents: read.contents.map((c) => ({ ...c, uri: resourceUri(target.server, c.uri) })) };
  }

  private async listPrompts() {
    const table = await this.core.catalog.promptTable();
    const policy = this.core.policy();
    return table.entries().filter(([, { server, name }]) => !policy || !featurePolicy(`${server}/${name}`, policy)).map(([name, { prompt }]) => ({ ...prompt, name }));
  }

  private async getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
    const entry = (await this.core.catalog.promptTable()).resolve(name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt '${name}'; list the prompts to get the gateway's names (server__prompt).`);
    return (await this.feature('prompt', entry.server, entry.name, args)) as GetPromptResult;
  }

  /**
   * A resource read or prompt get as a step of the client's run: the run applies the policy (server/uri,
   * server/prompt) and the output guardrails and traces it; a refusal is an MCP error carrying the reason.
   */
  private async feature(kind: 'resource' | 'prompt', server: string, target: string, args?: Record<string, string>) {
    await this.gateway();
    const run = this.opened!;
    const { record, raw } = kind === 'resource' ? await run.readResource({ server, target }) : await run.getPrompt({ server, target, ...(args ? { args } : {}) });
    const denied = DENIED.has(record.decision);
    this.core.audit?.write({
      kind: denied ? 'denial' : kind,
      action: record.decision === 'ok' ? (kind === 'resource' ? 'read' : 'get') : record.decision,
      ...this.caller,
      trace_session: record.session_id,
      step: record.step_id,
      server,
      [kind === 'resource' ? 'uri' : 'prompt']: record.tool,
      ...(record.findings.length ? { findings: record.findings.map((f) => f.kind) } : {}),
      ...(record.reasons.length && record.decision !== 'ok' ? { reasons: record.reasons } : {}),
    });
    if (raw && record.decision === 'ok') return raw;
    const why = record.reasons.join(' ') || record.error || 'no reason was given';
    if (denied) throw new McpError(ErrorCode.InvalidRequest, `MCP Harness denied this ${kind} (${record.decision}): ${why}`);
    throw new McpError(ErrorCode.InternalError, `The ${kind} could not be ${kind === 'resource' ? 'read' : 'got'} (${record.decision}): ${why}`);
  }

  /** Ends the client's run (writing the trace's end line) and forgets the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.core.forget(this);
    try {
      if (this.run) await (await this.run).end();
    } finally {
      await this.server.close().catch(() => undefined);
    }
  }
}
