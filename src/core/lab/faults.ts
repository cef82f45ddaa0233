// The faults suite: the same safe call, repeated through the fault-injection proxy under one scenario
// of toxics at a time. The server must survive garbage, truncated and duplicated messages; the client
// (this harness's connection layer) must end every call within its timeout and reconnect after a
// disconnect. Each scenario gets its own proxied connection, seeded from --seed.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { labPolicy, repeatableCall } from './selection';
import type { LabFinding, LabRun, SuiteContext, SuiteResult } from './types';

export interface FaultScenario {
  name: string;
  toxics: string;
  /** What the scenario is about: the server's robustness or the client's. */
  tests: 'server' | 'client';
}

export const FAULT_SCENARIOS: FaultScenario[] = [
  { name: 'garbage', toxics: 'corrupt=0.2,truncate=0.1', tests: 'server' },
  { name: 'duplicates', toxics: 'duplicate=0.5', tests: 'server' },
  { name: 'slow-read', toxics: 'slow-read', tests: 'server' },
  { name: 'reorder', toxics: 'reorder=0.5', tests: 'server' },
  { name: 'latency', toxics: 'latency=40ms±20', tests: 'client' },
  { name: 'drop', toxics: 'drop=0.15', tests: 'client' },
  { name: 'disconnect', toxics: 'disconnect-after=8', tests: 'client' },
];

/** Calls per scenario; each one is cheap, and a handful is enough to hit every toxic with these rates. */
export const CALLS_PER_SCENARIO = 12;
/** The faults suite's own call timeout: dropped messages cost this much each. */
export const FAULT_CALL_TIMEOUT_MS = 1000;

interface ScenarioStats {
  scenario: string;
  toxics: string;
  calls: number;
  results: number;
  errors: number;
  timeouts: number;
  max_latency_ms: number;
  server_survived: boolean;
  recovered?: boolean;
}

/** What the disconnect scenario saw around the cut, for the finding's message (not part of the stats). */
export interface CutSeen {
  /** The call after which the connection was found cut (1-based). */
  atCall?: number;
  /** Results before that call. */
  resultsBefore: number;
  /** How the first call after the cut failed. */
  firstFailure?: string;
}

export async function runFaultsSuite(ctx: SuiteContext): Promise<Omit<SuiteResult, 'score' | 'weight'>> {
  if (!ctx.host.proxied) return { suite: 'faults', ran: false, skipped: 'this host cannot run servers behind the fault-injection proxy', findings: [], stats: {} };
  const probeRun = await ctx.host.openRun({ name: `lab faults ${ctx.server} (tool list)`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs) });
  const tools = (await probeRun.listTools().finally(() => probeRun.end())).filter((t) => t.server === ctx.server).map((t) => t.tool);
  const target = repeatableCall(tools, ctx.seed, ctx.allowDestructive);
  if (!target) return { suite: 'faults', ran: false, skipped: 'the server has no read-only tool to call repeatedly (pass --allow-destructive to use another one)', findings: [], stats: {} };
  const findings: LabFinding[] = [];
  const scenarios: ScenarioStats[] = [];
  const timeoutMs = Math.min(ctx.callTimeoutMs, FAULT_CALL_TIMEOUT_MS);
  for (const [i, scenario] of FAULT_SCENARIOS.entries()) {
    if (ctx.signal?.aborted) break;
    ctx.progress(`faults: ${scenario.name} (${scenario.toxics})`);
    const id = await ctx.host.proxied(ctx.server, scenario.toxics, ctx.seed + i);
    const run = await ctx.host.openRun({ name: `lab faults ${ctx.server} ${scenario.name}`, servers: [id], policy: labPolicy(timeoutMs) });
    try {
      const { stats, cut } = await runScenario(ctx, run, id, scenario, target);
      scenarios.push(stats);
      // A scenario the cancellation cut short is kept in the stats but not judged on its few calls.
      if (!ctx.signal?.aborted || stats.calls === CALLS_PER_SCENARIO) findings.push(...judge(scenario, stats, cut, target.tool.name, timeoutMs));
    } finally {
      await run.end();
    }
  }
  return { suite: 'faults', ran: true, findings, stats: { tool: target.tool.name, scenarios } };
}

