// Items collected during one event-loop turn and handed over together at its end (and at process exit),
// so writers of append-only logs do one synchronous write per turn and never make a caller wait for the disk.
export class NextTurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;
  private readonly exitHook = () => this.drain();

  constructor(private readonly deliver: (items: T[]) => void) {
    process.on('exit', this.exitHook);
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
    process.off('exit', this.exitHook);
  }
}
