// The main-thread side of the guest API: answers mcp.servers/search/describe/call for one execution.
// Tool calls go ONLY through the ToolGateway (the guard pipeline) and become child steps of the code step.
import { setMaxListeners } from 'node:events';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { StepRecord } from '../../protocol/trace';
import type { ToolCatalogEntry, ToolGateway } from '../guards/types';
import { sanitizeIdentifier, toolStub } from '../typings/generate';
import { serverMeant, type SandboxReach } from './reach';
import type { HostOp, HostReplyMessage, SandboxLimits } from './types';

export type HostReply = Pick<HostReplyMessage, 'json' | 'error' | 'fatal'>;

const DENIALS = new Set(['denied_schema', 'denied_policy', 'denied_guardrail']);

export interface GuestToolResult {
  text: string;
  structured: unknown;
  isError: boolean;
  content: unknown[];
  dryRun?: boolean;
}

/** The MCP result as it crosses into the sandbox (the prelude derives `text` from `content`). */
export function toWireResult(result: CallToolResult): { content: unknown[]; structuredContent?: unknown; isError: boolean } {
  const wire: { content: unknown[]; structuredContent?: unknown; isError: boolean } = {
    content: Array.isArray(result.content) ? result.content : [],
    isError: result.isError === true,
  };
  if (result.structuredContent !== undefined) wire.structuredContent = result.structuredContent;
  return wire;
}

