// Two limits of the HTTP gateway: a token bucket per client (requests per second with a burst) and a
// concurrency cap per upstream server (calls beyond it wait their turn instead of piling onto the server).

export interface RateLimit {
  /** Sustained requests per second per client. */
  ratePerSecond: number;
  /** Requests a client may make at once before the rate applies. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** How many idle buckets are kept before the full ones (clients that stopped) are dropped. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `client`; when none is left, says after how many seconds one will be. */
  take(client: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.dropFull(t);
      bucket = { tokens: this.limit.burst, updated: t };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((t - bucket.updated) / 1000) * this.limit.ratePerSecond);
      bucket.updated = t;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.ratePerSecond)) };
  }

  private dropFull(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.updated) / 1000) * this.limit.ratePerSecond >= this.limit.burst) this.buckets.delete(key);
    }
  }
}

/** At most `max` holders at once; the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for a free slot'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** One semaphore per upstream server, created on first use. */
export class ConcurrencyLimits {
  private readonly perServer = new Map<string, Semaphore>();

  constructor(readonly maxPerServer: number) {}

  of(server: string): Semaphore {
    let s = this.perServer.get(server);
    if (!s) this.perServer.set(server, (s = new Semaphore(this.maxPerServer)));
    return s;
  }
}
