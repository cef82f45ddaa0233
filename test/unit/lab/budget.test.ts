// The lab's budget split (src/core/lab/budget.ts): shares by time weight out of what is left on the clock, so
// unused time is handed on and an overrun is taken from the suites after it. No real clock: a fake one is moved
// by how long each suite took.
import * as assert from 'node:assert/strict';
import { BudgetEnded, BudgetSplit, endedByBudget, formatBudget, SUITE_TAIL_MS, SUITE_TIME_WEIGHT, suitePlanMs } from '../../../src/core/lab/budget';
import { DEFAULT_BUDGET_MS } from '../../../src/core/lab/runner';
import { ALL_SUITES, DEFAULT_SUITES, type SuiteName } from '../../../src/core/lab/types';

/** Runs the split: each suite takes `used(share)` of the clock; returns the shares given, by suite. */
function split(totalMs: number, suites: SuiteName[], used: (suite: SuiteName, share: number) => number = (_s, share) => share): Record<string, number> {
  let clock = 1_000_000;
  const budget = new BudgetSplit(totalMs, suites, () => clock);
  const shares: Record<string, number> = {};
  for (const s of suites) {
    shares[s] = budget.share(s);
    clock += used(s, shares[s]);
  }
  return shares;
}

const total = (shares: Record<string, number>) => Object.values(shares).reduce((a, b) => a + b, 0);