function firstLine(text: string | undefined, max = 200): string {
  const line = (text ?? '').trim().split(/\r?\n/)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export class HostBridge {
  toolCalls = 0;
  readonly childSteps: StepRecord[] = [];
  private readonly abort = new AbortController();
  /** "server/tool" → its entry (the first, as a linear search would find it). */
  private readonly byName = new Map<string, ToolCatalogEntry>();

  /** Reachable servers not listed yet: each is listed (so started, through the host's consent) on first use. */
  private readonly unlisted: string[];
  /** Servers that could not be started for this run, with why (a named one at the start, or one listed on first use). */
  private readonly failed: Map<string, string>;
  private readonly listing = new Map<string, Promise<void>>();

  constructor(
    private readonly gateway: ToolGateway,
    private readonly catalog: ToolCatalogEntry[],
    private readonly parentStepId: string,
    private readonly limits: SandboxLimits,
    signal?: AbortSignal,
    reach: Pick<SandboxReach, 'unlisted' | 'failed'> = { unlisted: [], failed: new Map() },
  ) {
    signal?.addEventListener('abort', () => this.abort.abort(signal.reason), { once: true });
    this.unlisted = [...reach.unlisted];
    this.failed = new Map(reach.failed);
    this.index(catalog);
    // Every call in flight listens on this signal (up to maxToolCalls at once with Promise.all).
    setMaxListeners(limits.maxToolCalls + 10, this.abort.signal);
  }

  private index(entries: readonly ToolCatalogEntry[]): void {
    for (const e of entries) {
      const key = `${e.server}/${e.tool.name}`;
      if (!this.byName.has(key)) this.byName.set(key, e);
    }
  }

  /**
   * "server/tool" whose server is reachable but not listed yet: lists it (starting it as any call would: in VS Code
   * through the consent prompt) and resolves the name again. Undefined when the name's server is not such a server.
   */
  private async resolveLate(name: string): Promise<ToolCatalogEntry | HostReply | undefined> {
    const slash = name.indexOf('/');
    if (slash <= 0) return undefined;
    const part = name.slice(0, slash);
    const server = serverMeant(part, [...this.unlisted, ...this.failed.keys()]);
    if (!server) return undefined;
    if (!this.failed.has(server)) {
      let listing = this.listing.get(server);
      if (!listing) {
        listing = this.listServer(server);
        this.listing.set(server, listing);
      }
      await listing;
    }
    const why = this.failed.get(server);
    if (why !== undefined) return notStarted(server, why);
    return this.resolve(name);
  }

  private async listServer(server: string): Promise<void> {
    try {
      const tools = await this.gateway.toolsOf!(server);
      const added = [...tools.values()].map((tool) => ({ server, tool }));
      this.catalog.push(...added);
      this.index(added);
    } catch (err) {
      this.failed.set(server, (err as Error)?.message ?? String(err));
    } finally {
      this.unlisted.splice(this.unlisted.indexOf(server), 1);
    }
  }

  /** The entry for a name, listing its server first when it was not started for the run; or the guest's error. */
  private async lookUp(name: string): Promise<ToolCatalogEntry | HostReply> {
    return this.resolve(name) ?? (await this.resolveLate(name)) ?? this.notFound(name);
  }

  /** Cancels tool calls still in flight (the run has ended). */
  close(): void {
    this.abort.abort(new Error('the sandbox run ended'));
  }

  /** `argsJson` is the arguments' JSON array as the guest serialised it. */
  handleJson(op: HostOp, argsJson: string): Promise<HostReply> {
    let args: unknown[];
    try {
      args = JSON.parse(argsJson) as unknown[];
    } catch {
      return Promise.resolve(fail('TypeError', 'The arguments of a sandbox operation could not be read.'));
    }
    if (!Array.isArray(args)) args = [];
    // Tool calls straight on: call() never throws.
    return op === 'call' ? this.call(String(args[0] ?? ''), args[1]) : this.handle(op, args);
  }

  handle(op: HostOp, args: unknown[]): Promise<HostReply> {
    try {
      switch (op) {
        case 'servers':
          return Promise.resolve(ok(this.servers()));
        case 'search':
          return Promise.resolve(ok(this.search(String(args[0] ?? ''))));
        case 'describe':
          return this.describe(String(args[0] ?? ''));
        case 'call':
          return this.call(String(args[0] ?? ''), args[1]);
        default:
          return Promise.resolve(fail('TypeError', `Unknown sandbox operation '${String(op)}'.`));
      }
    } catch (err) {
      return Promise.resolve(hostFailure(err));
    }
  }

  private servers(): { name: string; description: string; tools: number; started?: false }[] {
    const byServer = new Map<string, string[]>();
    for (const e of this.catalog) byServer.set(e.server, [...(byServer.get(e.server) ?? []), e.tool.name]);
    const listed = [...byServer].map(([name, tools]) => ({
      name,
      description: `${tools.length} tool${tools.length === 1 ? '' : 's'}: ${tools.slice(0, 8).join(', ')}${tools.length > 8 ? ', …' : ''}`,
      tools: tools.length,
    }));
    const unstarted = [...this.unlisted, ...this.failed.keys()].filter((name) => !byServer.has(name)).map((name) => ({
      name,
      description: this.failed.has(name)
        ? `not started: ${this.failed.get(name)}`
        : `not started for this run; mcp.describe("${name}/<tool>") or mcp.call("${name}/<tool>", …) starts it, or name it in the code (tools.${sanitizeIdentifier(name)}.<tool>) to list its tools up front`,
      tools: 0,
      started: false as const,
    }));
    return [...listed, ...unstarted];
  }

  private search(query: string): { name: string; description: string }[] {
    const terms = query.toLowerCase().split(/[^a-z0-9_]+/).filter(Boolean);
    const scored = this.catalog.map((e) => {
      const name = `${e.server}/${e.tool.name}`.toLowerCase();
      const desc = (e.tool.description ?? '').toLowerCase();
      let score = 0;
      for (const t of terms) {
        if (name.includes(t)) score += 3;
        if (desc.includes(t)) score += 1;
      }
      if (!terms.length) score = 1;
      return { e, score };
    });
    return scored
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 20)
      .map(({ e }) => ({ name: `${e.server}/${e.tool.name}`, description: firstLine(e.tool.description) }));
  }

  /** Finds "server/tool"; also accepts the sanitised names used by `tools.<server>.<tool>`. */
  resolve(name: string): ToolCatalogEntry | undefined {
    const exact = this.byName.get(name);
    if (exact) return exact;
    const slash = name.indexOf('/');
    if (slash <= 0) return undefined;
    const server = name.slice(0, slash);
    const tool = name.slice(slash + 1);
    return this.catalog.find((e) => sanitizeIdentifier(e.server) === server && (e.tool.name === tool || sanitizeIdentifier(e.tool.name) === tool));
  }

  private notFound(name: string): HostReply {
    const hint = name.includes('/') ? 'Use mcp.search("...") or mcp.servers() to find the right name.' : 'Names have the form "server/tool".';
    return fail('ToolNotFoundError', `There is no tool '${name.slice(0, 200)}' in this sandbox. ${hint}`);
  }

  private async describe(name: string): Promise<HostReply> {
    const entry = await this.lookUp(name);
    if (!isEntry(entry)) return entry;
    return ok({
      name: `${entry.server}/${entry.tool.name}`,
      server: entry.server,
      tool: entry.tool.name,
      description: entry.tool.description ?? '',
      inputSchema: entry.tool.inputSchema,
      outputSchema: entry.tool.outputSchema,
      stub: toolStub(entry),
    });
  }

  /** Never rejects: a failure of the gateway itself becomes the guest's error (caught here, not by a .catch: one promise hop fewer per call). */
  private async call(name: string, rawArgs: unknown): Promise<HostReply> {
    try {
      const entry = this.resolve(name) ?? (await this.lookUp(name));
      if (!isEntry(entry)) return entry;
      if (this.toolCalls >= this.limits.maxToolCalls) {
        return {
          fatal: {
            kind: 'denied',
            message: `The code tried to make more than ${this.limits.maxToolCalls} tool calls in one run and was stopped.`,
            limit: { name: 'maxToolCalls', value: this.limits.maxToolCalls },
            decision: 'denied_policy',
            reasons: [`more than ${this.limits.maxToolCalls} tool calls`],
          },
        };
      }
      this.toolCalls++;
      const args = rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? (rawArgs as Record<string, unknown>) : {};
      const stepId = `${this.parentStepId}.${this.toolCalls}`;
      const outcome = await this.gateway.callTool({
        server: entry.server,
        tool: entry.tool.name,
        args,
        stepId,
        parentId: this.parentStepId,
        signal: this.abort.signal,
      });
      // The guard pipeline already records the parent; another gateway may not.
      const record: StepRecord = outcome.record.parent_id === this.parentStepId ? outcome.record : { ...outcome.record, parent_id: this.parentStepId };
      this.childSteps.push(record);
      const denied = DENIALS.has(record.decision);
      if (outcome.result && !denied) return { json: JSON.stringify(toWireResult(outcome.result)) };
      const fullName = `${entry.server}/${entry.tool.name}`;
      if (denied) {
        return {
          error: {
            name: 'ToolDeniedError',
            message: `${fullName} was denied (${record.decision}): ${record.reasons.join('; ') || 'no reason given'}`,
            decision: record.decision,
            reasons: record.reasons,
            step_id: record.step_id,
          },
        };
      }
      if (record.decision === 'dry_run') {
        return ok({ content: [], isError: false, dryRun: true });
      }
      return {
        error: {
          name: 'ToolCallError',
          message: `${fullName} failed (${record.decision}): ${record.error ?? record.reasons.join('; ') ?? 'no detail'}`,
          decision: record.decision,
          reasons: record.reasons,
          step_id: record.step_id,
        },
      };
    } catch (err) {
      return hostFailure(err);
    }
  }
}

function isEntry(value: ToolCatalogEntry | HostReply): value is ToolCatalogEntry {
  return 'tool' in value && 'server' in value;
}

/** A name whose server could not be started for this run: the guest sees why, and how to start it. */
function notStarted(server: string, why: string): HostReply {
  return fail('ToolNotFoundError', `The server '${server}' is not running and could not be started for this run: ${why.slice(0, 600)}`);
}

function ok(value: unknown): HostReply {
  return { json: JSON.stringify(value ?? null) };
}

function fail(name: string, message: string): HostReply {
  return { error: { name, message } };
}

/** A host failure becomes a guest error: the guest's await always settles. */
function hostFailure(err: unknown): HostReply {
  return fail('ToolCallError', (err as Error)?.message ?? String(err));
}
