// Agent sessions as hosts start them: a spec run in one mode or in both (the A/B comparison), and the
// replay of a recorded run, compared call by call with the recording.
import type { StepRecord } from '../../protocol/trace';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';
import type { OpenRun, RunOpts } from '../run/types';
import type { SandboxLimits } from '../sandbox/types';
import type { PriceTable } from '../tokens/index';
import { compareRuns, type AgentComparison } from './compare';
import { loadRecording, ReplayProvider, type Recording } from './replay';
import { runAgent } from './runner';
import { resolveAgentLimits } from './spec';
import type { CodeSandbox } from './tools';
import type { AgentLimits, AgentMode, AgentRunResult, AgentSpec, ModelProvider } from './types';

export const DEFAULT_AGENT_MODEL = 'gpt-4o';
/** The model an Anthropic provider uses when none is named. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';

export interface AgentHost {
  service: { open(opts: RunOpts): Promise<OpenRun> };
  sandbox: CodeSandbox;
  sandboxLimits?: Partial<SandboxLimits>;
  prices?: PriceTable;
  servers?: string[];
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  signal?: AbortSignal;
  /** Each run as it ends (so a host can print the first mode's figures while the second runs). */
  onRun?: (result: AgentRunResult) => void;
}

export interface AgentSessionResult {
  runs: AgentRunResult[];
  /** With mode 'both': direct vs code. */
  comparison?: AgentComparison;
}

/** Runs a spec: its mode, or direct then code (each a run of its own, with its own trace) for 'both'. */
export async function runAgentSpec(host: AgentHost, spec: AgentSpec, provider: ModelProvider, limits?: AgentLimits): Promise<AgentSessionResult> {
  const modes: AgentMode[] = spec.mode === 'both' ? ['direct', 'code'] : [spec.mode ?? 'direct'];
  const resolved = limits ?? resolveAgentLimits(spec.limits);
  const runs: AgentRunResult[] = [];
  for (const mode of modes) {
    if (host.signal?.aborted) break;
    const result = await runAgent({ ...inputOf(host), provider, goal: spec.goal, model: spec.model ?? DEFAULT_AGENT_MODEL, mode, limits: resolved, ...(spec.system ? { system: spec.system } : {}) });
    runs.push(result);
    host.onRun?.(result);
  }
  return { runs, ...(runs.length === 2 ? { comparison: compareRuns(spec.goal, runs[0], runs[1]) } : {}) };
}

/** A tool call of the replay that differs from the recording's (or has no counterpart). */
export interface CallMismatch {
  step: string;
  recorded?: string;
  replayed?: string;
}

export interface ReplayResult {
  run: AgentRunResult;
  recording: Recording;
  /** Empty when the replay made exactly the recorded tool calls (tool, arguments, decision). */
  callMismatches: CallMismatch[];
}

/** Re-runs a recorded agent run: the model's turns from the recording, the tools live through the guards. */
export async function replayAgent(host: AgentHost, traceFile: string, limits?: Partial<AgentLimits>): Promise<ReplayResult> {
  const recording = loadRecording(traceFile);
  const provider = new ReplayProvider(recording);
  const run = await runAgent({
    ...inputOf(host),
    ...(host.servers ? {} : recording.servers.length ? { servers: recording.servers } : {}),
    provider,
    goal: recording.goal,
    model: recording.model,
    mode: recording.mode,
    // The recording decides how many turns there are; the other limits still hold.
    limits: resolveAgentLimits({ ...limits, maxTurns: Math.max(limits?.maxTurns ?? 0, recording.turns.length + 1) }),
    name: `replay of ${recording.file.split(/[\\/]/).pop()}`,
    divergences: () => provider.divergences,
  });
  host.onRun?.(run);
  return { run, recording, callMismatches: compareCalls(recording.toolSteps, run.session.steps.filter((s) => s.kind !== 'model')) };
}

function inputOf(host: AgentHost) {
  return {
    service: host.service,
    sandbox: host.sandbox,
    ...(host.sandboxLimits ? { sandboxLimits: host.sandboxLimits } : {}),
    ...(host.prices ? { prices: host.prices } : {}),
    ...(host.servers ? { servers: host.servers } : {}),
    ...(host.policy ? { policy: host.policy } : {}),
    ...(host.guardrails ? { guardrails: host.guardrails } : {}),
    ...(host.signal ? { signal: host.signal } : {}),
  };
}

function callKey(s: StepRecord): string {
  return `${s.server}/${s.tool} ${JSON.stringify(s.args)} → ${s.decision}`;
}

function compareCalls(recorded: StepRecord[], replayed: StepRecord[]): CallMismatch[] {
  const out: CallMismatch[] = [];
  for (let i = 0; i < Math.max(recorded.length, replayed.length); i++) {
    const a = recorded[i] && callKey(recorded[i]);
    const b = replayed[i] && callKey(replayed[i]);
    if (a !== b) out.push({ step: recorded[i]?.step_id ?? replayed[i].step_id, ...(a ? { recorded: a } : {}), ...(b ? { replayed: b } : {}) });
  }
  return out;
}
