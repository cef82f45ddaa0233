// Runs the chosen suites against one server within a time budget, and scores them.
import { cpus, loadavg } from 'node:os';
import { runBenchSuite } from './bench';
import { BudgetEnded, BudgetSplit, endedByBudget, formatBudget, suitePlanMs } from './budget';
import { runConformanceSuite } from './conformance';
import { runFaultsSuite } from './faults';
import { runPropsSuite } from './props';
import { overallScore, suiteScore, SUITE_WEIGHT } from './score';
import { encodingForModel, loadFullTables } from '../tokens/index';
import type { LabFinding, LabHost, LabResult, LabRun, LabRunOptions, SuiteContext, SuiteName, SuiteResult } from './types';

export const DEFAULT_BUDGET_MS = 60_000;
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/** A suite's context without the host and with the whole budget; plus which suites, and a progress callback. */
export type LabOptions = Omit<SuiteContext, 'host' | 'progress'> & {
  suites: SuiteName[];
  onProgress?: (message: string) => void;
  /** How this host lets its user raise the budget ("pass a larger --budget"); added to what the budget cut short. */
  budgetAdvice?: string;
  /** The lab's clock in ms (default Date.now): the budget is measured with it. */
  now?: () => number;
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
  const now = options.now ?? Date.now;
  const started = now();
  const traceFiles: string[] = [];
  // A suite named twice runs once (the budget is split per suite).
  const suiteNames = [...new Set(options.suites)];
  // The budget is wall-clock time from here: starting the server counts too.
  const budget = new BudgetSplit(options.budgetMs, suiteNames, now);
  const suites: SuiteResult[] = [];
  const notStarted: SuiteName[] = [];
  const start = await reachable(recordTraces(host, traceFiles, options.signal), budget, options);
  const unreachable = start && 'unreachable' in start ? start.unreachable : undefined;
  const startCutByBudget = start !== undefined && 'stopped' in start && start.stopped === 'budget';
  for (const name of suiteNames) {
    const weight = SUITE_WEIGHT[name];
    const skipped = unreachable ?? (options.signal?.aborted ? 'the run was cancelled before this suite started' : undefined);
    if (skipped || startCutByBudget || budget.remainingMs <= 0) {
      if (!skipped) notStarted.push(name);
      suites.push({ suite: name, ran: false, skipped: skipped ?? notStartedMessage(options, startCutByBudget), score: 0, weight, findings: [], stats: {} });
      continue;
    }
    suites.push(await runSuite(name, host, traceFiles, budget, options));
  }
  const firstSuite = options.suites[0] ?? 'props';
  const findings: LabFinding[] = unreachable
    ? [{ suite: firstSuite, kind: 'lab.unreachable', severity: 'critical', message: unreachable }]
    : startCutByBudget
      ? [{ suite: firstSuite, kind: 'lab.budget', severity: 'info', message: `The lab's budget of ${formatBudget(options.budgetMs)} ended while the server '${options.server}' was still starting: its start was stopped and nothing was tested${advice(options)}.` }]
      : suites.flatMap((s) => s.findings);
  // Every suite the budget stopped under way: one whose share ended, and the one under way when the whole budget did.
  const stoppedByBudget = suites.filter((s) => s.stopped === 'budget').map((s) => s.suite);
  return {
    version: 1,
    server: options.server,
    seed: options.seed,
    started_at: new Date(started).toISOString(),
    duration_ms: now() - started,
    score: unreachable ? 0 : overallScore(suites),
    suites,
    findings,
    machine: { cores: cpus().length, loadavg: loadavg().map((v) => Math.round(v * 100) / 100), node: process.version, platform: `${process.platform}-${process.arch}` },
    trace_files: traceFiles,
    // A cancelled run keeps what its suites found until then; the suite under way scored what it had done.
    ...(options.signal?.aborted ? { cancelled: true as const } : {}),
    ...(stoppedByBudget.length || notStarted.length ? { cut_short: { budget_ms: options.budgetMs, ...(stoppedByBudget.length ? { stopped: stoppedByBudget } : {}), not_started: notStarted } } : {}),
  };
}

