// `mcp-harness agent --goal "…"`: a model works toward the goal with the workspace's servers, every call
// through the guards, every turn and call in the trace; `--mode both` compares direct and code mode;
// `--replay TRACE` re-runs a recorded run without a model. `mcp-harness run` of a session file with an
// "agent" block comes here too.
import { resolve } from 'node:path';
import {
  AnthropicProvider,
  DEFAULT_AGENT_MODEL,
  DEFAULT_ANTHROPIC_MODEL,
  OpenAIProvider,
  comparisonBase,
  comparisonMarkdown,
  maskedGoal,
  replayAgent,
  resolveAgentLimits,
  runAgentSpec,
  type AgentHost,
  type AgentLimits,
  type AgentRunResult,
  type AgentSpec,
  type ModelProvider,
  type StopReason,
  writeComparisonFiles,
} from '../../core/agent/index';
import { figuresOf, type AgentComparison } from '../../core/agent/compare';
import type { SessionFile } from '../../core/session/parse';
import { defaultSandboxPool } from '../../core/sandbox/session-step';
import { sandboxLimitsFromSettings } from '../../core/sandbox/settings';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand, type CliIO } from '../io';
import { OTLP_USAGE } from '../otel';
import { asCliRun, openRunEnvironment, RUN_ENVIRONMENT_OPTIONS, type CliRunContext } from '../runEnvironment';
import { failureExit } from '../workspace';
import { TIMEOUT_USAGE } from '../serverHints';

const LIMIT_FLAGS: Record<keyof AgentLimits, string> = { maxTurns: 'max-turns', maxTokens: 'max-tokens', maxCostUsd: 'max-cost', wallTimeMs: 'wall-time-ms' };
const STOP_FLAGS: Partial<Record<StopReason, string>> = { max_turns: '--max-turns', max_tokens: '--max-tokens', max_cost: '--max-cost', wall_time: '--wall-time-ms' };

export const agentCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness agent --goal "…" [--mode direct|code|both] [--model NAME] [--provider openai|anthropic]',
    '                         [--base-url URL] [--servers a,b] [--max-turns N] [--max-tokens N] [--max-cost USD]',
    '                         [--wall-time-ms N] [--system TEXT] [--report FILE.json] [--policy FILE] [--yes]',
    '                         [--timeout-ms N] [--workspace DIR] [--trace-dir DIR] [--json]',
    '       mcp-harness agent --replay TRACE [--workspace DIR] [--json]',
    '',
    'The model sees the tools of the servers (direct mode, named server__tool) or two tools, search_tools and',
    'run_code (code mode: it writes sandbox code that calls the tools). Every call passes the guards (schema,',
    'policy, pins, output guardrails); a denial is given to the model as the tool\'s result. Secrets and PII in',
    'the goal are redacted before the model sees it. Each run writes a trace that records the model\'s turns.',
    '',
    '  --goal TEXT       what the model should achieve (required unless --replay)',
    '  --mode M          direct (default), code, or both: run both and print a comparison, written as a report',
    '                    section to --report FILE.json and FILE.md (default: next to the traces)',
    '  --model NAME      the model (default gpt-4o, with --provider anthropic claude-sonnet-4-5; claude-* models',
    '                    use the Anthropic provider)',
    '  --provider P      openai (any OpenAI-compatible endpoint) or anthropic',
    '  --base-url URL    the endpoint, e.g. http://127.0.0.1:8080/v1 for a local server',
    '                    Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY and are never printed or traced.',
    '  --thinking-budget N  Anthropic: let the model think with N tokens (at least 1024); its thinking is recorded',
    '                    as each turn\'s reasoning (redacted). OpenAI-compatible servers\' reasoning text is recorded as given.',
    '  --servers a,b     only these servers (default: every server of the workspace)',
    '  --max-turns N     model turns at most (default 20)',
    '  --max-tokens N    model tokens in + out over the run (default 200000)',
    '  --max-cost USD    estimated model cost (default: no cap; prices from mcpHarness.prices)',
    '  --wall-time-ms N  wall time of the run (default 300000)',
    '  --system TEXT     instructions before the goal (a default per mode explains the tools)',
    TIMEOUT_USAGE,
    OTLP_USAGE,
    '  --replay TRACE    re-run a recorded agent run without a model: the tools run live through the guards,',
    '                    the model\'s turns come from TRACE; a tool result that changed is reported as a divergence',
    '',
    'Ctrl-C (or SIGTERM) stops the run: the servers are stopped and the run so far is printed and traced.',
    '',
    'Exit codes: 0 the model answered (a replay: and nothing diverged), 1 it stopped on a limit, failed or',
    'diverged, 2 bad arguments, 3 a server could not be started, 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM.',
  ].join('\n'),
  options: {
    goal: { type: 'string', short: 'g' },
    mode: { type: 'string' },
    model: { type: 'string', short: 'm' },
    provider: { type: 'string' },
    'base-url': { type: 'string' },
    'thinking-budget': { type: 'string' },
    servers: { type: 'string' },
    'max-turns': { type: 'string' },
    'max-tokens': { type: 'string' },
    'max-cost': { type: 'string' },
    'wall-time-ms': { type: 'string' },
    system: { type: 'string' },
    replay: { type: 'string' },
    report: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    'timeout-ms': { type: 'string' },
    ...RUN_ENVIRONMENT_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  interruptible: { stopping: 'stopping the model and the tool call under way, and keeping the run so far' },
  async run({ values, json, signal }, io) {
    const limits = limitFlags(values);
    if (typeof values.replay === 'string') return replay(values, limits, io, json, signal);
    if (typeof values.goal !== 'string' || !values.goal.trim()) throw new UsageError('say what the model should achieve with --goal "…" (or replay a recorded run with --replay TRACE).');
    const mode = values.mode ?? 'direct';
    if (mode !== 'direct' && mode !== 'code' && mode !== 'both') throw new UsageError(`--mode must be direct, code or both (got '${String(mode)}').`);
    // Without --model, the provider's own default: --provider anthropic must not send an OpenAI model name.
    const model = typeof values.model === 'string' ? values.model : values.provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : DEFAULT_AGENT_MODEL;
    const spec: AgentSpec = { goal: values.goal, mode, model, ...(typeof values.system === 'string' ? { system: values.system } : {}), limits };
    const provider = createProvider(values, io, model);
    const run = await openRunEnvironment(values, io, { timeoutFlag: true, signal });
    try {
      return await runSpec(run, spec, provider, values, io, json);
    } finally {
      await run.close();
    }
  },
};

