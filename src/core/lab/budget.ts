// How the lab spends its budget: a hard wall-clock limit for the whole run (from the first server start to the
// last suite), split among the suites by time weight — not their weight in the score: conformance runs its
// scenarios one after another and needs 8–25 s whatever the budget, while props and bench do more with more time.
// A suite starts with what is left of the budget × its time weight / the time weights of the suites still to run,
// so time a suite does not use passes on to the suites after it, and time it overruns (the fault
// scenarios are a fixed set) is taken from them; props stops itself at the end of its share. When the budget ends, the suite under
// way is stopped through its signal (reason: BudgetEnded) and the suites after it do not start.
import type { SuiteContext, SuiteName } from './types';

/** Each suite's claim on the budget. props : faults : bench stay 2 : 1 : 1; conformance gets 27 s of the default 60 s with all four. */
export const SUITE_TIME_WEIGHT: Record<SuiteName, number> = { props: 0.3, faults: 0.15, bench: 0.15, conformance: 0.5 };

/** The reason a suite's signal gives when the lab's budget ended while it ran. */
export class BudgetEnded extends Error {
  constructor(readonly budgetMs: number) {
    super(`the lab's budget of ${formatBudget(budgetMs)} ended`);
    this.name = 'BudgetEnded';
  }
}

/** True when `signal` was aborted because the lab's budget ended (not by a cancel). */
export function endedByBudget(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof BudgetEnded;
}

/** 60 s, 1.5 s, 2 m — as the budget was most likely given. */
export function formatBudget(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} m`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${Math.round(ms / 100) / 10} s`;
}

export class BudgetSplit {
  private readonly endsAt: number;
  private readonly pending: SuiteName[];

  /** The budget runs from now, by `now` (ms). */
  constructor(
    readonly totalMs: number,
    suites: readonly SuiteName[],
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + totalMs;
    this.pending = [...suites];
  }

  /** The share of `suite`, which starts now, in ms; it leaves the suites still to run. */
  share(suite: SuiteName): number {
    const index = this.pending.indexOf(suite);
    if (index < 0) throw new Error(`the suite ${suite} was not planned or already has its share`);
    const weights = this.pending.reduce((sum, s) => sum + SUITE_TIME_WEIGHT[s], 0);
    this.pending.splice(index, 1);
    return (this.remainingMs * SUITE_TIME_WEIGHT[suite]) / weights;
  }

  /** What is left of the budget now, in ms (0 once it ended). */
  get remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  /** How long the budget has run, in ms. */
  get elapsedMs(): number {
    return this.totalMs - (this.endsAt - this.now());
  }
}

/** The most a suite keeps back, at the end of the budget, for its last calls and its clean-up. */
export const SUITE_TAIL_MS = 2000;

/**
 * The time a suite plans to use: its share, except that a suite which may run to the end of the budget (the last,
 * or one after an overrun) plans to finish a little before it (10 % of what is left, at most SUITE_TAIL_MS), so its
 * last calls and its clean-up end inside the budget instead of being stopped by it.
 */
/** The lab's clock as a suite sees it, and when the suite's plan ends by that clock. */
export function suitePlan(ctx: Pick<SuiteContext, 'now' | 'startedAt' | 'budgetMs'>): { now: () => number; endsAt: number } {
  const now = ctx.now ?? Date.now;
  return { now, endsAt: (ctx.startedAt ?? now()) + ctx.budgetMs };
}

export function suitePlanMs(shareMs: number, remainingMs: number): number {
  return Math.min(shareMs, Math.max(0, remainingMs - Math.min(SUITE_TAIL_MS, remainingMs * 0.1)));
}