describe('lab: the budget split', () => {
  it('gives conformance enough of the default 60 s to finish (it needs 8-25 s) when all four suites run and each uses its whole share', () => {
    const shares = split(DEFAULT_BUDGET_MS, [...ALL_SUITES]);
    assert.ok(shares.conformance >= 25_000, `conformance gets ${shares.conformance} ms`);
    assert.equal(Math.round(shares.conformance), Math.round((60_000 * 0.5) / 1.1));
    assert.ok(Math.abs(total(shares) - DEFAULT_BUDGET_MS) < 1e-6, `the shares add up to ${total(shares)}`);
  });

  it('keeps the default three suites at props 1/2, faults 1/4, bench 1/4 of the budget', () => {
    const shares = split(DEFAULT_BUDGET_MS, [...DEFAULT_SUITES]);
    assert.deepEqual(Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, Math.round(v)])), { props: 30_000, faults: 15_000, bench: 15_000 });
  });

  it('gives a suite that runs alone the whole budget', () => {
    for (const s of ALL_SUITES) assert.equal(split(10_000, [s])[s], 10_000);
  });

  it('hands the time a suite did not use on to the suites after it, by their weights', () => {
    const full = split(DEFAULT_BUDGET_MS, [...ALL_SUITES]);
    // props finishes after 4 s of its 16.4 s: the other 12.4 s go to faults, bench and conformance (0.15 : 0.15 : 0.5).
    const early = split(DEFAULT_BUDGET_MS, [...ALL_SUITES], (s, share) => (s === 'props' ? 4000 : share));
    const handedOn = full.props - 4000;
    for (const s of ['faults', 'bench', 'conformance'] as const) {
      assert.ok(Math.abs(early[s] - (full[s] + (handedOn * SUITE_TIME_WEIGHT[s]) / 0.8)) < 1e-6, `${s}: ${early[s]}`);
    }
    assert.ok(Math.abs(total({ ...early, props: 4000 }) - DEFAULT_BUDGET_MS) < 1e-6, 'what was used plus what was given is the budget');
  });

  it('takes an overrun from the suites after it, by their weights, and gives nothing once the budget is spent', () => {
    const full = split(DEFAULT_BUDGET_MS, [...ALL_SUITES]);
    // faults overruns its share by 10 s: bench and conformance share what is left after it (0.15 : 0.5).
    const over = split(DEFAULT_BUDGET_MS, [...ALL_SUITES], (s, share) => (s === 'faults' ? share + 10_000 : share));
    assert.equal(over.props, full.props);
    assert.equal(over.faults, full.faults);
    for (const s of ['bench', 'conformance'] as const) {
      assert.ok(Math.abs(over[s] - (full[s] - (10_000 * SUITE_TIME_WEIGHT[s]) / 0.65)) < 1e-6, `${s}: ${over[s]} (was ${full[s]})`);
    }
    assert.ok(Math.abs(total({ ...over, faults: over.faults + 10_000 }) - DEFAULT_BUDGET_MS) < 1e-6, 'what was used plus what was given is the budget');
    // props takes the whole budget and more: nothing is left for the others.
    const spent = split(DEFAULT_BUDGET_MS, [...ALL_SUITES], (s) => (s === 'props' ? 70_000 : 0));
    assert.deepEqual([spent.faults, spent.bench, spent.conformance], [0, 0, 0]);
  });

  it('never hands out more than what is left, and what was used plus what was given never exceeds the budget', () => {
    const orders: SuiteName[][] = [[...ALL_SUITES], ['conformance', 'bench', 'faults', 'props'], ['bench', 'conformance'], ['faults', 'props', 'conformance']];
    const takes = [(_s: SuiteName, share: number) => share, () => 0, (_s: SuiteName, share: number) => share / 3, (_s: SuiteName, share: number) => share * 5, (s: SuiteName, share: number) => (s === 'props' ? 0 : share * 2)];
    for (const order of orders) {
      for (const take of takes) {
        let clock = 0;
        const budget = new BudgetSplit(45_000, order, () => clock);
        for (const s of order) {
          const left = budget.remainingMs;
          const share = budget.share(s);
          assert.ok(share <= left + 1e-6, `${s} got ${share} with ${left} left`);
          assert.ok(Math.min(budget.elapsedMs, 45_000) + share <= 45_000 + 1e-6, `${s}: ${budget.elapsedMs} used + ${share} given`);
          clock += take(s, share);
        }
      }
    }
  });

  it('says when a signal ended because of the budget, and names the budget as it was given', () => {
    const byBudget = new AbortController();
    byBudget.abort(new BudgetEnded(90_000));
    const cancelled = new AbortController();
    cancelled.abort(new Error('Cancelled by the user.'));
    assert.equal(endedByBudget(byBudget.signal), true);
    assert.equal(endedByBudget(cancelled.signal), false);
    assert.equal(endedByBudget(new AbortController().signal), false);
    assert.equal(endedByBudget(undefined), false);
    assert.equal((byBudget.signal.reason as Error).message, "the lab's budget of 90 s ended");
    assert.deepEqual([formatBudget(60_000), formatBudget(120_000), formatBudget(1500), formatBudget(6000)], ['1 m', '2 m', '1.5 s', '6 s']);
  });

  it('gives conformance its claim wherever it runs in the order', () => {
    assert.equal(Math.round(split(DEFAULT_BUDGET_MS, ['conformance', 'props', 'faults', 'bench']).conformance), Math.round((60_000 * 0.5) / 1.1));
  });

  it('has a suite that may run to the end of the budget plan to finish before it, so its last calls and clean-up fit', () => {
    // The last suite's share is all that is left: it plans 10 % less, at most SUITE_TAIL_MS less.
    assert.equal(suitePlanMs(10_000, 10_000), 9_000);
    assert.equal(suitePlanMs(60_000, 60_000), 60_000 - SUITE_TAIL_MS);
    // A suite whose share leaves time for the suites after it plans its whole share.
    assert.equal(suitePlanMs(15_000, 60_000), 15_000);
    // After an overrun, what is left bounds the plan, never below nothing.
    assert.equal(suitePlanMs(5_000, 4_000), 3_600);
    assert.equal(suitePlanMs(5_000, 0), 0);
  });

  it('refuses a suite that was not planned or already has its share', () => {
    const budget = new BudgetSplit(1000, ['props']);
    budget.share('props');
    assert.throws(() => budget.share('props'), /already has its share/);
    assert.throws(() => budget.share('bench'), /was not planned/);
  });
});
