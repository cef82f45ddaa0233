// Reconnect backoff and circuit breaker for one server. Times come from an injectable clock so
// tests can move through windows and cool-downs without waiting.

export interface RetryPolicy {
  /** Delay before the first automatic reconnect after a failure. */
  backoffInitialMs: number;
  /** Upper bound for the doubling delay. */
  backoffMaxMs: number;
  /** This many failures within `breakerWindowMs` open the circuit. */
  breakerFailures: number;
  breakerWindowMs: number;
  /** How long an open circuit refuses automatic starts before allowing one trial. */
  breakerCooldownMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  backoffInitialMs: 1000,
  backoffMaxMs: 30_000,
  breakerFailures: 3,
  breakerWindowMs: 60_000,
  breakerCooldownMs: 5 * 60_000,
};

export class CircuitBreaker {
  private failures: number[] = [];
  /** Consecutive failures since the last success; drives the backoff. */
  private consecutive = 0;
  private openedAt: number | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly now: () => number,
  ) {}

  recordFailure(): void {
    const t = this.now();
    this.consecutive++;
    this.failures = this.failures.filter((f) => t - f < this.policy.breakerWindowMs);
    this.failures.push(t);
    // A failed trial after the cool-down (half-open) opens the circuit again at once.
    if (this.openedAt !== undefined || this.failures.length >= this.policy.breakerFailures) this.openedAt = t;
  }

  recordSuccess(): void {
    this.consecutive = 0;
    this.openedAt = undefined;
  }

  reset(): void {
    this.failures = [];
    this.consecutive = 0;
    this.openedAt = undefined;
  }

  /** Open: automatic starts are refused until the cool-down has passed. */
  get isOpen(): boolean {
    return this.openedAt !== undefined && this.now() - this.openedAt < this.policy.breakerCooldownMs;
  }

  /** Was opened at some point and not reset (stays true during the half-open trial). */
  get hasTripped(): boolean {
    return this.openedAt !== undefined;
  }

  /** Failures since the last success: the next automatic start is reconnect attempt number this. */
  get consecutiveFailures(): number {
    return this.consecutive;
  }

  get failureCount(): number {
    return this.failures.length;
  }

  /** How long to wait before the next automatic attempt (0 when none is due). */
  backoffRemainingMs(): number {
    if (this.consecutive === 0) return 0;
    const delay = Math.min(this.policy.backoffInitialMs * 2 ** (this.consecutive - 1), this.policy.backoffMaxMs);
    const last = this.failures[this.failures.length - 1] ?? 0;
    return Math.max(0, last + delay - this.now());
  }

  describeOpen(server: string): string {
    const seconds = Math.round(this.policy.breakerWindowMs / 1000);
    return `Stopped retrying ${server} after ${this.failures.length} failures in ${seconds} s; fix it and use Restart.`;
  }
}
