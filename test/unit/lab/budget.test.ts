// The lab's budget split (src/core/lab/budget.ts): shares by time weight, unused time handed on, overruns not
// handed out again, and never more than the budget in total. No clocks: the tests say how long each suite took.
import * as assert from 'node:assert/strict';
import { BudgetSplit, SUITE_TIME_WEIGHT } from '../../../src/core/lab/budget';
import { DEFAULT_BUDGET_MS } from '../../../src/core/lab/runner';
import { ALL_SUITES, DEFAULT_SUITES, type SuiteName } from '../../../src/core/lab/types';

/** Runs the split: each suite takes `used(share)` of its share; returns the shares given, by suite. */
function split(totalMs: number, suites: SuiteName[], used: (suite: SuiteName, share: number) => number = (_s, share) => share): Record<string, number> {
  const budget = new BudgetSplit(totalMs, suites);
  const shares: Record<string, number> = {};
  for (const s of suites) {
    shares[s] = budget.share(s);
    budget.spent(shares[s], used(s, shares[s]));
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

  it('does not give an overrun back, nor take it from the suites after it', () => {
    const full = split(DEFAULT_BUDGET_MS, [...ALL_SUITES]);
    const over = split(DEFAULT_BUDGET_MS, [...ALL_SUITES], (s, share) => (s === 'faults' ? share + 30_000 : share));
    assert.deepEqual(over, full);
    assert.ok(total(over) <= DEFAULT_BUDGET_MS + 1e-6);
  });

  it('never hands out more than the budget, whatever the order and however long each suite takes', () => {
    const orders: SuiteName[][] = [[...ALL_SUITES], ['conformance', 'bench', 'faults', 'props'], ['bench', 'conformance'], ['faults', 'props', 'conformance']];
    const takes = [(_s: SuiteName, share: number) => share, () => 0, (_s: SuiteName, share: number) => share / 3, (_s: SuiteName, share: number) => share * 5, (s: SuiteName, share: number) => (s === 'props' ? 0 : share * 2)];
    for (const order of orders) {
      for (const take of takes) {
        // Each share is at most what was left when it started, and the time spent inside the shares stays within the budget.
        const budget = new BudgetSplit(45_000, order);
        let given = 0;
        for (const s of order) {
          const share = budget.share(s);
          assert.ok(share <= budget.remainingMs + 1e-6, `${s} got ${share} with ${budget.remainingMs} left`);
          const used = take(s, share);
          given += Math.min(used, share);
          budget.spent(share, used);
        }
        assert.ok(given <= 45_000 + 1e-6, `${given} ms spent inside the shares`);
      }
    }
  });

  it('gives conformance its claim wherever it runs in the order', () => {
    assert.equal(Math.round(split(DEFAULT_BUDGET_MS, ['conformance', 'props', 'faults', 'bench']).conformance), Math.round((60_000 * 0.5) / 1.1));
  });

  it('refuses a suite that was not planned or already has its share', () => {
    const budget = new BudgetSplit(1000, ['props']);
    budget.share('props');
    assert.throws(() => budget.share('props'), /already has its share/);
    assert.throws(() => budget.share('bench'), /was not planned/);
  });
});
