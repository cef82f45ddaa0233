// The property suite: for each tool the lab may call, inputs generated from its inputSchema must give a
// result (not a protocol error, a crash or a hang) and a structuredContent that matches its outputSchema;
// inputs that break the schema must be refused cleanly; annotations must be true (annotations.ts).
// A failing input is shrunk by fast-check and saved as a replayable session file.
import fc from 'fast-check';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { canonicalJson } from '../util/canonical';
import { sharedSchemaCache } from '../guards/schema';
import { arbitraryForTool } from './schemaArbitrary';
import { invalidProbes } from './invalidInputs';
import { Prober, type Probe } from './probe';
import { saveCounterexample } from './replay';
import { checkAnnotations, fitsBefore, formatMs, SLOW_CALL_MS, type AnnotationTime } from './annotations';
import { labPolicy, selectTools } from './selection';
import { suitePlan } from './budget';
import type { LabFinding, LabRun, SuiteContext, SuiteResult } from './types';

/** Runs per tool when the budget allows; fast-check's own default. */
export const MAX_RUNS_PER_TOOL = 100;
/** Extra time to finish shrinking a failure found just before the tool's time ran out. */
export const SHRINK_ALLOWANCE_MS = 15_000;
/** The share of the suite's time for valid inputs; the annotation checks and the invalid inputs split the rest. */
export const VALID_SHARE = 0.7;

interface PropsStats {
  tools: number;
  exercised: string[];
  skipped: { tool: string; reason: string }[];
  generated_calls: number;
  runs_per_tool: Record<string, number>;
  unsupported_keywords: Record<string, string[]>;
  invalid_probes: number;
  invalid_probes_delivered: number;
  annotation_checks: number;
  /** Tools whose valid calls took SLOW_CALL_MS or more (median), or hung: ms per call and calls measured. */
  slow_tools: Record<string, { median_ms: number; calls: number; hung: boolean }>;
  /** Checks not started because the tool's calls, at their pace, would not have ended within the suite's time. */
  left_out: { tool: string; check: 'read_only' | 'idempotent' | 'invalid_inputs'; reason: string }[];
}

/** How one tool's valid calls went: what the later checks plan with. */
export interface ToolPace {
  /** The latencies of the calls that came back with an answer, ms. */
  answeredMs: number[];
  /** A call got no answer within the call timeout. */
  hung: boolean;
}

function medianMs(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** What a call of the tool is expected to take: the call timeout once it hung, else the median of its answers. */
function expectedMs(pace: ToolPace | undefined, callTimeoutMs: number): number | undefined {
  if (!pace) return undefined;
  return pace.hung ? callTimeoutMs : medianMs(pace.answeredMs);
}

/**
 * A signal that ends at `endsAt` (by the lab's clock) or with the suite's own signal: every call of the suite gets
 * it, so a slow call under way at the end of the suite's time is cancelled (and says nothing) instead of running on.
 */
function endOfTime(ctx: SuiteContext, now: () => number, endsAt: number): { signal: AbortSignal; dispose(): void } {
  const ended = new AbortController();
  const follow = () => ended.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) follow();
  else ctx.signal?.addEventListener('abort', follow, { once: true });
  const timer = setTimeout(() => ended.abort(new Error(`the props suite's time of ${formatMs(ctx.budgetMs)} ended`)), Math.min(Math.max(0, endsAt - now()), 2 ** 31 - 1));
  return {
    signal: ended.signal,
    dispose: () => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', follow);
    },
  };
}