async function runScenario(ctx: SuiteContext, run: LabRun, id: string, scenario: FaultScenario, target: { tool: Tool; args: Record<string, unknown> }): Promise<{ stats: ScenarioStats; cut: CutSeen }> {
  const stats: ScenarioStats = { scenario: scenario.name, toxics: scenario.toxics, calls: 0, results: 0, errors: 0, timeouts: 0, max_latency_ms: 0, server_survived: true };
  const cut: CutSeen = { resultsBefore: 0 };
  let sawDisconnect = false;
  for (let n = 0; n < CALLS_PER_SCENARIO; n++) {
    if (ctx.signal?.aborted) break;
    const started = Date.now();
    const { record } = await run.callTool({ server: id, tool: target.tool.name, args: target.args, stepId: `faults-${scenario.name}-${n + 1}` });
    // The lab was cancelled during the call: it is not one of the scenario's calls.
    if (record.decision === 'cancelled') break;
    stats.calls++;
    stats.max_latency_ms = Math.max(stats.max_latency_ms, Date.now() - started);
    if (record.decision === 'ok') {
      stats.results++;
      if (sawDisconnect) stats.recovered = true;
    } else {
      if (record.decision === 'timeout') stats.timeouts++;
      else stats.errors++;
      if (sawDisconnect) cut.firstFailure ??= `${record.decision}: ${record.error ?? record.reasons[0] ?? 'no reason given'}`;
    }
    const state = ctx.host.serverState(id);
    if (state && state.status !== 'running') {
      if (scenario.name === 'disconnect') {
        if (!sawDisconnect) Object.assign(cut, { atCall: stats.calls, resultsBefore: stats.results });
        sawDisconnect = true;
      } else stats.server_survived = false;
    }
  }
  if (sawDisconnect) stats.recovered ??= false;
  return { stats, cut };
}

function judge(scenario: FaultScenario, s: ScenarioStats, cut: CutSeen, tool: string, timeoutMs: number): LabFinding[] {
  const out: LabFinding[] = [];
  // A call may take its timeout plus the reconnect backoff after a disconnect; more than that is a hang.
  const hangBound = timeoutMs * 2 + 2000;
  if (s.max_latency_ms > hangBound) {
    out.push({ suite: 'faults', kind: `faults.${scenario.name}.client_hang`, severity: 'major', tool, message: `Under ${scenario.toxics} a call took ${s.max_latency_ms} ms, more than the ${timeoutMs} ms call timeout allows: the client did not give up in time.` });
  }
  if (scenario.tests === 'server' && !s.server_survived) {
    out.push({ suite: 'faults', kind: `faults.${scenario.name}.server_died`, severity: 'critical', tool, message: `Under ${scenario.toxics} (${scenario.name}) the server process exited instead of refusing the bad messages.` });
  }
  if (scenario.tests === 'server' && s.server_survived && s.results === 0) {
    out.push({ suite: 'faults', kind: `faults.${scenario.name}.no_answers`, severity: 'major', tool, message: `Under ${scenario.toxics} (${scenario.name}) none of ${s.calls} calls got a result.` });
  }
  if (scenario.name === 'disconnect' && s.recovered === false) {
    out.push({ suite: 'faults', kind: 'faults.disconnect.no_recovery', severity: 'major', tool, message: noRecoveryMessage(scenario.toxics, s, cut) });
  }
  if ((scenario.name === 'latency' || scenario.name === 'slow-read' || scenario.name === 'reorder') && s.results < s.calls) {
    out.push({ suite: 'faults', kind: `faults.${scenario.name}.failed_calls`, severity: 'minor', tool, message: `Under ${scenario.toxics} only ${s.results} of ${s.calls} calls got a result, though no message was lost.` });
  }
  return out;
}

/** Says what was seen: when the cut came, what came before it, and how the calls after it failed. */
export function noRecoveryMessage(toxics: string, s: Pick<ScenarioStats, 'calls'>, cut: CutSeen): string {
  const after = s.calls - (cut.atCall ?? 0);
  const when = cut.atCall === undefined ? '' : ` The connection was found cut after call ${cut.atCall} of ${s.calls} (${cut.resultsBefore} of the calls up to it got a result).`;
  const failure = cut.firstFailure ? ` The first call after the cut failed with ${cut.firstFailure.replace(/\.?$/, '.')}` : '';
  return `Under ${toxics} (the proxy cuts every connection after that many requests and answers past the handshake) none of the ${after} calls after the cut got a result: the connection was not made again.${when}${failure}`;
}
