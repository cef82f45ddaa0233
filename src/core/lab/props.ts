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
import { checkAnnotations } from './annotations';
import { labPolicy, selectTools } from './selection';
import { suitePlan } from './budget';
import type { LabFinding, LabRun, SuiteContext, SuiteResult } from './types';

/** Runs per tool when the budget allows; fast-check's own default. */
export const MAX_RUNS_PER_TOOL = 100;
/** Extra time to finish shrinking a failure found just before the budget ran out. */
export const SHRINK_ALLOWANCE_MS = 15_000;

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
}

export async function runPropsSuite(ctx: SuiteContext): Promise<Omit<SuiteResult, 'score' | 'weight'>> {
  const findings: LabFinding[] = [];
  const run = await ctx.host.openRun({ name: `lab props ${ctx.server}`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs) });
  const prober = new Prober(ctx.host, ctx.server, 'props');
  const stats: PropsStats = { tools: 0, exercised: [], skipped: [], generated_calls: 0, runs_per_tool: {}, unsupported_keywords: {}, invalid_probes: 0, invalid_probes_delivered: 0, annotation_checks: 0 };
  try {
    const tools = (await run.listTools()).filter((t) => t.server === ctx.server).map((t) => t.tool);
    const { exercised, skipped } = selectTools(tools, ctx.allowDestructive);
    Object.assign(stats, { tools: tools.length, exercised: exercised.map((t) => t.name), skipped });
    const plan = suitePlan(ctx);
    // Valid inputs take most of the budget; the fixed probes and annotation checks are few calls each.
    const validShare = (ctx.budgetMs * 0.7) / Math.max(1, exercised.length);
    for (const [index, tool] of exercised.entries()) {
      if (ctx.signal?.aborted) break;
      ctx.progress(`props: ${tool.name} (${index + 1}/${exercised.length})`);
      const seed = (ctx.seed + index * 7919) | 0;
      const gen = arbitraryForTool(tool.inputSchema);
      if (gen.unsupported.length) {
        stats.unsupported_keywords[tool.name] = gen.unsupported;
        findings.push({ suite: 'props', kind: 'props.unsupported_keywords', severity: 'info', tool: tool.name, message: `Inputs for ${tool.name} ignore these schema keywords (the generator does not support them): ${gen.unsupported.join(', ')}.` });
      }
      // At least two calls' worth of time per tool, so a tool that hangs is still seen to hang.
      const timeLimit = Math.max(2 * ctx.callTimeoutMs + 500, Math.min(validShare, plan.endsAt - plan.now()));
      const outcome = await validInputs(ctx, run, prober, tool, gen.arbitrary, seed, timeLimit, findings);
      stats.generated_calls += outcome.calls;
      stats.runs_per_tool[tool.name] = outcome.runs;
    }
    stats.annotation_checks = await checkAnnotations(ctx, run, prober, exercised, tools, findings);
  } finally {
    await run.end();
  }
  await invalidInputSuite(ctx, stats, findings);
  return { suite: 'props', ran: true, findings, stats: { ...stats } };
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
): Promise<{ calls: number; runs: number }> {
  let calls = 0;
  const failures = new Map<string, Probe>();
  const outputProblems = new Set<string>();
  const huge = { calls: 0, detail: '' };
  const needsUser = { calls: 0, detail: '' };
  const valid = arbitrary.filter((args) => sharedSchemaCache.check(tool.inputSchema, args).valid);
  const property = fc.asyncProperty(valid, async (args) => {
    if (ctx.signal?.aborted) return true;
    calls++;
    const probe = await prober.call(run, tool.name, args, tool.name);
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
  let details = await fc.check(property, { seed, numRuns: MAX_RUNS_PER_TOOL, interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false });
  const lastFailure = [...failures.values()].pop();
  // Shrinking a hang costs a call timeout per step: it is only resumed for crashes and errors.
  if (details.failed && details.interrupted && details.counterexamplePath && lastFailure?.outcome !== 'hang') {
    // The budget ran out while shrinking (each step may crash and restart the server): shrinking goes on
    // from where it stopped, on its own allowance, so the saved input is the small one.
    const resumed = await fc.check(property, { seed, path: details.counterexamplePath, interruptAfterTimeLimit: SHRINK_ALLOWANCE_MS, markInterruptAsFailure: false });
    if (resumed.failed && resumed.counterexample) details = { ...resumed, numRuns: details.numRuns, numShrinks: details.numShrinks + resumed.numShrinks };
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
      message: `A valid input to ${tool.name} ${what.problem} (found after ${details.numRuns} runs, shrunk ${details.numShrinks} times; seed ${seed}): ${JSON.stringify(args).slice(0, 300)}. Replay it with \`mcp-harness run ${replay}\`.`,
    });
  }
  return { calls, runs: details.numRuns };
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
 * server on purpose; every such step says so in its trace.
 */
async function invalidInputSuite(ctx: SuiteContext, stats: PropsStats, findings: LabFinding[]): Promise<void> {
  const run = await ctx.host.openRun({ name: `lab props invalid inputs ${ctx.server}`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs), schemaGuard: 'record' });
  const prober = new Prober(ctx.host, ctx.server, 'invalid');
  try {
    const tools = (await run.listTools()).filter((t) => t.server === ctx.server).map((t) => t.tool);
    const exercised = selectTools(tools, ctx.allowDestructive).exercised;
    for (const [index, tool] of exercised.entries()) {
      if (ctx.signal?.aborted) break;
      ctx.progress(`props: invalid inputs to ${tool.name}`);
      const [sample] = fc.sample(arbitraryForTool(tool.inputSchema).arbitrary.filter((a) => sharedSchemaCache.check(tool.inputSchema, a).valid), { seed: ctx.seed + index, numRuns: 1 });
      for (const p of invalidProbes(tool.inputSchema, sample ?? {})) {
        const violates = !sharedSchemaCache.check(tool.inputSchema, p.args).valid;
        stats.invalid_probes++;
        const probe = await prober.call(run, tool.name, p.args, `${tool.name}-${p.kind}`);
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
