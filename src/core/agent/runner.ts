// The agent loop: a model works toward a goal with the tools of its mode, inside one open run of the run
// service, so every call it makes passes the run's guards and every turn and call is a step of one trace.
// It stops when the model answers (no more tool calls), on a limit (turns, tokens, cost, wall time), on
// cancellation, or when the model fails, and always ends the run with the reason.
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { scanValue } from '../guards/redact';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';
import type { OpenRun, RunOpts } from '../run/types';
import type { SandboxLimits } from '../sandbox/types';
import type { PriceTable } from '../tokens/index';
import { toolSurface, type CodeSandbox, type ToolSurface } from './tools';
import { turnMetrics, turnStep } from './turns';
import { defaultSystemPrompt } from './prompts';
import type { AgentLimits, AgentMode, AgentRunResult, ChatMessage, Divergence, ModelProvider, StopReason } from './types';

export interface AgentRunInput {
  /** The run service (or anything that opens runs the same way). */
  service: { open(opts: RunOpts): Promise<OpenRun> };
  provider: ModelProvider;
  goal: string;
  model: string;
  mode: AgentMode;
  limits: AgentLimits;
  system?: string;
  servers?: string[];
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  /** Where code mode runs the model's code. */
  sandbox?: CodeSandbox;
  sandboxLimits?: Partial<SandboxLimits>;
  prices?: PriceTable;
  signal?: AbortSignal;
  name?: string;
  /** Output tokens the model may write per turn. */
  maxOutputTokens?: number;
  /** Replays: where the divergences found so far are read from. */
  divergences?: () => Divergence[];
}

const DEFAULT_MAX_OUTPUT = 4096;

interface Tally {
  turns: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  toolCalls: number;
  denied: number;
  /** Per turn, the loop's own time: the turn's wall time less the model's and the tools'. */
  overheadMs: number[];
}

class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
  }
}

export async function runAgent(input: AgentRunInput): Promise<AgentRunResult & { overheadMs: number[] }> {
  const t0 = performance.now();
  const controller = new AbortController();
  let stopReason: StopReason | undefined;
  const stopWith = (reason: StopReason) => () => {
    stopReason ??= reason;
    controller.abort(new Error(reason));
  };
  const onCancel = stopWith('cancelled');
  if (input.signal?.aborted) onCancel();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  const wall = setTimeout(stopWith('wall_time'), input.limits.wallTimeMs);
  const release = () => {
    clearTimeout(wall);
    input.signal?.removeEventListener('abort', onCancel);
  };
  const run = await input.service.open({
    name: input.name ?? runName(input.mode, input.goal),
    kind: 'agent',
    model: input.model,
    signal: controller.signal,
    ...(input.servers ? { servers: input.servers } : {}),
    ...(input.policy ? { policy: input.policy } : {}),
    ...(input.guardrails ? { guardrails: input.guardrails } : {}),
  }).catch((err: unknown) => {
    release();
    throw err;
  });
  const tally: Tally = { turns: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, toolCalls: 0, denied: 0, overheadMs: [] };
  let answer: string | undefined;
  let failure: Stop | undefined;
  try {
    const surface = await toolSurface(input.mode, run, { sandbox: input.sandbox, servers: input.servers, limits: input.sandboxLimits });
    answer = await loop(input, run, surface, tally, controller.signal, () => stopReason);
  } catch (err) {
    if (err instanceof Stop) failure = err;
    else if (stopReason) failure = new Stop(stopReason, stopMessage(stopReason, input.limits, tally));
    else failure = new Stop('internal_error', `The agent run failed: ${(err as Error).message}`);
  } finally {
    release();
  }
  const isError = failure?.reason === 'model_error' || failure?.reason === 'internal_error';
  const status = !failure ? 'passed' : failure.reason === 'cancelled' ? 'cancelled' : isError ? 'error' : 'failed';
  const session = await run.end(status, failure?.message);
  return {
    mode: input.mode,
    model: input.model,
    provider: input.provider.name,
    outcome: !failure ? 'answered' : isError ? 'error' : 'stopped',
    ...(failure ? { stopReason: failure.reason, message: failure.message } : {}),
    ...(answer !== undefined ? { answer } : {}),
    turns: tally.turns,
    tokensIn: tally.tokensIn,
    tokensOut: tally.tokensOut,
    costUsd: Math.round(tally.costUsd * 1e9) / 1e9,
    wallMs: Math.round(performance.now() - t0),
    toolCalls: tally.toolCalls,
    denied: tally.denied,
    divergences: input.divergences?.() ?? [],
    session,
    overheadMs: tally.overheadMs,
  };
}

