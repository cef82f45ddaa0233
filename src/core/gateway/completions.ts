// completion/complete through the gateway: a client completes an argument of a gateway prompt
// (`server__prompt`) or a variable of a gateway resource template (`mcp-harness://<server>/…`); the
// gateway maps the reference back to the upstream's own name or template and asks that server. The policy
// applies as for getting the prompt or reading the resource, so completions never show what a client could
// not use. The gateway offers `completions` only when some exposed server does.
import { ErrorCode, McpError, type CompleteRequest, type CompleteResult, type PromptReference, type ResourceTemplateReference, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { PolicyConfig } from '../guards/types';
import { featurePolicy } from '../run/featureSteps';
import type { Logger } from '../types';
import type { Catalog } from './upstreams';
import { parseResourceUri } from './names';

/** What the gateway needs of the upstream servers to complete (the ServerManager has both). */
export interface CompletingUpstreams {
  /** The capabilities the running server declared (it is started when needed). */
  serverCapabilities(server: string): Promise<ServerCapabilities | undefined>;
  complete(server: string, ref: PromptReference | ResourceTemplateReference, argument: { name: string; value: string }, context?: { arguments?: Record<string, string> }): Promise<CompleteResult>;
}

const NOTHING: CompleteResult = { completion: { values: [] } };

export class GatewayCompletions {
  /** Per server, whether it declared `completions` (asked once per start of the gateway); undefined: it could not be asked. */
  private readonly declared = new Map<string, Promise<boolean | undefined>>();
  /** The answer once it is settled: some server completes, or every server answered that it does not. */
  private settled: boolean | undefined;
  /** The last answer while unsettled (a server could not be asked: it may complete once it starts). */
  private last: boolean | undefined;
  private asking: Promise<boolean> | undefined;
  /** Counts the changes of the exposed servers (serversChanged): an ask begun before one is not kept. */
  private generation = 0;
  /** Whether a client has needed the answer yet. */
  private asked = false;

  constructor(
    private readonly upstreams: CompletingUpstreams,
    private readonly catalog: Catalog,
    private readonly policy: () => PolicyConfig | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Whether some exposed server completes: the gateway's `completions` capability. Starts the servers to ask;
   * while a server that could not be started leaves the answer open, each call asks again.
   */
  offered(): Promise<boolean> {
    if (this.settled !== undefined) return Promise.resolve(this.settled);
    this.asked = true;
    if (!this.asking) {
      const asking: Promise<boolean> = this.ask().finally(() => {
        if (this.asking === asking) this.asking = undefined;
      });
      this.asking = asking;
    }
    return this.asking;
  }

  /**
   * The answer as far as it is known, without waiting (a stateless request's server is built synchronously);
   * undefined before the first ask. While it is open, the servers are asked again in the background, so a
   * server that starts later is found by a later request.
   */
  offeredNow(): boolean | undefined {
    if (this.settled === undefined && this.last !== undefined) void this.offered();
    return this.settled ?? this.last;
  }

  /**
   * The exposed servers changed (a reloaded configuration): these left, came or were restarted. Whether the gateway
   * completes is asked again at once, so the next client to connect is told the new answer (a session keeps what it
   * was told at initialize). Call it once the added and restarted servers have been started.
   */
  serversChanged(servers: readonly string[]): void {
    if (!servers.length) return;
    this.generation++;
    for (const server of servers) this.declared.delete(server);
    this.settled = undefined;
    this.last = undefined;
    this.asking = undefined;
    // Before any client asked, nothing is started for it: the first client's initialize asks, as at start-up.
    if (this.asked) void this.offered();
  }

  private async ask(): Promise<boolean> {
    const generation = this.generation;
    const answers = await Promise.all(this.catalog.servers.map((server) => this.completes(server)));
    const offered = answers.includes(true);
    // The servers changed while they were asked: this answer is of the old set, and a new ask is under way.
    if (generation !== this.generation) return offered;
    if (offered || !answers.includes(undefined)) this.settled = offered;
    this.last = offered;
    return offered;
  }

  async complete(params: CompleteRequest['params']): Promise<CompleteResult> {
    const { server, ref, subject } = await this.target(params.ref);
    const policy = this.policy();
    const denied = policy && featurePolicy(subject, policy);
    if (denied) throw new McpError(ErrorCode.InvalidRequest, `MCP Harness denied completions for this ${ref.type === 'ref/prompt' ? 'prompt' : 'resource'} (denied_policy): ${denied.reason}`);
    // A server that does not complete (asking it would be a protocol error) has no suggestions.
    if ((await this.completes(server)) !== true) return NOTHING;
    const context = params.context?.arguments ? { arguments: params.context.arguments } : undefined;
    const { completion } = await this.upstreams.complete(server, ref, { name: params.argument.name, value: params.argument.value }, context);
    return { completion };
  }

  /** The upstream server and its own reference; `subject` is what the policy's globs match (`server/<name or uri>`). */
  private async target(ref: CompleteRequest['params']['ref']): Promise<{ server: string; ref: PromptReference | ResourceTemplateReference; subject: string }> {
    if (ref.type === 'ref/prompt') {
      const entry = (await this.catalog.promptTable()).resolve(ref.name);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt '${ref.name}'; list the prompts to get the gateway's names (server__prompt).`);
      return { server: entry.server, ref: { type: 'ref/prompt', name: entry.name }, subject: `${entry.server}/${entry.name}` };
    }
    const target = parseResourceUri(ref.uri);
    if (!target || !this.catalog.servers.includes(target.server)) {
      throw new McpError(ErrorCode.InvalidParams, `'${ref.uri}' is not a resource template of this gateway (mcp-harness://<server>/<template>); list the resource templates to get one.`);
    }
    return { server: target.server, ref: { type: 'ref/resource', uri: target.uri }, subject: `${target.server}/${target.uri}` };
  }

  /** Whether the server completes; undefined when it could not be asked (forgotten, so the next ask tries again). */
  private completes(server: string): Promise<boolean | undefined> {
    let answer = this.declared.get(server);
    if (!answer) {
      answer = this.upstreams.serverCapabilities(server).then(
        (caps) => Boolean(caps?.completions),
        (err: Error) => {
          this.logger.warn(`The gateway could not ask '${server}' whether it completes arguments: ${err.message}`);
          this.declared.delete(server);
          return undefined;
        },
      );
      this.declared.set(server, answer);
    }
    return answer;
  }
}
