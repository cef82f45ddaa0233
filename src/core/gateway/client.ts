// One client of the gateway as the guards see it: what it may list and call, answered from the shared
// catalog, and one traced run (opened at the first call, ended when the client goes) through which every
// one of its calls passes. How the client reaches it (a session over stdio or HTTP, or stateless 2026
// requests) is the caller's business: session.ts and stateless.ts.
import { ErrorCode, McpError, type CallToolResult, type GetPromptResult, type ReadResourceResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AnswererLookup } from '../client/types';
import type { ToolCallRequest, ToolGateway } from '../guards/types';
import { SessionWorkspace } from '../sandbox/workspace';
import { featurePolicy } from '../run/featureSteps';
import type { CallerInfo } from './calls';
import { toMcpResult } from './calls';
import { CODE_MODE_TOOLS, RUN_CODE, SEARCH_TOOLS } from './codeMode';
import type { GatewayCore, GatewayRun } from './core';
import type { ListKind } from './upstreams';
import { clientName, parseResourceUri, resourceTemplateUri, resourceUri } from './names';

const DENIED = new Set(['denied_policy', 'denied_guardrail', 'denied_schema']);

export interface ClientLink {
  /** Tells the client a list changed (not called once the client has gone). */
  notify?(kind: ListKind): void;
  /** The client's own name once known (over stdio it arrives with initialize, after the session began). */
  clientName?(): string | undefined;
  /** Ends the way the client reaches the gateway (its session), after its run has ended. */
  close?(): Promise<void>;
  /**
   * Who answers servers' requests (sampling, elicitation, roots) caused by a call (RunOpts.answerers); only a
   * session can send requests back to its client, so without one the host answers them.
   */
  answerers?: AnswererLookup;
}

const HOST_ANSWERS: AnswererLookup = () => undefined;

/** A client's run and the run as the client's calls reach it (counted, audited, limited per server). */
interface OpenedRun {
  run: GatewayRun;
  guarded: ToolGateway;
  /** The client's calls using this run now (a run_code counts as one until its code is done). */
  active: number;
  /** A reload made it an old run (with what takes it off the client's list): it ends once `active` is 0. */
  retired?: () => void;
  ended: boolean;
}

export class GatewayClient {
  private run: Promise<OpenedRun> | undefined;
  /** The run once open: calls after the first skip an await. */
  private opened: OpenedRun | undefined;
  /** Runs a reload retired that have not ended yet (calls still running finish in them). */
  private readonly retired = new Set<Promise<OpenedRun>>();
  /** This client's runs so far, and why the next one is opened (set by a reload that retired the last). */
  private runs = 0;
  private reloadNote: string | undefined;
  private calls = 0;
  private closed = false;
  private readonly workspace = new SessionWorkspace();
  /** Aborted when the gateway stops without waiting any longer: this client's calls still running are cancelled. */
  readonly stopping = new AbortController();
  readonly caller: CallerInfo;
  readonly answerers: AnswererLookup;

  constructor(
    private readonly core: GatewayCore,
    readonly id: string,
    client: string,
    private readonly link: ClientLink = {},
  ) {
    this.caller = { session: id, client };
    this.answerers = link.answerers ?? HOST_ANSWERS;
  }

  /** The step id of this client's next call (`call-N`): a session routes the call's server requests by it. */
  nextStepId(): string {
    return `call-${++this.calls}`;
  }

  /** Tells the client a list changed (no-op once it has gone). */
  notify(kind: ListKind): void {
    if (!this.closed) this.link.notify?.(kind);
  }

  /**
   * A reload changed what a run is opened with (the servers its header names, the policy and guardrails it applies):
   * the client's next call opens a new run, named like this one with `note` saying why. The old run ends as soon as
   * no call of the client is using it (a run_code under way finishes in it).
   */
  retire(note: string): void {
    if (!this.run) return;
    const old = this.run;
    this.run = undefined;
    this.opened = undefined;
    this.reloadNote = note;
    this.retired.add(old);
    old.then(
      (opened) => {
        opened.retired = () => this.retired.delete(old);
        this.endIfIdle(opened);
      },
      () => this.retired.delete(old),
    );
  }

  /** The name of the client's next run: every run of one client session starts with the same words. */
  runName(): string {
    const base = `gateway ${this.caller.client} ${this.id}`;
    return this.runs > 1 && this.reloadNote ? `${base} · part ${this.runs}, after a reload (${this.reloadNote})` : base;
  }

  private endIfIdle(opened: OpenedRun): void {
    if (!opened.retired || opened.active > 0 || opened.ended) return;
    opened.ended = true;
    // Off the list once its end line is written: until then a closing client waits for it too (end() is idempotent).
    void Promise.resolve(opened.run.end())
      .catch(() => undefined)
      .finally(opened.retired);
  }

  /**
   * Runs `fn` in the client's current run, counted as using it: a reload meanwhile lets the call finish there and
   * ends that run after it. A run the reload ended before the call got to it is passed over for the new one.
   */
  private async using<T>(fn: (opened: OpenedRun) => Promise<T>): Promise<T> {
    let opened = this.opened ?? (await this.gateway());
    while (opened.ended) opened = await this.gateway();
    opened.active++;
    try {
      return await fn(opened);
    } finally {
      opened.active--;
      this.endIfIdle(opened);
    }
  }

