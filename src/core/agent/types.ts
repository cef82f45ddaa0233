// The contract of agent mode: what an agent run is given (goal, model, mode, limits), the provider-neutral
// conversation a model provider translates to its API, and what a run returns.
import type { ModelToolCall } from '../../protocol/trace';
import type { SessionResult } from '../run/types';

export type AgentMode = 'direct' | 'code';

export interface AgentLimits {
  /** Model turns at most (one turn = one model request). */
  maxTurns: number;
  /** Model tokens, input plus output, over the whole run. */
  maxTokens: number;
  /** Estimated model cost in US dollars over the whole run (0 = no cap). */
  maxCostUsd: number;
  /** Wall time of the whole run, model and tools. */
  wallTimeMs: number;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = { maxTurns: 20, maxTokens: 200_000, maxCostUsd: 0, wallTimeMs: 5 * 60_000 };

/** Bounds of each limit, so a flag or session value out of range gets a clear message. */
export const AGENT_LIMIT_BOUNDS: Record<keyof AgentLimits, [number, number]> = {
  maxTurns: [1, 1000],
  maxTokens: [1, 100_000_000],
  maxCostUsd: [0, 10_000],
  wallTimeMs: [100, 24 * 60 * 60_000],
};

/** The `agent` block of a session file (and what the CLI's flags make). */
export interface AgentSpec {
  goal: string;
  model?: string;
  mode?: AgentMode | 'both';
  limits?: Partial<AgentLimits>;
  /** Instructions before the goal; a default one says how to use the tools of the mode. */
  system?: string;
}

/** A tool as a model sees it. */
export interface ModelToolSpec {
  name: string;
  description: string;
  /** A JSON Schema object. */
  parameters: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text?: string; toolCalls: ModelToolCall[]; thinking?: ThinkingBlock[] }
  | { role: 'tool'; toolCallId: string; name: string; text: string; isError: boolean };

/**
 * A reasoning block as the API returned it. Anthropic wants a turn's thinking blocks back, signature and all,
 * when the conversation goes on after a tool call; other APIs' reasoning is only read.
 */
export interface ThinkingBlock {
  text: string;
  signature?: string;
  /** Anthropic's redacted_thinking: opaque data, never shown. */
  redactedData?: string;
}

export interface ModelRequest {
  model: string;
  system: string;
  messages: readonly ChatMessage[];
  tools: readonly ModelToolSpec[];
  /** Output tokens the model may write this turn. */
  maxOutputTokens: number;
  signal: AbortSignal;
}

export interface ModelResponse {
  text?: string;
  toolCalls: ModelToolCall[];
  /** From the model's usage report; absent when the API gave none (the tokenizer counts instead). */
  usage?: { input: number; output: number };
  stopReason?: string;
  /** The model's reasoning summary or thinking, when the API gives it (recorded on the model step, redacted). */
  reasoning?: string;
  /** What the provider must be given back with this turn (Anthropic thinking blocks). */
  thinking?: ThinkingBlock[];
}

/** One model API: the loop never sees an SDK. */
export interface ModelProvider {
  /** 'openai', 'anthropic', 'replay', … (recorded in every model step). */
  readonly name: string;
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** Why a run stopped before the model gave its answer. */
export type StopReason = 'max_turns' | 'max_tokens' | 'max_cost' | 'wall_time' | 'cancelled' | 'model_error' | 'replay_exhausted' | 'internal_error';

export type AgentOutcome = 'answered' | 'stopped' | 'error';

/** A tool result that differs from the recording: the model would have been given something else. */
export interface Divergence {
  turn: number;
  toolCallId: string;
  name: string;
  message: string;
}

export interface AgentRunResult {
  mode: AgentMode;
  model: string;
  provider: string;
  outcome: AgentOutcome;
  stopReason?: StopReason;
  /** What the run stopped on, said for a user (the limit and its value, the model's error). */
  message?: string;
  /** The model's final text (as the model wrote it: placeholders, never restored PII). */
  answer?: string;
  turns: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  wallMs: number;
  toolCalls: number;
  /** Tool calls a guard denied (schema, policy or guardrail). */
  denied: number;
  /** Only for replays: tool results that differ from the recording. */
  divergences: Divergence[];
  session: SessionResult;
}
