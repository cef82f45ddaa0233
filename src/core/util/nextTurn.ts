// Items collected during one event-loop turn and handed over together at its end (and at process exit),
// so writers of append-only logs do one synchronous write per turn and never make a caller wait for the disk.
/**
 * The batches still open, drained by one process 'exit' listener: a listener per batch (a gateway has a
 * trace per client) would pass Node's limit of 10 listeners and warn.
 */
const open = new Set<{ drain(): void }>();

function drainAllAtExit(): void {
  for (const batch of open) batch.drain();
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

  /** Hands over what was collected now. */
  drain(): void {
    this.scheduled = false;
    if (!this.items.length) return;
    const items = this.items;
    this.items = [];
    this.deliver(items);
  }

  /** Hands over the rest and stops listening for process exit. */
  dispose(): void {
    this.drain();
    if (open.delete(this) && open.size === 0) process.off('exit', drainAllAtExit);
  }
}
