// Server-initiated requests forwarded to the gateway's client. An upstream server that asks for sampling,
// elicitation or roots while a call made through the gateway is in flight is asking on behalf of the client
// that made the call: when that client declared the capability, the request goes to it — on the same
// request's stream (over HTTP, the answer's SSE stream), so it reaches that client and no other. The client
// features still guard it (policy, input and output guardrails, schema) and record it under the step; a
// client without the capability gets the host's answer (the configured policy) as before.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitResultSchema, ListRootsResultSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { AnswererLookup, RunAnswerer } from '../client/types';

/** What a tools/call handler can send back to its own client (the SDK's RequestHandlerExtra.sendRequest). */
export type SendRequest = (request: { method: string; params?: Record<string, unknown> }, schema: never, options?: { signal?: AbortSignal; timeout?: number }) => Promise<unknown>;

/**
 * The upstream call's own timeout and its signal bound a forwarded request (a person may be answering a form),
 * so the SDK's 60-second default is lifted to the longest timer Node allows.
 */
const NO_OWN_TIMEOUT_MS = 2 ** 31 - 1;

export class ClientForwarding {
  /** The answerer of each call in flight, by the call's step id. */
  private readonly byStep = new Map<string, RunAnswerer>();

  constructor(
    private readonly server: Server,
    private readonly clientName: () => string,
  ) {}

  /** For RunOpts.answerers: the calls run_code makes (`call-3.1`) are answered by the client of their code step (`call-3`). */
  readonly lookup: AnswererLookup = (stepId) => this.byStep.get(stepId) ?? this.byStep.get(stepId.split('.')[0]);

  /** Routes the requests caused by `stepId` to this client until the returned function is called. */
  during(stepId: string, send: SendRequest): () => void {
    const answerer = this.answerer(send);
    if (!answerer) return () => {};
    this.byStep.set(stepId, answerer);
    return () => {
      if (this.byStep.get(stepId) === answerer) this.byStep.delete(stepId);
    };
  }

  /** Only the capabilities the client declared are forwarded; undefined when it declared none. */
  private answerer(send: SendRequest): RunAnswerer | undefined {
    return clientAnswerer(this.server.getClientCapabilities() ?? {}, this.clientName, (method, schema, signal, params) =>
      send({ method, ...(params ? { params: params as Record<string, unknown> } : {}) }, schema as never, { signal, timeout: NO_OWN_TIMEOUT_MS }),
    );
  }
}

/** A result schema of the 1.x SDK: parses the client's answer or throws. */
export interface ResultSchema {
  parse(value: unknown): unknown;
}

/** How a request reaches the client: a session's own request, or a question in an input_required round. */
export type AskClient = (method: string, schema: ResultSchema, signal: AbortSignal, params?: object) => Promise<unknown>;

/**
 * The answerer of a client that declared `caps` (undefined when it declared none of sampling, elicitation and
 * roots); `ask` carries each request to it. `clientName` is read when used: over stdio the client's name is
 * known once its first call has opened the run.
 */
export function clientAnswerer(caps: ClientCapabilities, clientName: () => string, ask: AskClient): RunAnswerer | undefined {
  if (!caps.sampling && !caps.elicitation && !caps.roots) return undefined;
  const request = <T>(method: string, schema: ResultSchema, signal: AbortSignal, params?: object) => ask(method, schema, signal, params) as Promise<T>;
  return {
    get name() {
      return `the client '${clientName()}'`;
    },
    ...(caps.sampling
      ? {
          samplingWithTools: Boolean((caps.sampling as { tools?: object }).tools),
          // A reply with tool calls has array content, which only the with-tools schema accepts.
          createMessage: (params, signal) => request('sampling/createMessage', params.tools?.length ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema, signal, params),
        }
      : {}),
    ...(caps.elicitation
      ? {
          canElicit: (mode) => elicitModes(caps.elicitation!).includes(mode),
          elicit: (params, signal) => request('elicitation/create', ElicitResultSchema, signal, params),
        }
      : {}),
    ...(caps.roots ? { listRoots: (signal) => request('roots/list', ListRootsResultSchema, signal) } : {}),
  };
}

/** An empty elicitation capability means form mode (the 2025-06-18 shape); later clients name their modes. */
function elicitModes(capability: NonNullable<ClientCapabilities['elicitation']>): ('form' | 'url')[] {
  const named = capability as { form?: object; url?: object };
  if (!named.form && !named.url) return ['form'];
  return [...(named.form ? (['form'] as const) : []), ...(named.url ? (['url'] as const) : [])];
}
