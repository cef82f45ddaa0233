// What the toxics do to one JSON-RPC message, decided from the seeded generators of one direction: shared
// by the stdio relay (a message is a line) and the HTTP proxy (a message is a request body or an SSE event),
// so the same seed makes the same choices over either transport.
import { seededRandom, type Toxics } from './toxics';

// The start of a session: initialize, its answer, initialized, the 2026 discovery probe and its answer (whose id
// the SDK names), and the tool/resource/prompt listings the client makes while starting (and again on list_changed).
const HANDSHAKE = /"method"\s*:\s*"(?:initialize|notifications\/initialized|server\/discover|(?:tools|resources|prompts)\/list)"|"id"\s*:\s*"server-discover-probe-|"result"\s*:\s*\{\s*"(?:tools|resources|prompts)"\s*:|"protocolVersion"[^\n]*"serverInfo"|"serverInfo"[^\n]*"protocolVersion"/;

export type Direction = 'to_server' | 'to_client';

/**
 * Whether a message counts toward `disconnect-after`: a request or an answer after the handshake. The handshake and
 * the listings are spared (a connection cut while starting says nothing about recovering from a cut), and so are
 * notifications, whose number depends on the server: server-everything sends seven tools/list_changed while it
 * starts, which would use up `disconnect-after=8` before the first call every time the connection is made.
 */
export function countsTowardDisconnect(message: string): boolean {
  if (HANDSHAKE.test(message)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return /"id"\s*:/.test(message);
  }
  const hasId = (m: unknown) => typeof m === 'object' && m !== null && 'id' in m;
  return Array.isArray(parsed) ? parsed.some(hasId) : hasId(parsed);
}

export interface RelayCounters {
  messages: number;
  dropped: number;
  corrupted: number;
  truncated: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

export interface MessageFate {
  /** Lost on the way. */
  drop: boolean;
  /** The text that arrives (maybe corrupted or cut). */
  text: string;
  /** 2 when a request is delivered twice. */
  copies: number;
  /** Held back this long, ms (latency ± jitter). */
  delayMs: number;
  /** Held back until the next message has gone out (reorder). */
  swap: boolean;
  /** The handshake and listings: never faulted, only delayed. */
  spared: boolean;
}

export class ToxicDecider {
  readonly counters: RelayCounters = { messages: 0, dropped: 0, corrupted: 0, truncated: 0, duplicated: 0, delayed: 0, reordered: 0 };
  private readonly random: () => number;
  /** Its own generator, so turning reorder on does not shift the other toxics' choices under a seed. */
  private readonly reorderRandom: () => number;
  /** No toxic changes messages in this direction: pass them straight on. */
  readonly inert: boolean;

  constructor(
    readonly toxics: Toxics,
    seed: number,
    readonly direction: Direction,
  ) {
    this.inert = !toxics.drop && !toxics.corrupt && !toxics.truncate && !toxics.latencyMs && !toxics.reorder && !(direction === 'to_server' && toxics.duplicate);
    const base = direction === 'to_server' ? seed : seed ^ 0x5bd1e995;
    this.random = seededRandom(base);
    this.reorderRandom = seededRandom(base ^ 0x27d4eb2f);
  }

  /** The fate of one message (counted). */
  decide(message: string): MessageFate {
    this.counters.messages++;
    const t = this.toxics;
    if (this.inert) return { drop: false, text: message, copies: 1, delayMs: 0, swap: false, spared: false };
    // Each toxic draws its number whether or not it is on, so adding one toxic does not shift the others' choices.
    const [rDrop, rCorrupt, rTruncate, rDuplicate, rJitter, rPos] = [this.random(), this.random(), this.random(), this.random(), this.random(), this.random()];
    // A server that never got its `initialize` says nothing about how it copes with faults later.
    const spared = HANDSHAKE.test(message);
    const fate: MessageFate = { drop: false, text: message, copies: 1, delayMs: 0, swap: false, spared };
    if (!spared && rDrop < t.drop) {
      this.counters.dropped++;
      return { ...fate, drop: true };
    }
    if (!spared && rCorrupt < t.corrupt) {
      const at = Math.floor(rPos * fate.text.length);
      fate.text = `${fate.text.slice(0, at)}${fate.text[at] === '#' ? '@' : '#'}${fate.text.slice(at + 1)}`;
      this.counters.corrupted++;
    }
    if (!spared && rTruncate < t.truncate) {
      fate.text = fate.text.slice(0, Math.max(1, Math.floor(fate.text.length / 2)));
      this.counters.truncated++;
    }
    if (!spared && this.direction === 'to_server' && rDuplicate < t.duplicate && /"id"\s*:/.test(fate.text)) {
      fate.copies = 2;
      this.counters.duplicated++;
    }
    if (t.latencyMs) {
      fate.delayMs = t.latencyMs + (rJitter * 2 - 1) * t.jitterMs;
      this.counters.delayed++;
    }
    return fate;
  }

  /** Whether this message is held back behind the next one; drawn when it is about to go out. */
  swapNext(spared: boolean): boolean {
    const swap = !spared && this.toxics.reorder > 0 && this.reorderRandom() < this.toxics.reorder;
    if (swap) this.counters.reordered++;
    return swap;
  }
}
