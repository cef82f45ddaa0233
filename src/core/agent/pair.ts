// Agent runs as the trace panel reads them back: each model turn's tokens, the run's figures, and the run
// of the other mode that an A/B comparison (`--mode both`, or "Both" in VS Code) made with it. Pure and
// browser-safe: the webview bundles it.
import type { RunSnapshot } from '../../protocol/messages';
import type { StepRecord } from '../../protocol/trace';

export interface ModelTurnTokens {
  stepId: string;
  turn: number;
  tokensIn: number;
  tokensOut: number;
  toolCalls: number;
  reasoning?: string;
}

export interface AgentRunFigures {
  mode: 'direct' | 'code';
  model: string;
  goal: string;
  turns: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  toolCalls: number;
  denied: number;
  wallMs?: number;
  status?: string;
}

function modelSteps(run: RunSnapshot): (StepRecord & { model_turn: NonNullable<StepRecord['model_turn']> })[] {
  return run.steps.filter((s): s is StepRecord & { model_turn: NonNullable<StepRecord['model_turn']> } => s.kind === 'model' && !!s.model_turn);
}

export function modelTurnTokens(run: RunSnapshot): ModelTurnTokens[] {
  return modelSteps(run)
    .map((s) => ({ stepId: s.step_id, turn: s.model_turn.turn, tokensIn: s.tokens_in, tokensOut: s.tokens_out, toolCalls: s.model_turn.tool_calls.length, ...(s.model_turn.reasoning ? { reasoning: s.model_turn.reasoning } : {}) }))
    .sort((a, b) => a.turn - b.turn);
}

/** The figures of an agent run, from its steps (undefined for a run without model turns). */
export function agentRunFigures(run: RunSnapshot): AgentRunFigures | undefined {
  const turns = modelSteps(run);
  if (!turns.length) return undefined;
  const first = turns.reduce((a, b) => (a.model_turn.turn <= b.model_turn.turn ? a : b));
  const goal = (first.args as { goal?: unknown } | undefined)?.goal;
  const calls = run.steps.filter((s) => s.kind !== 'model' && !s.parent_id);
  return {
    mode: first.model_turn.mode,
    model: first.model_turn.model,
    goal: typeof goal === 'string' ? goal : '',
    turns: turns.length,
    tokensIn: turns.reduce((n, s) => n + s.tokens_in, 0),
    tokensOut: turns.reduce((n, s) => n + s.tokens_out, 0),
    cost: turns.reduce((n, s) => n + s.cost_est, 0),
    toolCalls: calls.length,
    denied: calls.filter((s) => s.decision.startsWith('denied_')).length,
    ...(run.end ? { wallMs: run.end.duration_ms, status: run.end.status } : {}),
  };
}

function startMs(run: RunSnapshot): number {
  const t = Date.parse(run.header?.started_at ?? run.steps[0]?.started_at ?? '');
  return Number.isFinite(t) ? t : 0;
}

/**
 * The direct and code runs of one A/B comparison that `run` belongs to: the same goal and model in the other
 * mode, run next to it (direct first, then code; the nearest such run on the right side in time, with no
 * other run of the same goal and mode between them).
 */
export function agentPairOf(run: RunSnapshot, runs: readonly RunSnapshot[]): { direct: RunSnapshot; code: RunSnapshot } | undefined {
  const figures = agentRunFigures(run);
  if (!figures) return undefined;
  const same = runs
    .map((r) => ({ r, f: r === run ? figures : agentRunFigures(r) }))
    .filter((x): x is { r: RunSnapshot; f: AgentRunFigures } => !!x.f && x.f.goal === figures.goal && x.f.model === figures.model)
    .sort((a, b) => startMs(a.r) - startMs(b.r));
  const at = same.findIndex((x) => x.r.id === run.id);
  const partner = figures.mode === 'direct' ? same[at + 1] : same[at - 1];
  if (!partner || partner.f.mode === figures.mode) return undefined;
  return figures.mode === 'direct' ? { direct: run, code: partner.r } : { direct: partner.r, code: run };
}
