// Signals for one call that follow long-lived ones (a run's, a session's) without leaving anything on
// them once the call is over.

/** The requests following each caller's signal, and the one listener that aborts them. */
interface Followers {
  readonly inners: Set<AbortController>;
  readonly onAbort: () => void;
}

const followers = new WeakMap<AbortSignal, Followers>();
/** Signals made by followAll: short-lived, released when their call ends. */
const perCall = new WeakSet<AbortSignal>();

function follow(outer: AbortSignal, inner: AbortController): () => void {
  let f = followers.get(outer);
  if (!f) {
    const inners = new Set<AbortController>();
    const onAbort = (): void => {
      followers.delete(outer);
      for (const i of inners) i.abort(outer.reason);
    };
    f = { inners, onAbort };
    followers.set(outer, f);
    outer.addEventListener('abort', onAbort, { once: true });
  }
  const mine = f;
  mine.inners.add(inner);
  return () => {
    mine.inners.delete(inner);
    // The listener goes with the last follower: Node keeps a composite signal (AbortSignal.any) that has
    // an abort listener alive until it aborts, so a listener left behind would keep every call's signal.
    if (mine.inners.size === 0 && followers.get(outer) === mine) {
      followers.delete(outer);
      outer.removeEventListener('abort', mine.onAbort);
    }
  };
}

/**
 * A short-lived signal that aborts when any of `outers` does, released when the call ends. Unlike
 * AbortSignal.any, it leaves nothing behind on a long-lived outer signal: Node 20 keeps a WeakRef per
 * composite in each source signal's set until the source aborts, one per call for a run's whole life.
 */
export function followAll(...outers: (AbortSignal | undefined)[]): { signal: AbortSignal | undefined; release(): void } {
  const present = outers.filter((s): s is AbortSignal => s !== undefined);
  if (!present.length) return { signal: undefined, release: () => undefined };
  // A signal this function made is already one call's: a layer below (the server's call) follows it as it is.
  if (present.length === 1 && perCall.has(present[0])) return { signal: present[0], release: () => undefined };
  const inner = new AbortController();
  perCall.add(inner.signal);
  // The caller may have cancelled while the server was starting: the request must not go out then.
  const aborted = present.find((s) => s.aborted);
  if (aborted) {
    inner.abort(aborted.reason);
    return { signal: inner.signal, release: () => undefined };
  }
  const releases = present.map((outer) => follow(outer, inner));
  return { signal: inner.signal, release: () => releases.forEach((r) => r()) };
}
