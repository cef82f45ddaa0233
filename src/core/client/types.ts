// The contract of the client features (sampling, elicitation, roots, logging): what a session file may say
// about them, what a host supplies (a model, a form, the workspace folders, where logs go), and what a run
// hands the features so a server's request lands in that run's trace as a child of the step that caused it.
import type { StepRecord } from '../../protocol/trace';
import type { ToolChangeReport } from './toolChanges';
import type { PiiVault } from '../guards/redact';
import type { GuardrailsConfig } from '../guards/types';
import type { CreateMessageRequestParams, CreateMessageResult, CreateMessageResultWithTools, ElicitRequestParams, ElicitResult, ListRootsResult } from '../servers/serverRequests';

export type SamplingPolicy = 'deny' | 'ask' | 'allow';
export type ElicitAction = ElicitResult['action'];

/** The session file's `"sampling"` key. */
export interface SessionSampling {
  /** For every server, unless `servers` names it. */
  policy?: SamplingPolicy;
  /** Per-server policy, by server id. */
  servers?: Record<string, SamplingPolicy>;
  /** Upper bound on the maxTokens a server may ask for. */
  maxTokens?: number;
  /** Answers every sampling request with this text (CI and tests; no model is called). */
  reply?: string;
  /** Who set these answers, named in the trace (not a session-file key; default: the session file). */
  by?: string;
}

/** The session file's `"elicitation"` key: how every elicitation request of the run is answered. */
export interface SessionElicitation {
  action: ElicitAction;
  /** Form mode, action accept: the content sent (validated against the request's schema first). */
  content?: Record<string, unknown>;
  /** Who set this answer, named in the trace (not a session-file key; default: the session's "elicitation" key). */
  by?: string;
}

export interface RootEntry {
  uri: string;
  name?: string;
}

/** What a session file says about the client features; every key optional. */
export interface SessionClientSettings {
  sampling?: SessionSampling;
  elicitation?: SessionElicitation;
  /** The roots servers see (file:// URIs or paths, absolute or relative to the session file). */
  roots?: RootEntry[];
}

/** The default for sampling.maxTokens when neither the session nor the host caps it. */
export const DEFAULT_SAMPLING_MAX_TOKENS = 1024;

/** A sampling request after the input guardrails: what a model (or a consent dialog) is shown. */
export interface SamplingPrompt {
  server: string;
  systemPrompt?: string;
  messages: CreateMessageRequestParams['messages'];
  /** The server's maxTokens capped by policy. */
  maxTokens: number;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: CreateMessageRequestParams['modelPreferences'];
  /** Tools the server offers the model; its tool_use / tool_result blocks are in the messages. */
  tools?: CreateMessageRequestParams['tools'];
  toolChoice?: CreateMessageRequestParams['toolChoice'];
}

/** A tool the model chose to call: the server gets it as `tool_use` content and runs it. */
export interface SamplingToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface SamplingAnswer {
  text: string;
  /** The model's name as the server is told it. */
  model: string;
  stopReason?: string;
  /** The model called tools (only when the prompt offered them): the reply's stopReason is 'toolUse'. */
  toolUses?: SamplingToolUse[];
  /** From the model's usage report; counted with the tokenizer when absent. */
  usage?: { inputTokens: number; outputTokens: number };
}

/** Whatever answers sampling requests: VS Code's Language Model API, an agent's model, a scripted reply. */
export interface SamplingModel {
  answer(prompt: SamplingPrompt, signal: AbortSignal): Promise<SamplingAnswer>;
}

/** A form or URL elicitation as the host shows it (the server's message and schema; nothing redacted). */
export type ElicitationRequest = ElicitRequestParams & { server: string };

/** What the host supplies once. Every part is optional; a missing part means "cannot do that here". */
export interface ClientHost {
  /** The sampling policy when the session says nothing (CLI: 'deny'; VS Code: 'ask'). */
  samplingDefault: SamplingPolicy;
  /** Cap on maxTokens when the session gives none. */
  samplingMaxTokens?: number;
  model?: SamplingModel;
  /** Policy 'ask': shown the redacted prompt; true lets it go to the model. Without it 'ask' denies. */
  consentToSampling?(prompt: SamplingPrompt): Promise<boolean>;
  /** Asks the user (VS Code's form, URL consent); the CLI has none and answers from the session file. */
  elicit?(request: ElicitationRequest, signal: AbortSignal): Promise<ElicitResult>;
  /** URL-mode elicitations, reported (the CLI prints them; nothing is opened). */
  onElicitationUrl?(server: string, url: string, message: string): void;
  /** The roots when the session gives none (VS Code: the workspace folders). */
  roots?(): RootEntry[];
  /** A server's log message, already redacted. */
  onLog?(server: string, level: string, text: string): void;
  /** A server changed its tools during a run: what changed, which pinned tools drifted, lint findings. */
  onToolsChanged?(report: ToolChangeReport): void;
  /** A subscribed resource changed. */
  onResourceUpdated?(server: string, uri: string): void;
}

/**
 * A run as the client features see it (RunFrame implements it): the features find it through the
 * `origin` of the call that caused a server's request, or by the server for notifications.
 */
export interface ClientRun {
  readonly sessionId: string;
  /** Servers this run reaches: their log messages are recorded in it. */
  readonly servers: readonly string[];
  readonly settings: SessionClientSettings;
  readonly guardrails: GuardrailsConfig;
  /** The run's PII placeholders (tokenizePii): text headed for a model gets the same placeholders as tool calls. */
  readonly vault: PiiVault;
  /** Writes a record the features made (tokens and cost filled in) into the run's trace and announces it. */
  writeChild(record: StepRecord): void;
  /**
   * Who answers in place of the host for the step with this id (a gateway's client, while its call is in
   * flight); undefined: the host answers as usual.
   */
  answererFor?(stepId: string): RunAnswerer | undefined;
}

/**
 * Answers a server's requests for one run instead of the host: the gateway's client, for the capabilities it
 * declared. The features still guard what goes to it and what comes back; a missing method means the host
 * answers that kind of request.
 */
export interface RunAnswerer {
  /** Named in the trace ("forwarded to …"). */
  readonly name: string;
  /** Gets the prompt after the input guardrails and the maxTokens cap. */
  createMessage?(params: CreateMessageRequestParams, signal: AbortSignal): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /** True when it declared sampling with tools: only then does a request that offers tools go to it. */
  readonly samplingWithTools?: boolean;
  /** True when it can answer this mode (form or URL). */
  canElicit?(mode: 'form' | 'url'): boolean;
  elicit?(params: ElicitRequestParams, signal: AbortSignal): Promise<ElicitResult>;
  listRoots?(signal: AbortSignal): Promise<ListRootsResult>;
}

/** Looks up the answerer of a step; the calls run_code makes (`call-3.1`) belong to their code step (`call-3`). */
export type AnswererLookup = (stepId: string) => RunAnswerer | undefined;

/** What the run service passes as `CallOptions.origin`: which run and step a call belongs to. */
export interface CallOrigin {
  sessionId: string;
  stepId: string;
}

export function isCallOrigin(value: unknown): value is CallOrigin {
  const o = value as Partial<CallOrigin> | undefined;
  return typeof o?.sessionId === 'string' && typeof o.stepId === 'string';
}