async function loop(input: AgentRunInput, run: OpenRun, surface: ToolSurface, tally: Tally, signal: AbortSignal, stopped: () => StopReason | undefined): Promise<string> {
  // Preflight: the goal passes the run's guardrails before the model sees it (PII becomes the run's placeholders).
  const goal = run.guardText(input.goal);
  const messages: ChatMessage[] = [{ role: 'user', text: goal.redacted }];
  const system = input.system ?? defaultSystemPrompt(input.mode);
  for (;;) {
    checkLimits(input.limits, tally, stopped());
    const turnStart = performance.now();
    const startedAt = new Date().toISOString();
    const request = { model: input.model, system, messages: [...messages], tools: surface.specs, maxOutputTokens: input.maxOutputTokens ?? DEFAULT_MAX_OUTPUT, signal };
    const modelStart = performance.now();
    const response = await input.provider.complete(request).catch((err: unknown) => {
      if (err instanceof Stop || stopped()) throw err;
      throw new Stop('model_error', `The model failed: ${(err as Error).message}`);
    });
    const modelMs = performance.now() - modelStart;
    tally.turns++;
    const metrics = turnMetrics(request, response, input.prices);
    tally.tokensIn += metrics.tokensIn;
    tally.tokensOut += metrics.tokensOut;
    tally.costUsd += metrics.costUsd;
    run.recordStep(turnStep({ run, turn: tally.turns, provider: input.provider.name, mode: input.mode, request, response, metrics, startedAt, latencyMs: modelMs, findings: tally.turns === 1 ? goal.findings : [] }));
    messages.push({ role: 'assistant', ...(response.text ? { text: response.text } : {}), toolCalls: response.toolCalls, ...(response.thinking?.length ? { thinking: response.thinking } : {}) });
    if (!response.toolCalls.length) {
      tally.overheadMs.push(performance.now() - turnStart - modelMs);
      return response.text ?? '';
    }
    let toolMs = 0;
    for (const [i, call] of response.toolCalls.entries()) {
      checkLimits(input.limits, tally, stopped(), false);
      const callStart = performance.now();
      const reply = await surface.call(call.name, call.arguments, `turn-${tally.turns}.${i + 1}`, signal);
      toolMs += performance.now() - callStart;
      tally.toolCalls++;
      if (reply.decision.startsWith('denied_')) tally.denied++;
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, text: reply.text, isError: reply.isError });
    }
    tally.overheadMs.push(performance.now() - turnStart - modelMs - toolMs);
  }
}

/** The goal for names and reports: every secret and PII value masked, whatever the run's guardrails say. */
export function maskedGoal(goal: string): string {
  return scanValue(goal, { ...DEFAULT_GUARDRAILS, redact: ['secrets', 'pii'], tokenizePii: false }, undefined, 'record').redacted as string;
}

function runName(mode: AgentMode, goal: string): string {
  const masked = maskedGoal(goal.slice(0, 200));
  return `agent (${mode}): ${masked.length > 60 ? `${masked.slice(0, 60)}…` : masked}`;
}

/** Throws Stop when the run must not go on: cancelled, out of wall time, or a budget spent. */
function checkLimits(limits: AgentLimits, tally: Tally, stopped: StopReason | undefined, beforeTurn = true): void {
  if (stopped) throw new Stop(stopped, stopMessage(stopped, limits, tally));
  if (!beforeTurn) return;
  if (tally.turns >= limits.maxTurns) throw new Stop('max_turns', stopMessage('max_turns', limits, tally));
  if (tally.tokensIn + tally.tokensOut >= limits.maxTokens) throw new Stop('max_tokens', stopMessage('max_tokens', limits, tally));
  if (limits.maxCostUsd > 0 && tally.costUsd >= limits.maxCostUsd) throw new Stop('max_cost', stopMessage('max_cost', limits, tally));
}

/** Host-neutral: the limit and its value; the host says how to raise it. */
export function stopMessage(reason: StopReason, limits: AgentLimits, tally: Pick<Tally, 'turns' | 'tokensIn' | 'tokensOut' | 'costUsd'>): string {
  switch (reason) {
    case 'max_turns':
      return `The agent stopped after ${tally.turns} model turns without an answer (limit maxTurns = ${limits.maxTurns}).`;
    case 'max_tokens':
      return `The agent stopped after ${tally.tokensIn + tally.tokensOut} model tokens (limit maxTokens = ${limits.maxTokens}).`;
    case 'max_cost':
      return `The agent stopped at an estimated $${tally.costUsd.toFixed(4)} of model cost (limit maxCostUsd = ${limits.maxCostUsd}).`;
    case 'wall_time':
      return `The agent stopped after ${limits.wallTimeMs} ms of wall time (limit wallTimeMs = ${limits.wallTimeMs}).`;
    case 'cancelled':
      return 'The agent run was cancelled.';
    case 'replay_exhausted':
      return `The recording has no model turn ${tally.turns + 1}: the replay asked for more turns than were recorded.`;
    default:
      return 'The model failed.';
  }
}

export { Stop as AgentStop };
