// One direction of the proxy: newline-delimited JSON-RPC messages in, the same messages out after the
// toxics had their say. Kept free of processes and sockets so it can be measured and tested alone.
import { seededRandom, type Toxics } from './toxics';

const HANDSHAKE = /"method"\s*:\s*"(?:initialize|notifications\/initialized)"|"protocolVersion"[^\n]*"serverInfo"|"serverInfo"[^\n]*"protocolVersion"/;

export type Direction = 'to_server' | 'to_client';

export interface RelayCounters {
  messages: number;
  dropped: number;
  corrupted: number;
  truncated: number;
  duplicated: number;
  delayed: number;
}

export class LineRelay {
  readonly counters: RelayCounters = { messages: 0, dropped: 0, corrupted: 0, truncated: 0, duplicated: 0, delayed: 0 };
  private buffer = '';
  private readonly random: () => number;
  /** When the previous delayed message goes out: later ones never overtake it. */
  private lastDue = 0;
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
    this.inert = !toxics.drop && !toxics.corrupt && !toxics.truncate && !toxics.latencyMs && !(direction === 'to_server' && toxics.duplicate);
    this.random = seededRandom(direction === 'to_server' ? seed : seed ^ 0x5bd1e995);
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
    // The handshake is spared (latency aside): a server that never got its `initialize` says nothing about
    // how it copes with faults later, only that it was never started.
    if (HANDSHAKE.test(line)) {
      this.write(`${line}\n`);
      return;
    }
    if (rDrop < t.drop) {
      this.counters.dropped++;
      return;
    }
    let out = line;
    if (rCorrupt < t.corrupt) {
      const at = Math.floor(rPos * out.length);
      out = `${out.slice(0, at)}${out[at] === '#' ? '@' : '#'}${out.slice(at + 1)}`;
      this.counters.corrupted++;
    }
    if (rTruncate < t.truncate) {
      out = out.slice(0, Math.max(1, Math.floor(out.length / 2)));
      this.counters.truncated++;
    }
    const copies = this.direction === 'to_server' && rDuplicate < t.duplicate && /"id"\s*:/.test(out) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    const payload = `${out}\n`.repeat(copies);
    if (!t.latencyMs) {
      this.write(payload);
      return;
    }
    const delay = t.latencyMs + (rJitter * 2 - 1) * t.jitterMs;
    const due = Math.max(Date.now() + delay, this.lastDue);
    this.lastDue = due;
    this.counters.delayed++;
    setTimeout(() => {
      if (!this.stopped) this.write(payload);
    }, due - Date.now());
  }
}