/**
 * Runs one suite on its share of the budget. Its signal ends when the lab is cancelled or the whole budget ends;
 * then it hands back what it has (calls under way are cancelled). A suite that does not hand it back within a call
 * timeout (a server start under way) is left behind: the lab does not wait past the budget for it.
 */
async function runSuite(name: SuiteName, host: LabHost, traceFiles: string[], budget: BudgetSplit, options: LabOptions): Promise<SuiteResult> {
  const now = options.now ?? Date.now;
  const weight = SUITE_WEIGHT[name];
  const startedMs = budget.elapsedMs;
  const shareMs = budget.share(name);
  const stop = new AbortController();
  const cancel = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  const remainingMs = budget.remainingMs;
  // A delay over 2^31-1 ms would make Node's timer fire at once.
  const budgetEnds = setTimeout(() => stop.abort(new BudgetEnded(options.budgetMs)), Math.min(remainingMs, 2 ** 31 - 1));
  // A server start under way (a proxy's, a restart's) is ended too, so the suite can hand back what it has.
  stop.signal.addEventListener('abort', () => void host.stopStarting?.(options.server).catch(() => undefined), { once: true });
  const ctx: SuiteContext = {
    host: recordTraces(host, traceFiles, stop.signal),
    server: options.server,
    seed: options.seed,
    budgetMs: suitePlanMs(shareMs, remainingMs),
    startedAt: now(),
    now,
    allowDestructive: options.allowDestructive,
    callTimeoutMs: options.callTimeoutMs,
    outDir: options.outDir,
    signal: stop.signal,
    progress: (m) => options.onProgress?.(m),
  };
  let result: SuiteResult;
  try {
    const outcome = await handedBack(SUITES[name](ctx), stop.signal, options.callTimeoutMs);
    result = outcome
      ? { ...outcome, weight, score: outcome.ran ? (outcome.score ?? suiteScore(outcome.findings)) : 0 }
      : { suite: name, ran: false, skipped: `the suite was stopped and did not hand back its result within ${options.callTimeoutMs} ms; nothing of it is kept`, score: 0, weight, findings: [], stats: {} };
  } catch (err) {
    // A suite the lab stopped may fail because of it (its server's start was ended under it): that is the stop, not a fault of the lab.
    const why = !stop.signal.aborted ? undefined : endedByBudget(stop.signal) ? `the lab's budget of ${formatBudget(options.budgetMs)} ended` : 'the run was cancelled';
    const skipped = why ? `stopped before it had a result: ${why} while it was under way (${(err as Error).message.replace(/\.$/, '')})${endedByBudget(stop.signal) ? advice(options) : ''}` : `the suite stopped with an internal error: ${(err as Error).message}`;
    result = { suite: name, ran: false, skipped, score: 0, weight, findings: [], stats: {} };
  } finally {
    clearTimeout(budgetEnds);
    options.signal?.removeEventListener('abort', cancel);
  }
  const time = { share_ms: Math.round(shareMs), started_ms: Math.round(startedMs), used_ms: Math.round(budget.elapsedMs - startedMs) };
  // A suite may also say it was cut by the budget: one that stopped itself at the end of its share, leaving work out.
  if (endedByBudget(stop.signal) || result.stopped === 'budget') {
    const message = endedByBudget(stop.signal) ? stoppedMessage(name, options) : shareEndedMessage(name, time.share_ms, options);
    const finding: LabFinding = { suite: name, kind: 'lab.budget', severity: 'info', message };
    return { ...result, time, stopped: 'budget', findings: [...result.findings, finding] };
  }
  return { ...result, time, ...(stop.signal.aborted ? { stopped: 'cancelled' as const } : {}) };
}

