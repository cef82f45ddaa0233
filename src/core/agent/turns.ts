// One model turn as a step of the run: what the model was given (the goal, or the tool results since its
// last turn), what it answered (text and tool calls, redacted), tokens from its usage report or the
// tokenizer, and the cost from the price table.
import { createHash } from 'node:crypto';
import type { Channel, Finding, ModelToolCall, StepRecord } from '../../protocol/trace';
import { countTokens, encodingForModel, estimateCost, priceFor, type PriceTable } from '../tokens/index';
import type { OpenRun } from '../run/types';
import type { AgentMode, ChatMessage, ModelRequest, ModelResponse } from './types';

export interface TurnMetrics {
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  usageSource: 'model' | 'tokenizer';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The tool results the model is given this turn: those after its last assistant message. */
export function givenThisTurn(messages: readonly ChatMessage[]): Extract<ChatMessage, { role: 'tool' }>[] {
  const out: Extract<ChatMessage, { role: 'tool' }>[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== 'tool') break;
    out.unshift(m);
  }
  return out;
}

/** Tokens from the model's usage report, else counted over what was sent and received; cost from the prices. */
export function turnMetrics(request: ModelRequest, response: ModelResponse, prices: PriceTable | undefined): TurnMetrics {
  let tokensIn: number;
  let tokensOut: number;
  let usageSource: TurnMetrics['usageSource'] = 'model';
  if (response.usage) {
    tokensIn = response.usage.input;
    tokensOut = response.usage.output;
  } else {
    usageSource = 'tokenizer';
    const encoding = encodingForModel(request.model);
    tokensIn = countTokens(promptText(request), encoding);
    tokensOut = countTokens((response.text ?? '') + response.toolCalls.map((c) => c.name + c.arguments).join(''), encoding);
  }
  // estimateCost takes a tool call's view (tokens the model wrote, then tokens it reads): a turn's output, then its input.
  return { tokensIn, tokensOut, costUsd: estimateCost(tokensOut, tokensIn, priceFor(request.model, prices)), usageSource };
}

/** Everything a request puts before the model, as text: the system prompt, the tools' definitions, the messages. */
export function promptText(request: Pick<ModelRequest, 'system' | 'tools' | 'messages'>): string {
  return [request.system, JSON.stringify(request.tools), JSON.stringify(request.messages)].join('\n');
}

export interface TurnStepInput {
  run: OpenRun;
  turn: number;
  provider: string;
  mode: AgentMode;
  request: ModelRequest;
  response: ModelResponse;
  metrics: TurnMetrics;
  startedAt: string;
  latencyMs: number;
  /** Guardrail findings on the goal (first turn only). */
  findings: Finding[];
}

/** The model step: redacted like any step, with the recording replay needs. */
export function turnStep(input: TurnStepInput): StepRecord {
  const { run, request, response, metrics } = input;
  const given = givenThisTurn(request.messages);
  const channel: Channel = given.length ? 'tool_to_llm' : 'user_to_llm';
  const text = response.text ? run.guardText(response.text) : undefined;
  const reasoning = response.reasoning ? run.guardText(response.reasoning) : undefined;
  const calls = response.toolCalls.map((c): ModelToolCall => ({ ...c, arguments: run.guardText(c.arguments).redacted }));
  const findings = [...input.findings, ...(text?.findings ?? []), ...(reasoning?.findings ?? [])];
  return {
    type: 'step',
    session_id: run.sessionId,
    step_id: `turn-${input.turn}`,
    kind: 'model',
    role: 'assistant',
    channel,
    server: input.provider,
    tool: request.model,
    decision: 'ok',
    reasons: [],
    stages: [],
    args: given.length ? { tool_results: given.map((g) => ({ id: g.toolCallId, name: g.name, text: run.guardText(g.text).redacted })) } : { goal: firstUser(request.messages) },
    output: { ...(text ? { text: text.redacted } : {}), tool_calls: calls },
    started_at: input.startedAt,
    latency_ms: Math.round(input.latencyMs * 1000) / 1000,
    tokens_in: metrics.tokensIn,
    tokens_out: metrics.tokensOut,
    cost_est: metrics.costUsd,
    findings,
    model_turn: {
      turn: input.turn,
      provider: input.provider,
      model: request.model,
      mode: input.mode,
      given: given.map((g) => ({ id: g.toolCallId, name: g.name, sha256: sha256(g.text) })),
      ...(text ? { text: text.redacted } : {}),
      tool_calls: calls,
      ...(response.stopReason ? { stop_reason: response.stopReason } : {}),
      ...(reasoning ? { reasoning: reasoning.redacted } : {}),
      usage_source: metrics.usageSource,
    },
  };
}

function firstUser(messages: readonly ChatMessage[]): string | undefined {
  const m = messages.find((x) => x.role === 'user');
  return m?.role === 'user' ? m.text : undefined;
}
