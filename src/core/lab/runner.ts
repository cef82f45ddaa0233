// Runs the chosen suites against one server within a time budget, and scores them.
import { cpus, loadavg } from 'node:os';
import { runBenchSuite } from './bench';
import { BudgetSplit } from './budget';
import { runConformanceSuite } from './conformance';
import { runFaultsSuite } from './faults';
import { runPropsSuite } from './props';
import { overallScore, suiteScore, SUITE_WEIGHT } from './score';
import type { LabFinding, LabHost, LabResult, LabRun, LabRunOptions, SuiteContext, SuiteName, SuiteResult } from './types';

export const DEFAULT_BUDGET_MS = 60_000;
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/** A suite's context without the host and with the whole budget; plus which suites, and a progress callback. */
export type LabOptions = Omit<SuiteContext, 'host' | 'progress'> & {
  suites: SuiteName[];
  onProgress?: (message: string) => void;
};

/** A suite that scores itself returns `score`; the others are scored by the cost of their findings. */
type SuiteOutcome = Omit<SuiteResult, 'score' | 'weight'> & { score?: number };

const SUITES: Record<SuiteName, (ctx: SuiteContext) => Promise<SuiteOutcome>> = {
  props: runPropsSuite,
  faults: runFaultsSuite,
  bench: runBenchSuite,
  conformance: runConformanceSuite,
};

export async function runLab(host: LabHost, options: LabOptions): Promise<LabResult> {
  const started = Date.now();
  const traceFiles: string[] = [];
  const tracing = recordTraces(host, traceFiles, options.signal);
  // A suite named twice runs once (the budget is split per suite).
  const suiteNames = [...new Set(options.suites)];
  const budget = new BudgetSplit(options.budgetMs, suiteNames);
  const suites: SuiteResult[] = [];
  const unreachable = await reachable(tracing, options);
  for (const name of suiteNames) {
    const weight = SUITE_WEIGHT[name];
    if (unreachable || options.signal?.aborted) {
      suites.push({ suite: name, ran: false, skipped: unreachable ?? 'the run was cancelled before this suite started', score: 0, weight, findings: [], stats: {} });
      continue;
    }
    const budgetMs = budget.share(name);
    const suiteStarted = Date.now();
    const ctx: SuiteContext = {
      host: tracing,
      server: options.server,
      seed: options.seed,
      budgetMs,
      allowDestructive: options.allowDestructive,
      callTimeoutMs: options.callTimeoutMs,
      outDir: options.outDir,
      signal: options.signal,
      progress: (m) => options.onProgress?.(m),
    };
    try {
      const outcome = await SUITES[name](ctx);
      suites.push({ ...outcome, weight, score: outcome.ran ? (outcome.score ?? suiteScore(outcome.findings)) : 0 });
    } catch (err) {
      suites.push({ suite: name, ran: false, skipped: `the suite stopped with an internal error: ${(err as Error).message}`, score: 0, weight, findings: [], stats: {} });
    }
    budget.spent(budgetMs, Date.now() - suiteStarted);
  }
  const findings: LabFinding[] = unreachable
    ? [{ suite: options.suites[0] ?? 'props', kind: 'lab.unreachable', severity: 'critical', message: unreachable }]
    : suites.flatMap((s) => s.findings);
  return {
    version: 1,
    server: options.server,
    seed: options.seed,
    started_at: new Date(started).toISOString(),
    duration_ms: Date.now() - started,
    score: unreachable ? 0 : overallScore(suites),
    suites,
    findings,
    machine: { cores: cpus().length, loadavg: loadavg().map((v) => Math.round(v * 100) / 100), node: process.version, platform: `${process.platform}-${process.arch}` },
    trace_files: traceFiles,
    // A cancelled run keeps what its suites found until then; the suite under way scored what it had done.
    ...(options.signal?.aborted ? { cancelled: true as const } : {}),
  };
}

/** undefined when the server starts and lists its tools; otherwise why not. */
async function reachable(host: LabHost, options: LabOptions): Promise<string | undefined> {
  const run = await host.openRun({ name: `lab ${options.server} (start)`, servers: [options.server] });
  try {
    const tools = await run.listTools();
    const state = host.serverState(options.server);
    if (state?.status === 'error' || (!tools.length && state?.status !== 'running')) return `The server '${options.server}' could not be started: ${state?.error ?? 'it did not list its tools'}`;
    return undefined;
  } finally {
    await run.end();
  }
}

/**
 * The same host, with the trace file of every run it opens collected for the result; each call also gets
 * the lab's signal, so cancelling the lab cancels the call under way instead of waiting for its timeout.
 */
function recordTraces(host: LabHost, into: string[], signal: AbortSignal | undefined): LabHost {
  const wrapped = Object.create(host) as LabHost;
  wrapped.openRun = async (o: LabRunOptions): Promise<LabRun> => {
    const run = await host.openRun(o);
    return {
      callTool: (r) => run.callTool(signal && !r.signal ? { ...r, signal } : r),
      listTools: () => run.listTools(),
      end: async () => {
        const ended = await run.end();
        if (ended.traceFile) into.push(ended.traceFile);
        return ended;
      },
    };
  };
  return wrapped;
}
