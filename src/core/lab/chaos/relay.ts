// One direction of the proxy: newline-delimited JSON-RPC messages in, the same messages out after the
// toxics had their say. Kept free of processes and sockets so it can be measured and tested alone.
import { seededRandom, type Toxics } from './toxics';

/** How long a message held back by the reorder toxic waits for a next message to overtake it. */
export const REORDER_MAX_HOLD_MS = 50;

// The start of a session: initialize, its answer, initialized, and the tool/resource/prompt listings the
// client makes while starting (and again on list_changed).
const HANDSHAKE = /"method"\s*:\s*"(?:initialize|notifications\/initialized|(?:tools|resources|prompts)\/list)"|"result"\s*:\s*\{\s*"(?:tools|resources|prompts)"\s*:|"protocolVersion"[^\n]*"serverInfo"|"serverInfo"[^\n]*"protocolVersion"/;

export type Direction = 'to_server' | 'to_client';

export interface RelayCounters {
  messages: number;
  dropped: number;
  corrupted: number;
  truncated: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

export class LineRelay {
  readonly counters: RelayCounters = { messages: 0, dropped: 0, corrupted: 0, truncated: 0, duplicated: 0, delayed: 0, reordered: 0 };
  private buffer = '';
  private readonly random: () => number;
  /** Its own generator, so turning reorder on does not shift the other toxics' choices under a seed. */
  private readonly reorderRandom: () => number;
  private readonly delayed: { due: number; payload: string; spared: boolean }[] = [];
  private held?: { payload: string; timer: NodeJS.Timeout };
  private drained?: () => void;
  private stopped = false;
  /** No toxic changes messages in this direction: pass them straight on. */
  private readonly inert: boolean;

  constructor(
    private readonly toxics: Toxics,
    seed: number,
    private readonly direction: Direction,
    private readonly write: (line: string) => void,
    /** Counts every message passing either direction; returns false when the connection must close now. */
    private readonly admit: () => boolean,
  ) {
    this.inert = !toxics.drop && !toxics.corrupt && !toxics.truncate && !toxics.latencyMs && !toxics.reorder && !(direction === 'to_server' && toxics.duplicate);
    this.random = seededRandom(direction === 'to_server' ? seed : seed ^ 0x5bd1e995);
    this.reorderRandom = seededRandom((direction === 'to_server' ? seed : seed ^ 0x5bd1e995) ^ 0x27d4eb2f);
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
    const swap = !spared && this.toxics.reorder > 0 && this.reorderRandom() < this.toxics.reorder;
    if (this.held) {
      this.write(payload);
      this.releaseHeld();
      return;
    }
    if (!swap) {
      this.write(payload);
      return;
    }
    this.counters.reordered++;
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
    this.counters.messages++;
    if (!this.admit()) {
      this.stop();
      return;
    }
    const t = this.toxics;
    if (this.inert) {
      this.write(`${line}\n`);
      return;
    }
    // Each toxic draws its number whether or not it is on, so adding one toxic does not shift the others' choices.
    const [rDrop, rCorrupt, rTruncate, rDuplicate, rJitter, rPos] = [this.random(), this.random(), this.random(), this.random(), this.random(), this.random()];
    // The handshake and listings are spared (latency aside): a server that never got its `initialize` says
    // nothing about how it copes with faults later, only that it was never started.
    const spared = HANDSHAKE.test(line);
    if (!spared && rDrop < t.drop) {
      this.counters.dropped++;
      return;
    }
    let out = line;
    if (!spared && rCorrupt < t.corrupt) {
      const at = Math.floor(rPos * out.length);
      out = `${out.slice(0, at)}${out[at] === '#' ? '@' : '#'}${out.slice(at + 1)}`;
      this.counters.corrupted++;
    }
    if (!spared && rTruncate < t.truncate) {
      out = out.slice(0, Math.max(1, Math.floor(out.length / 2)));
      this.counters.truncated++;
    }
    const copies = !spared && this.direction === 'to_server' && rDuplicate < t.duplicate && /"id"\s*:/.test(out) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    const payload = `${out}\n`.repeat(copies);
    if (!t.latencyMs) {
      this.emit(payload, spared);
      return;
    }
    const delay = t.latencyMs + (rJitter * 2 - 1) * t.jitterMs;
    this.counters.delayed++;
    // One queue drained by one timer: messages leave in the order they came, whatever their jitter.
    this.delayed.push({ due: Math.max(Date.now() + delay, this.delayed.at(-1)?.due ?? 0), payload, spared });
    if (this.delayed.length === 1) this.drainLater();
  }
}