export async function runPropsSuite(ctx: SuiteContext): Promise<Omit<SuiteResult, 'score' | 'weight'>> {
  const findings: LabFinding[] = [];
  const run = await ctx.host.openRun({ name: `lab props ${ctx.server}`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs) });
  const prober = new Prober(ctx.host, ctx.server, 'props');
  const stats: PropsStats = { tools: 0, exercised: [], skipped: [], generated_calls: 0, runs_per_tool: {}, unsupported_keywords: {}, invalid_probes: 0, invalid_probes_delivered: 0, annotation_checks: 0, slow_tools: {}, left_out: [] };
  const plan = suitePlan(ctx);
  const time = endOfTime(ctx, plan.now, plan.endsAt);
  const paces = new Map<string, ToolPace>();
  const expected = (tool: string) => expectedMs(paces.get(tool), ctx.callTimeoutMs);
  const paceWords = (tool: string): string => {
    const pace = paces.get(tool);
    if (pace?.hung) return `a call of it got no answer within the call timeout of ${formatMs(ctx.callTimeoutMs)}`;
    const ms = expected(tool) ?? 0;
    return ms >= SLOW_CALL_MS ? `its calls take about ${formatMs(ms)}` : 'the time was used up';
  };
  let exercised: Tool[] = [];
  try {
    try {
      const tools = (await run.listTools()).filter((t) => t.server === ctx.server).map((t) => t.tool);
      const selection = selectTools(tools, ctx.allowDestructive);
      exercised = selection.exercised;
      Object.assign(stats, { tools: tools.length, exercised: exercised.map((t) => t.name), skipped: selection.skipped });
      // Valid inputs take most of the time; the fixed probes and annotation checks are few calls each.
      const validEndsAt = plan.endsAt - (1 - VALID_SHARE) * ctx.budgetMs;
      for (const [index, tool] of exercised.entries()) {
        if (ctx.signal?.aborted) break;
        ctx.progress(`props: ${tool.name} (${index + 1}/${exercised.length})`);
        const seed = (ctx.seed + index * 7919) | 0;
        const gen = arbitraryForTool(tool.inputSchema);
        if (gen.unsupported.length) {
          stats.unsupported_keywords[tool.name] = gen.unsupported;
          findings.push({ suite: 'props', kind: 'props.unsupported_keywords', severity: 'info', tool: tool.name, message: `Inputs for ${tool.name} ignore these schema keywords (the generator does not support them): ${gen.unsupported.join(', ')}.` });
        }
        // What is left of the valid inputs' time, shared by the tools still to go: time a quick tool does not use
        // passes on; a slow call that overruns it is taken from the tools after it. Every tool gets its first call.
        const timeLimit = Math.max(0, validEndsAt - plan.now()) / (exercised.length - index);
        const outcome = await validInputs(ctx, run, prober, tool, gen.arbitrary, seed, timeLimit, findings, { signal: time.signal });
        stats.generated_calls += outcome.calls;
        stats.runs_per_tool[tool.name] = outcome.runs;
        paces.set(tool.name, outcome.pace);
      }
      // The annotation checks take half of what is left; the invalid inputs the rest.
      const annotationsEndAt = plan.now() + Math.max(0, plan.endsAt - plan.now()) / 2;
      const annotations = await checkAnnotations(ctx, run, prober, exercised, tools, findings, { now: plan.now, endsAt: annotationsEndAt, signal: time.signal, expectedMs: expected, paceWords });
      stats.annotation_checks = annotations.checks;
      stats.left_out.push(...annotations.leftOut);
    } finally {
      await run.end();
    }
    await invalidInputSuite(ctx, stats, findings, { now: plan.now, endsAt: plan.endsAt, signal: time.signal, expectedMs: expected, paceWords });
  } finally {
    time.dispose();
  }
  for (const tool of exercised) {
    const pace = paces.get(tool.name);
    const median = medianMs(pace?.answeredMs ?? []);
    if (!pace || (!pace.hung && (median === undefined || median < SLOW_CALL_MS))) continue;
    stats.slow_tools[tool.name] = { median_ms: Math.round(median ?? ctx.callTimeoutMs), calls: pace.answeredMs.length + (pace.hung ? 1 : 0), hung: pace.hung };
    // A hang has its own finding; a tool that answers, slowly, gets this one.
    if (!pace.hung) findings.push(slowFinding(tool, median!, pace.answeredMs.length, stats));
  }
  // The suite's time ended with work under way (a call it cancelled, tools it did not reach), or a quick tool's checks
  // did not fit in what was left: partial. Fewer checks for a slow tool are the plan, and its finding says so.
  const cut = (time.signal.aborted && !ctx.signal?.aborted) || stats.left_out.some((l) => !stats.slow_tools[l.tool]);
  return { suite: 'props', ran: true, findings, stats: { ...stats }, ...(cut ? { stopped: 'budget' as const } : {}) };
}

function slowFinding(tool: Tool, medianMs: number, calls: number, stats: PropsStats): LabFinding {
  const runs = stats.runs_per_tool[tool.name] ?? calls;
  const leftOut = stats.left_out.filter((l) => l.tool === tool.name).map((l) => l.check.replace('_', '-'));
  const asTask = tool.execution?.taskSupport === 'required' || tool.execution?.taskSupport === 'optional';
  return {
    suite: 'props',
    kind: 'props.slow',
    // A task-based tool is made for long work; any other makes the model (and the user) wait for each call.
    severity: asTask ? 'info' : 'minor',
    tool: tool.name,
    message:
      `${tool.name} is slow: its valid calls took ${formatMs(medianMs)} each (median of ${calls}), so the lab tried ${runs} of the ${MAX_RUNS_PER_TOOL} inputs it generates for a tool` +
      (leftOut.length ? ` and left out its ${leftOut.join(' and ')} check${leftOut.length === 1 ? '' : 's'}` : '') +
      `. ${asTask ? 'It runs as a task, so a long call is what it is made for; a larger budget tests more of its inputs.' : 'An agent waits for every call; a larger budget tests more of its inputs.'}`,
  };
}