/** Runs an agent spec in an open CLI environment (the agent command, and `run` of a session with "agent"). */
export async function runSpec(run: CliRunContext, spec: AgentSpec, provider: ModelProvider, values: Record<string, unknown>, io: CliIO, json: boolean, session?: SessionFile): Promise<number> {
  run.ws.reportProblems(json);
  const host: AgentHost = {
    ...hostFor(run, values, io, session?.servers),
    ...(session?.policy ? { policy: session.policy } : {}),
    ...(session?.guardrails ? { guardrails: session.guardrails } : {}),
  };
  if (!json) io.stdout(`Goal: ${maskedGoal(spec.goal)}\n`);
  const result = await asCliRun(runAgentSpec(host, spec, provider, resolveLimits(spec.limits)));
  if (result.comparison) {
    const files = writeComparison(result.comparison, values, run, io);
    if (!json) io.stdout(`\n${comparisonMarkdown(result.comparison)}\nreport: ${files.join(', ')}\n`);
  }
  if (json) io.stdout(JSON.stringify({ runs: result.runs.map(summary), ...(result.comparison ? { comparison: result.comparison } : {}) }) + '\n');
  else for (const r of result.runs) printRun(r, io);
  return result.runs.every((r) => r.outcome === 'answered') ? EXIT_OK : failureExit(run.ws);
}

async function replay(values: Record<string, unknown>, limits: Partial<AgentLimits>, io: CliIO, json: boolean, signal: AbortSignal): Promise<number> {
  const run = await openRunEnvironment(values, io, { timeoutFlag: true, signal });
  try {
    run.ws.reportProblems(json);
    const out = await asCliRun(replayAgent(hostFor(run, values, io), resolve(io.cwd, values.replay as string), limits)).catch((err: Error) => {
      throw err instanceof UsageError ? err : new UsageError(err.message);
    });
    const diverged = out.run.divergences.length > 0 || out.callMismatches.length > 0;
    if (json) io.stdout(JSON.stringify({ ...summary(out.run), divergences: out.run.divergences, call_mismatches: out.callMismatches }) + '\n');
    else {
      printRun(out.run, io);
      for (const d of out.run.divergences) io.stdout(`DIVERGED at model turn ${d.turn}: ${d.message}\n`);
      for (const m of out.callMismatches) io.stdout(`CALL DIFFERS at ${m.step}: recorded ${m.recorded ?? '(none)'}; replayed ${m.replayed ?? '(none)'}\n`);
      io.stdout(diverged ? 'The replay diverged from the recording.\n' : 'The replay made the recorded tool calls and the model was given the recorded results.\n');
    }
    return out.run.outcome === 'answered' && !diverged ? EXIT_OK : failureExit(run.ws);
  } finally {
    await run.close();
  }
}

function hostFor(run: CliRunContext, values: Record<string, unknown>, io: CliIO, fromSession?: string[]): AgentHost {
  const known = run.ws.definitions.map((d) => d.id);
  const servers = typeof values.servers === 'string' ? values.servers.split(',').map((s) => s.trim()).filter(Boolean) : fromSession;
  const unknown = (servers ?? []).filter((s) => !known.includes(s));
  if (unknown.length) throw new UsageError(`no MCP server named ${unknown.map((s) => `'${s}'`).join(', ')} in this workspace (known: ${known.join(', ') || 'none'}).`);
  return {
    service: run.service,
    sandbox: defaultSandboxPool(),
    sandboxLimits: sandboxLimitsFromSettings(run.read, (m) => io.stderr(`mcp-harness: ${m}\n`)),
    prices: run.settings.prices,
    signal: run.signal,
    ...(servers ? { servers } : {}),
  };
}

