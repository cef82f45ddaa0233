// A run's totals, kept as its steps finish: a long-lived run (the gateway's, with thousands of calls) needs
// its end line's figures, not every step record it has already written to the trace.
import type { Decision, SessionTotals, StepRecord } from '../../protocol/trace';

/** Decisions that do not make a run fail when it ends without an explicit status. */
const PASSING = new Set<Decision>(['ok', 'dry_run']);

export class RunTotals {
  private readonly totals: SessionTotals = { steps: 0, latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, tokens_saved: 0 };
  private readonly decisions: Partial<Record<Decision, number>> = {};
  private readonly used = new Set<string>();
  private anyFailed = false;

  /** Counts one top-level record (code steps already carry their tool calls' costs). */
  add(r: StepRecord): void {
    const t = this.totals;
    t.steps++;
    t.latency_ms += r.latency_ms;
    t.tokens_in += r.tokens_in;
    t.tokens_out += r.tokens_out;
    if (!r.reused) t.cost_est += r.cost_est;
    if (r.kind === 'code' && r.tokens_raw !== undefined && r.tokens_returned !== undefined) t.tokens_saved += r.tokens_raw - r.tokens_returned;
    this.decisions[r.decision] = (this.decisions[r.decision] ?? 0) + 1;
    if (r.kind === 'tool' && r.server && r.stages.some((st) => st.stage === 'schema')) this.used.add(`${r.server}/${r.tool}`);
    if (!PASSING.has(r.decision) || r.is_error === true) this.anyFailed = true;
  }

  /** Whether any step was refused, failed or returned an error result. */
  get failed(): boolean {
    return this.anyFailed;
  }

  summary(): { totals: SessionTotals; decisions: Partial<Record<Decision, number>>; toolsUsed: string[] } {
    const totals = { ...this.totals, latency_ms: Math.round(this.totals.latency_ms * 1000) / 1000, cost_est: Math.round(this.totals.cost_est * 1e9) / 1e9 };
    return { totals, decisions: { ...this.decisions }, toolsUsed: [...this.used].sort() };
  }
}
