// A start that stop() may end at any of its waits: the reconnect backoff, the consent prompt, the spawn and
// handshake, the first listing. Each wait ends at once when the start's signal aborts, and leaves no timer or
// listener behind.

/** The reason a start's signal carries: the server was stopped while it was starting. */
export class StartStopped extends Error {
  constructor(name: string) {
    super(`${name} was stopped while it was starting.`);
  }
}

/** `step`, or its signal's reason as soon as the signal aborts (the step itself is left to settle unheard). */
export function untilAborted<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return step;
  step.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Waits `ms`, or rejects with the signal's reason once it aborts (clearing the timer). */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return untilAborted(waited, signal).finally(() => clearTimeout(timer));
}