/** The model provider: --provider, else anthropic for claude-* models; keys from the environment only. */
export function createProvider(values: Record<string, unknown>, io: CliIO, model: string): ModelProvider {
  const name = typeof values.provider === 'string' ? values.provider : /^claude/i.test(model) ? 'anthropic' : 'openai';
  const flag = typeof values['base-url'] === 'string' ? values['base-url'] : undefined;
  try {
    if (name === 'openai') return new OpenAIProvider({ apiKey: io.env.OPENAI_API_KEY, baseURL: baseUrl(flag, 'OPENAI_BASE_URL', io) });
    if (name === 'anthropic') return new AnthropicProvider({ apiKey: io.env.ANTHROPIC_API_KEY, baseURL: baseUrl(flag, 'ANTHROPIC_BASE_URL', io), ...thinkingBudget(values) });
  } catch (err) {
    // A bad flag says so itself; a provider refusing to start lacks its key.
    if (err instanceof UsageError) throw err;
    // Only an OpenAI-compatible local server may do without a key.
    throw new UsageError(`${(err as Error).message} Set it in the environment${name === 'openai' ? ', or pass --base-url for a local server' : ''}.`);
  }
  throw new UsageError(`--provider must be openai or anthropic (got '${name}').`);
}

/** --base-url, else the provider's environment variable: an http(s) URL, refused before any server starts. */
function baseUrl(flag: string | undefined, envName: string, io: CliIO): string | undefined {
  const value = flag ?? (io.env[envName] || undefined);
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`${flag !== undefined ? '--base-url' : envName} must be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1 (got '${value}').`);
  }
  return value;
}

function thinkingBudget(values: Record<string, unknown>): { thinkingBudgetTokens?: number } {
  const raw = values['thinking-budget'];
  if (typeof raw !== 'string') return {};
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 1_000_000) throw new UsageError(`--thinking-budget must be a whole number of tokens from 1024 to 1000000 (got '${raw}').`);
  return { thinkingBudgetTokens: n };
}

function limitFlags(values: Record<string, unknown>): Partial<AgentLimits> {
  const limits: Partial<AgentLimits> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as [keyof AgentLimits, string][]) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const n = Number(raw);
    if (!raw.trim() || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number (got '${raw}').`);
    limits[key] = n;
  }
  resolveLimits(limits);
  return limits;
}

/** Limits over the defaults; an out-of-range value names its flag. */
function resolveLimits(limits: Partial<AgentLimits> | undefined): AgentLimits {
  try {
    return resolveAgentLimits(limits);
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^Agent limit (\w+)/, (_m, k: keyof AgentLimits) => `--${LIMIT_FLAGS[k] ?? k} (agent.limits.${k})`));
  }
}

function writeComparison(c: AgentComparison, values: Record<string, unknown>, run: CliRunContext, io: CliIO): string[] {
  const base = typeof values.report === 'string' ? resolve(io.cwd, values.report).replace(/\.json$/i, '') : comparisonBase(run.service.env.traceDir ?? run.ws.folder);
  return writeComparisonFiles(c, base);
}

function summary(r: AgentRunResult) {
  return {
    ...figuresOf(r),
    model: r.model,
    provider: r.provider,
    ...(r.stopReason ? { message: hostMessage(r) } : {}),
    ...(r.answer !== undefined ? { answer: r.answer } : {}),
    session_id: r.session.session_id,
  };
}

/** The core's message plus the flag that raises the limit. */
function hostMessage(r: AgentRunResult): string {
  const flag = r.stopReason && STOP_FLAGS[r.stopReason];
  return `${r.message ?? ''}${flag ? ` Pass ${flag} to allow more.` : ''}`;
}

function printRun(r: AgentRunResult, io: CliIO): void {
  const head = r.outcome === 'answered' ? 'ANSWERED' : r.outcome === 'error' ? 'ERROR' : `STOPPED (${r.stopReason})`;
  io.stdout(
    `\n[${r.mode}] ${head}: ${count(r.turns, 'turn')}, ${count(r.toolCalls, 'tool call')}${r.denied ? ` (${r.denied} denied)` : ''}, ` +
      `${r.tokensIn}+${r.tokensOut} model tokens, ~$${r.costUsd.toFixed(6)}, ${r.wallMs} ms\n`,
  );
  if (r.outcome !== 'answered') io.stdout(`${hostMessage(r)}\n`);
  if (r.answer) io.stdout(`${r.answer}\n`);
  if (r.session.trace_file) io.stdout(`trace: ${r.session.trace_file}\n`);
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
