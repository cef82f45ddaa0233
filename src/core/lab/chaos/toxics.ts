// Toxics for the fault-injection proxy, parsed from `latency=200ms±50,drop=0.05,corrupt=0.01,truncate,
// disconnect-after=50,slow-read,duplicate=0.02,reorder=0.1`. Every random choice comes from a generator seeded by
// --seed, one per direction, so a run is repeatable message for message.

export interface Toxics {
  /** Delay per message, ms, plus a uniform jitter of ± jitterMs. Order is kept. */
  latencyMs: number;
  jitterMs: number;
  /** Probability that a message is dropped. */
  drop: number;
  /** Probability that one character of a message is replaced, making it invalid JSON more often than not. */
  corrupt: number;
  /** Probability that a message is cut in half (still ending in a newline). */
  truncate: number;
  /** Probability that a request from the client is delivered twice. */
  duplicate: number;
  /**
   * Probability that a message is held back and delivered after the next one (a swap). A held message goes
   * out on its own after REORDER_MAX_HOLD_MS when no next message comes: one call in flight never stalls.
   */
  reorder: number;
  /** Close both sides after this many messages (both directions counted); 0 = never. */
  disconnectAfter: number;
  /** Read the server's output in small slices with pauses, so the server sees a slow reader. */
  slowRead: boolean;
}

export const NO_TOXICS: Toxics = { latencyMs: 0, jitterMs: 0, drop: 0, corrupt: 0, truncate: 0, duplicate: 0, reorder: 0, disconnectAfter: 0, slowRead: false };
export const DEFAULT_TRUNCATE_PROBABILITY = 0.05;
export const TOXIC_NAMES = ['latency', 'drop', 'corrupt', 'truncate', 'duplicate', 'reorder', 'disconnect-after', 'slow-read'];

export class ToxicsError extends Error {}

export function parseToxics(spec: string): Toxics {
  const t: Toxics = { ...NO_TOXICS };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    switch (name) {
      case 'latency': {
        const m = /^(\d+(?:\.\d+)?)(?:ms)?(?:(?:±|\+-|~)(\d+(?:\.\d+)?)(?:ms)?)?$/.exec(value ?? '');
        if (!m) throw new ToxicsError(`latency needs a value like latency=200ms or latency=200ms±50, not '${value ?? ''}'.`);
        t.latencyMs = Number(m[1]);
        t.jitterMs = Math.min(t.latencyMs, Number(m[2] ?? 0));
        break;
      }
      case 'drop':
      case 'corrupt':
      case 'duplicate':
      case 'reorder':
        t[name] = probability(name, value);
        break;
      case 'truncate':
        t.truncate = value === undefined ? DEFAULT_TRUNCATE_PROBABILITY : probability(name, value);
        break;
      case 'disconnect-after': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new ToxicsError(`disconnect-after needs a whole number of messages (1 or more), not '${value ?? ''}'.`);
        t.disconnectAfter = n;
        break;
      }
      case 'slow-read':
        if (value !== undefined) throw new ToxicsError(`slow-read takes no value.`);
        t.slowRead = true;
        break;
      default:
        throw new ToxicsError(`unknown toxic '${name}'. Known: ${TOXIC_NAMES.join(', ')}.`);
    }
  }
  return t;
}

function probability(name: string, value: string | undefined): number {
  const p = Number(value);
  if (value === undefined || !Number.isFinite(p) || p < 0 || p > 1) throw new ToxicsError(`${name} needs a probability between 0 and 1, like ${name}=0.05, not '${value ?? ''}'.`);
  return p;
}

export function describeToxics(t: Toxics): string {
  const parts: string[] = [];
  if (t.latencyMs) parts.push(`latency=${t.latencyMs}ms${t.jitterMs ? `±${t.jitterMs}` : ''}`);
  for (const k of ['drop', 'corrupt', 'truncate', 'duplicate', 'reorder'] as const) if (t[k]) parts.push(`${k}=${t[k]}`);
  if (t.disconnectAfter) parts.push(`disconnect-after=${t.disconnectAfter}`);
  if (t.slowRead) parts.push('slow-read');
  return parts.join(',') || 'none';
}

/** mulberry32: small, fast and good enough to make fault choices repeatable under a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