  private async gateway(): Promise<OpenedRun> {
    if (this.opened) return this.opened;
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'This gateway session has ended.');
    if (!this.run) {
      // Over stdio the client's name is known only after initialize; traces and the audit log use it.
      const name = this.link.clientName?.();
      if (name && this.caller.client === 'stdio') this.caller.client = `${clientName(name)} (stdio)`;
      this.runs++;
      const opening = this.core.openRun(this).then((run): OpenedRun => ({ run, guarded: this.core.recorder.guarded(run, this.caller), active: 0, ended: false }));
      this.run = opening;
      opening.then(
        (opened) => {
          if (this.run === opening) this.opened = opened;
        },
        // A run that failed to open is tried again on the next call.
        () => {
          if (this.run === opening) this.run = undefined;
          this.runs--;
        },
      );
    }
    return this.run;
  }

  async listTools(): Promise<Tool[]> {
    if (this.core.codeMode) return CODE_MODE_TOOLS;
    const table = await this.core.catalog.toolTable();
    return table.entries().map(([name, { server, tool }]) => ({
      ...tool,
      name,
      title: tool.title ?? tool.annotations?.title ?? `${tool.name} (${server})`,
    }));
  }

  async callTool(stepId: string, name: string, args: Record<string, unknown>, signal: AbortSignal, onProgress?: ToolCallRequest['onProgress']): Promise<CallToolResult> {
    if (this.core.codeMode) {
      const code = this.core.codeMode;
      if (name === SEARCH_TOOLS) return this.using(({ guarded }) => code.search(guarded, args));
      if (name === RUN_CODE) return this.using(({ guarded, run }) => code.run(guarded, run, args, stepId, this.workspace, signal));
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool '${name}': in code mode the gateway has ${SEARCH_TOOLS} and ${RUN_CODE}.`);
    }
    const catalog = this.core.catalog;
    let entry = (catalog.toolTableIfReady() ?? (await catalog.toolTable())).resolve(name);
    if (!entry) {
      catalog.invalidate('tools');
      entry = (await catalog.toolTable()).resolve(name);
    }
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool '${name}'. List the tools again: the gateway's tool names have the form server__tool.`);
    const request = { server: entry.server, tool: entry.name, args, stepId, signal, ...(onProgress ? { onProgress } : {}) };
    return toMcpResult(await this.using(({ guarded }) => guarded.callTool(request)));
  }

  async listResources() {
    return this.allowed(await this.core.catalog.resources(), (r) => r.uri, (server, r) => ({ ...r, uri: resourceUri(server, r.uri), description: r.description ?? `From ${server}` }));
  }

  async listResourceTemplates() {
    return this.allowed(await this.core.catalog.templates(), (t) => t.uriTemplate, (server, t) => ({ ...t, uriTemplate: resourceTemplateUri(server, t.uriTemplate), description: t.description ?? `From ${server}` }));
  }

  /** Each server's items the policy allows (its globs match `server/<uri>`), as the client sees them. */
  private allowed<T, U>(lists: [string, T[]][], uri: (item: T) => string, shown: (server: string, item: T) => U): U[] {
    const policy = this.core.policy();
    return lists.flatMap(([server, items]) => items.filter((item) => !policy || !featurePolicy(`${server}/${uri(item)}`, policy)).map((item) => shown(server, item)));
  }

  async readResource(uri: string): Promise<ReadResourceResult> {
    const target = parseResourceUri(uri);
    if (!target) throw new McpError(ErrorCode.InvalidParams, `'${uri}' is not a gateway resource URI (mcp-harness://<server>/<uri>); list the resources to get one.`);
    const read = (await this.feature('resource', target.server, target.uri)) as ReadResourceResult;
    return { ...read, contents: read.contents.map((c) => ({ ...c, uri: resourceUri(target.server, c.uri) })) };
  }

  async listPrompts() {
    const table = await this.core.catalog.promptTable();
    const policy = this.core.policy();
    return table.entries().filter(([, { server, name }]) => !policy || !featurePolicy(`${server}/${name}`, policy)).map(([name, { prompt }]) => ({ ...prompt, name }));
  }

  async getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
    const entry = (await this.core.catalog.promptTable()).resolve(name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt '${name}'; list the prompts to get the gateway's names (server__prompt).`);
    return (await this.feature('prompt', entry.server, entry.name, args)) as GetPromptResult;
  }

  /**
   * A resource read or prompt get as a step of the client's run: the run applies the policy (server/uri,
   * server/prompt) and the output guardrails and traces it; a refusal is an MCP error carrying the reason.
   */
  private async feature(kind: 'resource' | 'prompt', server: string, target: string, args?: Record<string, string>) {
    const { record, raw } = await this.using(({ run }) => (kind === 'resource' ? run.readResource({ server, target }) : run.getPrompt({ server, target, ...(args ? { args } : {}) })));
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

  /** Ends the client's runs (writing the traces' end lines; a retired run's end is waited for) and forgets the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.core.forget(this);
    try {
      const runs = await Promise.allSettled([...this.retired, ...(this.run ? [this.run] : [])]);
      await Promise.all(runs.map((r) => (r.status === 'fulfilled' ? r.value.run.end() : undefined)));
    } finally {
      await this.link.close?.().catch(() => undefined);
    }
  }
}
