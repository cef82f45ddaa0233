// One direction of the proxy: newline-delimited JSON-RPC messages in, the same messages out after the
// toxics had their say. Kept free of processes and sockets so it can be measured and tested alone.
import { ToxicDecider, type Direction, type RelayCounters } from './decide';
import type { Toxics } from './toxics';

export type { Direction, RelayCounters } from './decide';

/** How long a message held back by the reorder toxic waits for a next message to overtake it. */
export const REORDER_MAX_HOLD_MS = 50;

export class LineRelay {
  private buffer = '';
  private readonly decider: ToxicDecider;
  private readonly delayed: { due: number; payload: string; spared: boolean }[] = [];
  private held?: { payload: string; timer: NodeJS.Timeout };
  private drained?: () => void;
  private stopped = false;

  constructor(
    toxics: Toxics,
    seed: number,
    direction: Direction,
    private readonly write: (line: string) => void,
    /** Sees every message passing either direction; returns false when the connection must close now. */
    private readonly admit: (line: string) => boolean,
  ) {
    this.decider = new ToxicDecider(toxics, seed, direction);
  }

  get counters(): RelayCounters {
    return this.decider.counters;
  }

  push(chunk: string): void {
    if (this.stopped) return;
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.length) this.message(line);
      if (this.stopped) return;
    }
  }

  stop(): void {
    this.stopped = true;
    this.delayed.length = 0;
    if (this.held) clearTimeout(this.held.timer);
    this.held = undefined;
  }

  /** Calls back once every delayed or held message has gone out (at once when none is waiting). */
  whenDrained(callback: () => void): void {
    this.releaseHeld();
    if (!this.delayed.length) callback();
    else this.drained = callback;
  }

  /** The last step of every message: the reorder toxic may hold it back until the next one has gone out. */
  private emit(payload: string, spared: boolean): void {
    if (this.held) {
      this.write(payload);
      this.releaseHeld();
      return;
    }
    if (!this.decider.swapNext(spared)) {
      this.write(payload);
      return;
    }
    this.held = { payload, timer: setTimeout(() => this.releaseHeld(), REORDER_MAX_HOLD_MS) };
  }

  private releaseHeld(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    clearTimeout(held.timer);
    if (!this.stopped) this.write(held.payload);
  }

  private drainLater(): void {
    const head = this.delayed[0];
    if (!head) {
      this.releaseHeld();
      const drained = this.drained;
      this.drained = undefined;
      drained?.();
      return;
    }
    setTimeout(() => {
      const now = Date.now();
      while (this.delayed.length && this.delayed[0].due <= now) {
        const next = this.delayed.shift()!;
        this.emit(next.payload, next.spared);
      }
      this.drainLater();
    }, Math.max(0, head.due - Date.now()));
  }

  private message(line: string): void {
    if (!this.admit(line)) {
      this.counters.messages++;
      this.stop();
      return;
    }
    if (this.decider.inert) {
      this.counters.messages++;
      this.write(`${line}\n`);
      return;
    }
    const fate = this.decider.decide(line);
    if (fate.drop) return;
    const payload = `${fate.text}\n`.repeat(fate.copies);
    if (!fate.delayMs && !this.decider.toxics.latencyMs) {
      this.emit(payload, fate.spared);
      return;
    }
    // One queue drained by one timer: messages leave in the order they came, whatever their jitter.
    this.delayed.push({ due: Math.max(Date.now() + fate.delayMs, this.delayed.at(-1)?.due ?? 0), payload, spared: fate.spared });
    if (this.delayed.length === 1) this.drainLater();
  }
}