/** The valid-input property for one tool (exported for the bench, which measures its cost per call). */
export async function validInputs(
  ctx: SuiteContext,
  run: LabRun,
  prober: Prober,
  tool: Tool,
  arbitrary: fc.Arbitrary<Record<string, unknown>>,
  seed: number,
  timeLimitMs: number,
  findings: LabFinding[],
  options: { signal?: AbortSignal } = {},
): Promise<{ calls: number; runs: number; pace: ToolPace }> {
  const now = ctx.now ?? Date.now;
  let calls = 0;
  const pace: ToolPace = { answeredMs: [], hung: false };
  const failures = new Map<string, Probe>();
  const outputProblems = new Set<string>();
  const huge = { calls: 0, detail: '' };
  const needsUser = { calls: 0, detail: '' };
  // No new input starts after `until`; the one under way ends (at most a call timeout, or the suite's end).
  // fast-check's own time limits are not used: they stop waiting for the call under way, which then runs on.
  let until = now() + timeLimitMs;
  const valid = arbitrary.filter((args) => sharedSchemaCache.check(tool.inputSchema, args).valid);
  const property = fc.asyncProperty(valid, async (args) => {
    if (ctx.signal?.aborted || options.signal?.aborted) return true;
    if (calls > 0 && now() >= until) return true;
    calls++;
    const probe = await prober.call(run, tool.name, args, tool.name, options.signal);
    if (probe.outcome === 'hang') pace.hung = true;
    else if (probe.outcome !== 'cancelled' && probe.outcome !== 'denied' && probe.call.record) pace.answeredMs.push(probe.call.record.latency_ms);
    for (const f of probe.call.record?.findings ?? []) {
      if (f.kind === 'schema.output_mismatch' || f.kind === 'schema.output_missing') outputProblems.add(f.message);
      if (f.kind === 'truncated') {
        huge.calls++;
        huge.detail ||= f.message;
      }
    }
    if (probe.outcome === 'needs_user') {
      // A defined answer, not a failure: the server needs a person at a browser first, and the lab runs unattended.
      needsUser.calls++;
      needsUser.detail ||= probe.detail;
      return true;
    }
    if (probe.outcome === 'result' || probe.outcome === 'tool_error' || probe.outcome === 'denied' || probe.outcome === 'cancelled') return true;
    failures.set(canonicalJson(args), probe);
    return false;
  });
  // The search ends at the first failure, without shrinking: shrinking a hang costs a call timeout per step.
  let details = await fc.check(property, { seed, numRuns: MAX_RUNS_PER_TOOL, endOnFailure: true });
  const runs = calls;
  const lastFailure = [...failures.values()].pop();
  if (details.failed && details.counterexamplePath && lastFailure && lastFailure.outcome !== 'hang') {
    // A crash or an error is shrunk from where the search found it, on what is left of the tool's time plus its
    // own allowance (each step may crash and restart the server), so the saved input is the small one.
    until = Math.max(until, now()) + SHRINK_ALLOWANCE_MS;
    const shrunk = await fc.check(property, { seed, path: details.counterexamplePath });
    if (shrunk.failed && shrunk.counterexample) details = { ...shrunk, numRuns: details.numRuns, numShrinks: shrunk.numShrinks };
  }
  if (outputProblems.size) {
    findings.push({ suite: 'props', kind: 'props.output_schema', severity: 'major', tool: tool.name, message: `${tool.name}'s structuredContent does not match its outputSchema: ${[...outputProblems].slice(0, 3).join(' ')}` });
  }
  if (huge.calls) {
    findings.push({ suite: 'props', kind: 'props.huge_output', severity: 'minor', tool: tool.name, message: `${tool.name} returned a huge result for ${huge.calls} of ${calls} valid inputs: ${huge.detail} A model pays for every token it reads; page, filter or summarise large results.` });
  }
  if (needsUser.calls) {
    findings.push({
      suite: 'props',
      kind: 'props.needs_user',
      severity: 'info',
      tool: tool.name,
      message: `${tool.name} asked for a page to be opened in a browser first (URLElicitationRequiredError, -32042) on ${needsUser.calls} of ${calls} valid inputs; the lab runs unattended and opens no page, so those calls say nothing about the tool. ${needsUser.detail}`,
    });
  }
  if (details.failed && details.counterexample) {
    const args = details.counterexample[0] as Record<string, unknown>;
    const probe = failures.get(canonicalJson(args)) ?? [...failures.values()].pop();
    const what = describe(probe);
    const replay = saveCounterexample(ctx.outDir, { server: ctx.server, tool: tool.name, args, seed, problem: what.problem, callTimeoutMs: ctx.callTimeoutMs });
    findings.push({
      suite: 'props',
      kind: what.kind,
      severity: what.severity,
      tool: tool.name,
      input: args,
      replay,
      message: `A valid input to ${tool.name} ${what.problem} (found after ${runs} runs, shrunk ${details.numShrinks} times; seed ${seed}): ${JSON.stringify(args).slice(0, 300)}. Replay it with \`mcp-harness run ${replay}\`.`,
    });
  }
  return { calls, runs, pace };
}

