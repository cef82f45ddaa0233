// The conformance suite of the lab: the official MCP conformance suite's server scenarios (the same run as
// `mcp-harness conformance SERVER`). Many scenarios call fixtures of the suite's own reference server (a
// prompt `test_simple_prompt`, a resource `test://static-text`); a server without them answers "not found",
// which says nothing about its conformance, so such a scenario is reported as not applicable (info) and
// left out of the score. The suite score is the share of the applicable scenarios that passed (each failed
// one is also a major finding naming its first failed check). The suite's share of the budget bounds it like
// the others: no scenario starts after it, and the scenarios left are listed as skipped (an info finding, not
// scored); a scenario under way gets the call timeout to finish, unless the lab's whole budget ends first.
import { endedByBudget, suitePlan } from './budget';
import type { ConformanceRun, ConformanceScenario, LabFinding, SuiteContext, SuiteResult } from './types';

const MISSING_FIXTURE = /\b(?:Prompt|Resource|Tool) \S+ not found\b/;

export function notApplicable(s: ConformanceScenario): boolean {
  return s.failed > 0 && s.failures.every((f) => MISSING_FIXTURE.test(f));
}

export function conformanceScore(scenarios: ConformanceScenario[]): number {
  const applicable = scenarios.filter((s) => !notApplicable(s));
  return applicable.length ? Math.round((100 * applicable.filter((s) => !s.failed).length) / applicable.length) : 0;
}

export async function runConformanceSuite(ctx: SuiteContext): Promise<Omit<SuiteResult, 'weight'>> {
  const skipped = (why: string) => ({ suite: 'conformance' as const, ran: false, skipped: why, score: 0, findings: [], stats: {} });
  if (!ctx.host.conformance) return skipped('this host cannot run the conformance suite');
  ctx.progress('conformance: the official server scenarios');
  // The suite's scenarios run in a child process that watches real time: what is left of the plan by the lab's clock, from now.
  const plan = suitePlan(ctx);
  const startBy = Date.now() + (plan.endsAt - plan.now());
  let run: ConformanceRun;
  try {
    run = await ctx.host.conformance(ctx.server, (m) => ctx.progress(`conformance: ${m}`), { startBy, stopBy: startBy + ctx.callTimeoutMs, signal: ctx.signal });
  } catch (err) {
    return skipped((err as Error).message);
  }
  // The lab's budget ending stops the suite through its signal, as a cancel would: it is the budget that stopped it.
  if (run.stopped === 'cancelled' && endedByBudget(ctx.signal)) run = { ...run, stopped: 'overran' };
  const { scenarios } = run;
  const applicable = scenarios.filter((s) => !notApplicable(s));
  const left = leftOut(run);
  // Scenarios left out for the budget make a partial suite, whether the lab's budget or the suite's own share of it
  // ended first (a run that stops itself at its share hands back before the budget ends).
  const cut = run.stopped === 'budget' || run.stopped === 'overran' ? { stopped: 'budget' as const } : {};
  if (!applicable.length) {
    if (left) return { ...skipped(scenarios.length ? `no scenario that ran applies to this server, and ${left.message}` : left.message), stats: unfinishedStats(run), ...cut };
    return skipped(scenarios.length ? 'no scenario of the conformance suite applies to this server' : 'the conformance suite ran no scenario');
  }
  return {
    ...cut,
    suite: 'conformance',
    ran: true,
    score: conformanceScore(scenarios),
    findings: [...scenarios.flatMap((s) => finding(s) ?? []), ...(left ? [left] : [])],
    stats: { scenarios, applicable: applicable.length, passed: applicable.filter((s) => !s.failed).length, not_applicable: scenarios.length - applicable.length, ...unfinishedStats(run) },
  };
}

const STOPPED_BY = { budget: 'the budget ended', overran: 'the budget ended', cancelled: 'the run was cancelled' };

/** Why scenarios were left out, as an info finding; undefined when every scenario ran. */
function leftOut(run: ConformanceRun): LabFinding | undefined {
  if (!run.stopped) return undefined;
  const names = [...(run.interrupted ? [`${run.interrupted} (stopped while running)`] : []), ...run.notStarted];
  const why = STOPPED_BY[run.stopped];
  const message = `${why[0].toUpperCase()}${why.slice(1)} before ${names.length} conformance scenario(s) finished; skipped, not scored: ${names.join(', ') || 'none'}.`;
  return { suite: 'conformance', kind: run.stopped === 'cancelled' ? 'conformance.cancelled' : 'conformance.budget', severity: 'info', message };
}

function unfinishedStats(run: ConformanceRun): Record<string, unknown> {
  if (!run.stopped) return {};
  return { skipped: run.notStarted.map((scenario) => ({ scenario, reason: STOPPED_BY[run.stopped!] })), ...(run.interrupted ? { interrupted: run.interrupted } : {}), stopped: run.stopped };
}

function finding(s: ConformanceScenario): LabFinding | undefined {
  if (notApplicable(s)) return { suite: 'conformance', kind: `conformance.${s.scenario}.not_applicable`, severity: 'info', message: `Conformance scenario ${s.scenario} needs a fixture this server does not have (${s.failures[0]}); not scored.` };
  if (s.failed) return { suite: 'conformance', kind: `conformance.${s.scenario}`, severity: 'major', message: `Conformance scenario ${s.scenario} failed ${s.failed} of ${s.passed + s.failed} checks: ${s.failures[0] ?? 'no detail'}` };
  if (s.warnings) return { suite: 'conformance', kind: `conformance.${s.scenario}.warnings`, severity: 'minor', message: `Conformance scenario ${s.scenario} passed with ${s.warnings} warning(s).` };
  return undefined;
}
