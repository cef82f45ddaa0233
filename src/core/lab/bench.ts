// The bench suite: cold start, then the same guarded call at concurrency 1, 4 and 16 (JSON-RPC over
// stdio carries concurrent requests by id), with latency percentiles from an HDR histogram, calls/s,
// error rate, and the server's RSS/CPU from /proc. The machine's cores and load are stored with the
// figures, and a run on a busy machine is flagged noisy rather than compared.
import * as hdr from 'hdr-histogram-js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { labPolicy, repeatableCall } from './selection';
import { suitePlan } from './budget';
import { isNoisy, machineInfo, ProcessSampler, type ProcessUsage } from './procStats';
import type { LabFinding, LabRun, SuiteContext, SuiteResult } from './types';

export const CONCURRENCY_LEVELS = [1, 4, 16];
/** Upper bound of calls per level, so a fast server does not spend the whole budget on level 1. */
export const MAX_CALLS_PER_LEVEL = 2000;
export const SLOW_COLD_START_MS = 5000;

export interface LevelStats {
  concurrency: number;
  calls: number;
  errors: number;
  error_rate: number;
  calls_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number; mean: number };
  server?: ProcessUsage;
  /** Recorded latencies in ms, bucketed for the report's chart: [upper bound ms, count]. */
  distribution: [number, number][];
}

export async function runBenchSuite(ctx: SuiteContext): Promise<Omit<SuiteResult, 'score' | 'weight'>> {
  const findings: LabFinding[] = [];
  const plan = suitePlan(ctx);
  const before = machineInfo();
  const run = await ctx.host.openRun({ name: `lab bench ${ctx.server}`, servers: [ctx.server], policy: labPolicy(ctx.callTimeoutMs) });
  try {
    const tools = (await run.listTools()).filter((t) => t.server === ctx.server).map((t) => t.tool);
    const target = repeatableCall(tools, ctx.seed, ctx.allowDestructive);
    if (!target) return { suite: 'bench', ran: false, skipped: 'the server has no read-only tool to call repeatedly (pass --allow-destructive to use another one)', findings, stats: {} };
    let coldStart: number | undefined;
    if (ctx.host.coldStartMs) {
      ctx.progress('bench: cold start');
      coldStart = await ctx.host.coldStartMs(ctx.server);
      if (coldStart > SLOW_COLD_START_MS) findings.push({ suite: 'bench', kind: 'bench.slow_cold_start', severity: 'minor', message: `The server took ${Math.round(coldStart)} ms to start and answer (over ${SLOW_COLD_START_MS} ms).` });
    }
    const levels: LevelStats[] = [];
    // The levels share what the cold start left of the suite's share.
    for (const [index, concurrency] of CONCURRENCY_LEVELS.entries()) {
      if (ctx.signal?.aborted) break;
      ctx.progress(`bench: ${target.tool.name} at concurrency ${concurrency}`);
      levels.push(await level(ctx, run, target, concurrency, plan.now, Math.max(0, plan.endsAt - plan.now()) / (CONCURRENCY_LEVELS.length - index)));
    }
    for (const l of levels) {
      if (l.errors) findings.push({ suite: 'bench', kind: 'bench.errors', severity: l.error_rate > 0.05 ? 'major' : 'minor', tool: target.tool.name, message: `At concurrency ${l.concurrency}, ${l.errors} of ${l.calls} calls failed (${(l.error_rate * 100).toFixed(1)} %).` });
    }
    const after = machineInfo();
    const noisy = isNoisy(before) || isNoisy(after);
    return {
      suite: 'bench',
      ran: true,
      findings,
      stats: { tool: target.tool.name, cold_start_ms: coldStart === undefined ? null : Math.round(coldStart * 10) / 10, levels, machine: { cores: before.cores, loadavg_before: before.loadavg, loadavg_after: after.loadavg }, noisy },
    };
  } finally {
    await run.end();
  }
}

async function level(ctx: SuiteContext, run: LabRun, target: { tool: Tool; args: Record<string, unknown> }, concurrency: number, now: () => number, budgetMs: number): Promise<LevelStats> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const buckets = new Map<number, number>();
  const sampler = new ProcessSampler(ctx.host.serverState(ctx.server)?.pid);
  let calls = 0;
  let errors = 0;
  const deadline = now() + budgetMs;
  const t0 = performance.now();
  sampler.start();
  const worker = async (w: number): Promise<void> => {
    while (now() < deadline && calls < MAX_CALLS_PER_LEVEL && !ctx.signal?.aborted) {
      const n = ++calls;
      const started = performance.now();
      const { record } = await run.callTool({ server: ctx.server, tool: target.tool.name, args: target.args, stepId: `bench-c${concurrency}-w${w}-${n}` });
      // Cut short by the lab's cancellation: neither a latency nor an error of the server.
      if (record.decision === 'cancelled') {
        calls--;
        break;
      }
      const ms = performance.now() - started;
      histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
      const bucket = 2 ** Math.ceil(Math.log2(Math.max(0.125, ms)));
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
      if (record.decision !== 'ok' || record.is_error) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - t0) / 1000;
  const usage = sampler.stop();
  const ms = (us: number) => Math.round(us) / 1000;
  const stats: LevelStats = {
    concurrency,
    calls,
    errors,
    error_rate: calls ? errors / calls : 0,
    calls_per_s: seconds > 0 ? Math.round((calls / seconds) * 10) / 10 : 0,
    latency_ms: { p50: ms(histogram.getValueAtPercentile(50)), p95: ms(histogram.getValueAtPercentile(95)), p99: ms(histogram.getValueAtPercentile(99)), max: ms(histogram.maxValue), mean: ms(histogram.mean) },
    ...(usage ? { server: usage } : {}),
    distribution: [...buckets.entries()].sort((a, b) => a[0] - b[0]),
  };
  histogram.destroy();
  return stats;
}