function describe(probe: Probe | undefined): { kind: string; severity: LabFinding['severity']; problem: string } {
  switch (probe?.outcome) {
    case 'crash':
      return { kind: 'props.crash', severity: 'critical', problem: `made the server process exit (${probe.detail})` };
    case 'hang':
      return { kind: 'props.hang', severity: 'major', problem: `got no answer within the call timeout (${probe.detail})` };
    case 'unreachable':
      return { kind: 'props.unreachable', severity: 'critical', problem: `left the server unreachable (${probe.detail})` };
    default:
      // The SDK client checks structuredContent against outputSchema itself and turns a mismatch into an error.
      if (/output schema/i.test(probe?.detail ?? '')) return { kind: 'props.output_schema', severity: 'major', problem: `returned structuredContent that does not match its outputSchema (${probe?.detail})` };
      return { kind: 'props.protocol_error', severity: 'major', problem: `got a protocol error instead of a result (${probe?.detail ?? 'no detail'})` };
  }
}

/**
 * Invalid inputs go through a run whose schema guard records instead of denying, so they reach the
 * server on purpose; every such step says so in its trace. Tools known to be quick go first; a tool's probes start
 * only while one of its calls, at its known pace, still ends within the suite's time.
 */
async function invalidInputSuite(ctx: SuiteContext, stats: PropsStats, findings: LabFinding[], time: AnnotationTime & { signal: AbortSignal }): Promise<void> {
  const run = await ctx.host.openRun({ name: `lab props invalid inputs ${ctx.server}`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs), schemaGuard: 'record' });
  const prober = new Prober(ctx.host, ctx.server, 'invalid');
  const expected = (t: Tool) => time.expectedMs(t.name) ?? 0;
  try {
    const tools = (await run.listTools()).filter((t) => t.server === ctx.server).map((t) => t.tool);
    const exercised = selectTools(tools, ctx.allowDestructive).exercised;
    const byPace = exercised.map((tool, index) => ({ tool, index })).sort((a, b) => expected(a.tool) - expected(b.tool) || a.index - b.index);
    for (const { tool, index } of byPace) {
      if (ctx.signal?.aborted) break;
      ctx.progress(`props: invalid inputs to ${tool.name}`);
      const [sample] = fc.sample(arbitraryForTool(tool.inputSchema).arbitrary.filter((a) => sharedSchemaCache.check(tool.inputSchema, a).valid), { seed: ctx.seed + index, numRuns: 1 });
      const probes = invalidProbes(tool.inputSchema, sample ?? {});
      for (const [n, p] of probes.entries()) {
        if (!fitsBefore(time.now(), time.endsAt, expected(tool))) {
          stats.left_out.push({ tool: tool.name, check: 'invalid_inputs', reason: `${time.paceWords(tool.name)}: ${probes.length - n} of its ${probes.length} invalid inputs would not end within the props suite's time` });
          break;
        }
        const violates = !sharedSchemaCache.check(tool.inputSchema, p.args).valid;
        stats.invalid_probes++;
        const probe = await prober.call(run, tool.name, p.args, `${tool.name}-${p.kind}`, time.signal);
        if (probe.outcome === 'denied' || probe.outcome === 'cancelled') continue;
        stats.invalid_probes_delivered++;
        const where = `${tool.name} (${p.kind.replace('_', ' ')} at ${p.path})`;
        if (probe.outcome === 'crash' || probe.outcome === 'unreachable') findings.push({ suite: 'props', kind: 'props.invalid.crash', severity: 'critical', tool: tool.name, message: `An invalid input to ${where} made the server process exit: ${probe.detail}` });
        else if (probe.outcome === 'hang') findings.push({ suite: 'props', kind: 'props.invalid.hang', severity: 'major', tool: tool.name, message: `An invalid input to ${where} got no answer within the call timeout.` });
        else if (probe.outcome === 'result' && violates) findings.push({ suite: 'props', kind: 'props.invalid.accepted', severity: 'minor', tool: tool.name, message: `${where}: an input that breaks the inputSchema was accepted without an error.` });
      }
    }
  } finally {
    await run.end();
  }
}
