// Checking an agent spec — a session file's "agent" block, or what the CLI's flags make — and resolving
// its limits over the defaults. Messages name the field and what it must be.
import { AGENT_LIMIT_BOUNDS, DEFAULT_AGENT_LIMITS, type AgentLimits, type AgentSpec } from './types';

const SPEC_KEYS = new Set(['goal', 'model', 'mode', 'limits', 'system']);
const MODES = new Set(['direct', 'code', 'both']);

/** Merges limits over the defaults; throws a RangeError naming the limit when one is out of range. */
export function resolveAgentLimits(partial: Partial<AgentLimits> = {}): AgentLimits {
  const limits = { ...DEFAULT_AGENT_LIMITS };
  for (const [key, value] of Object.entries(partial) as [keyof AgentLimits, unknown][]) {
    if (value === undefined) continue;
    const bounds = AGENT_LIMIT_BOUNDS[key];
    if (!bounds) throw new RangeError(`Unknown agent limit '${key}'. Known: ${Object.keys(AGENT_LIMIT_BOUNDS).join(', ')}.`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < bounds[0] || value > bounds[1]) {
      throw new RangeError(`Agent limit ${key} must be a number from ${bounds[0]} to ${bounds[1]} (got ${JSON.stringify(value)}).`);
    }
    limits[key] = value;
  }
  return limits;
}

/** What is wrong with an "agent" block (empty when nothing is), and the spec when it can run. */
export function checkAgentSpec(value: unknown): { spec?: AgentSpec; problems: string[] } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problems: ['"agent" must be an object with at least "goal".'] };
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(v)) if (!SPEC_KEYS.has(key)) problems.push(`Unknown agent setting "${key}". Known: ${[...SPEC_KEYS].join(', ')}.`);
  if (typeof v.goal !== 'string' || !v.goal.trim()) problems.push('agent.goal must be a non-empty string: what the model should achieve.');
  if (v.model !== undefined && (typeof v.model !== 'string' || !v.model.trim())) problems.push('agent.model must be a model name such as "gpt-4o".');
  if (v.mode !== undefined && !MODES.has(v.mode as string)) problems.push('agent.mode must be "direct", "code" or "both".');
  if (v.system !== undefined && typeof v.system !== 'string') problems.push('agent.system must be a string.');
  if (v.limits !== undefined) {
    try {
      if (!v.limits || typeof v.limits !== 'object' || Array.isArray(v.limits)) throw new RangeError('agent.limits must be an object such as {"maxTurns": 10}.');
      resolveAgentLimits(v.limits as Partial<AgentLimits>);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) return { problems };
  return { spec: v as unknown as AgentSpec, problems };
}