/** The suite's outcome; undefined when it was stopped and did not end within `graceMs` after that. */
function handedBack<T>(work: Promise<T>, stopped: AbortSignal, graceMs: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const giveUp = () => {
      grace = setTimeout(() => resolve(undefined), graceMs);
    };
    if (stopped.aborted) giveUp();
    else stopped.addEventListener('abort', giveUp, { once: true });
    const settle = () => {
      clearTimeout(grace);
      stopped.removeEventListener('abort', giveUp);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}

/** Host-neutral: which limit; the host's advice says how to raise it. */
function notStartedMessage(options: LabOptions, duringStart = false): string {
  const when = duringStart ? 'ended while the server was still starting' : "was used up before this suite's turn";
  return `not started: the lab's budget of ${formatBudget(options.budgetMs)} ${when}${advice(options)}`;
}

function stoppedMessage(suite: SuiteName, options: LabOptions): string {
  return `The lab's budget of ${formatBudget(options.budgetMs)} ended while the ${suite} suite was under way: it was stopped, and its result covers only what it did until then${advice(options)}.`;
}

/** A suite that stopped itself when its share ended, with work left, so that the suites after it get theirs. */
function shareEndedMessage(suite: SuiteName, shareMs: number, options: LabOptions): string {
  return `The ${suite} suite's share of the lab's budget of ${formatBudget(options.budgetMs)} (${formatBudget(shareMs)}) ended while it was under way: it stopped, leaving the suites after it their time, and its result covers only what it did until then${advice(options)}.`;
}

function advice(options: LabOptions): string {
  return options.budgetAdvice ? `; to give the suites more time, ${options.budgetAdvice}` : '';
}

/** How the first start went: undefined when the server started and listed its tools. */
type StartOutcome = undefined | { unreachable: string } | { stopped: 'budget' | 'cancelled' };

/**
 * Starts the server and lists its tools. The start counts against the budget and is ended (through the host) when
 * the budget ends or the lab is cancelled while it is still under way — a server that hangs in its handshake does
 * not hold the lab past its budget.
 */
async function reachable(host: LabHost, budget: BudgetSplit, options: LabOptions): Promise<StartOutcome> {
  const stop = new AbortController();
  const end = (reason: unknown): void => {
    if (stop.signal.aborted) return;
    stop.abort(reason);
    void host.stopStarting?.(options.server).catch(() => undefined);
  };
  const cancel = () => end(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  const budgetEnds = setTimeout(() => end(new BudgetEnded(options.budgetMs)), Math.min(Math.max(0, budget.remainingMs), 2 ** 31 - 1));
  try {
    return await firstStart(host, options, stop.signal);
  } finally {
    clearTimeout(budgetEnds);
    options.signal?.removeEventListener('abort', cancel);
  }
}

async function firstStart(host: LabHost, options: LabOptions, stopped: AbortSignal): Promise<StartOutcome> {
  const run = await host.openRun({ name: `lab ${options.server} (start)`, servers: [options.server] });
  // Every call's tokens are counted before its outcome comes back, and the tokenizer's tables are built by a count,
  // once per process (0.2 s bundled, 0.6-2.5 s run from source): built while the server starts, they are not paid
  // for by a suite's call — a call the budget cut came back that much after the budget's end.
  setImmediate(() => {
    try {
      loadFullTables(encodingForModel(undefined));
    } catch {
      // Uncaught here it would end the process; a tokenizer that cannot be built fails the first count the same way, inside a call that reports it.
    }
  });
  try {
    const tools = await run.listTools();
    const state = host.serverState(options.server);
    const failed = state?.status === 'error' || (!tools.length && state?.status !== 'running');
    // A start the lab itself ended is no finding about the server.
    if (failed && stopped.aborted) return { stopped: endedByBudget(stopped) ? 'budget' : 'cancelled' };
    if (failed) return { unreachable: `The server '${options.server}' could not be started: ${state?.error ?? 'it did not list its tools'}` };
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
