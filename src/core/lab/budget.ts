// How the lab splits its budget among the suites it runs. Each suite has a claim on time (its time weight, not its
// weight in the score): conformance runs its scenarios one after another and needs 8–25 s whatever the budget,
// while props and bench do more with more time. A suite starts with what is left of the budget × its time weight /
// the time weights of the suites still to run, so time a suite does not use passes on to the suites after it. Time
// spent within the shares never exceeds the budget: a suite that overruns its share (props gives every tool two call
// timeouts, the fault scenarios are a fixed set, a conformance scenario under way may finish) is not given the
// overrun back, and neither is it taken from the suites after it, which keep their claim.
import type { SuiteName } from './types';

/** Each suite's claim on the budget. props : faults : bench stay 2 : 1 : 1; conformance gets 27 s of the default 60 s with all four. */
export const SUITE_TIME_WEIGHT: Record<SuiteName, number> = { props: 0.3, faults: 0.15, bench: 0.15, conformance: 0.5 };

export class BudgetSplit {
  private leftMs: number;
  private readonly pending: SuiteName[];

  constructor(totalMs: number, suites: readonly SuiteName[]) {
    this.leftMs = totalMs;
    this.pending = [...suites];
  }

  /** The share of `suite`, which starts now, in ms; it leaves the suites still to run. */
  share(suite: SuiteName): number {
    const index = this.pending.indexOf(suite);
    if (index < 0) throw new Error(`the suite ${suite} was not planned or already has its share`);
    const weights = this.pending.reduce((sum, s) => sum + SUITE_TIME_WEIGHT[s], 0);
    this.pending.splice(index, 1);
    return (this.leftMs * SUITE_TIME_WEIGHT[suite]) / weights;
  }

  /** A suite given `shareMs` ended after `usedMs`: what it did not use stays for the suites after it. */
  spent(shareMs: number, usedMs: number): void {
    this.leftMs = Math.max(0, this.leftMs - Math.min(shareMs, Math.max(0, usedMs)));
  }

  /** What is left to share, in ms. */
  get remainingMs(): number {
    return this.leftMs;
  }
}
