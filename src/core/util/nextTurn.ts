// Items collected during one event-loop turn and handed over together at its end (and at process exit),
// so writers of append-only logs do one synchronous write per turn and never make a caller wait for the disk.
/**
 * The batches still open, drained by one process 'exit' listener: a listener per batch (a gateway has a
 * trace per client) would pass Node's limit of 10 listeners and warn.
 */
const open = new Set<{ drain(): boolean }>();

function drainAllAtExit(): void {
  // A batch's delivery may push into another batch (deferred bookkeeping into an audit log): drain until all are empty.
  for (let delivered = true; delivered; ) {
    delivered = false;
    for (const batch of open) delivered = batch.drain() || delivered;
  }
}

export class NextTurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly deliver: (items: T[]) => void) {
    if (open.size === 0) process.on('exit', drainAllAtExit);
    open.add(this);
  }

  push(item: T): void {
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Hands over what was collected now; false when there was nothing. */
  drain(): boolean {
    this.scheduled = false;
    if (!this.items.length) return false;
    const items = this.items;
    this.items = [];
    this.deliver(items);
    return true;
  }

  /** Hands over the rest and stops listening for process exit. */
  dispose(): void {
    this.drain();
    if (open.delete(this) && open.size === 0) process.off('exit', drainAllAtExit);
  }
}

/**
 * Delivers a batch of deferred jobs (record-keeping done after an answer went out): one that throws is reported
 * and does not stop the others — in a setImmediate its exception would end the process (a gateway).
 */
export function runJobs(jobs: readonly (() => void)[], onError: (err: Error) => void = (err) => process.emitWarning(`Deferred record-keeping failed: ${err.message}`)): void {
  for (const job of jobs) {
    try {
      job();
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

