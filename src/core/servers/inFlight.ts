// The calls in flight on one connection, so that what a server asks of the client while a call runs can be
// tied to that call: its `origin` (the caller's step identity) and a signal that ends with it. A 2025
// server→client request carries no reference to the call that caused it; the only safe attribution is the
// one call in flight. With two or more, the request gets no origin rather than a guess.

export interface InFlightCall {
  readonly origin?: unknown;
  /** Aborted when the call settles (or the connection closes). */
  readonly signal: AbortSignal;
}

/**
 * A call's signal is made only when a server request asks for it: most calls see no server request, and
 * a controller made and aborted per call costs more than the rest of the bookkeeping.
 */
class TrackedCall implements InFlightCall {
  private controller: AbortController | undefined;
  private endedWith: string | undefined;

  constructor(readonly origin: unknown) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.endedWith) this.controller.abort(new Error(this.endedWith));
    }
    return this.controller.signal;
  }

  end(reason: string): void {
    this.endedWith ??= reason;
    this.controller?.abort(new Error(reason));
  }
}

export class InFlightCalls {
  private readonly calls = new Set<TrackedCall>();
  private readonly connection = new AbortController();

  /** Aborted when the connection closes. */
  get closed(): AbortSignal {
    return this.connection.signal;
  }

  /** Registers a call; `end` must be called when it settles. */
  begin(origin: unknown): { call: InFlightCall; end(): void } {
    const call = new TrackedCall(origin);
    this.calls.add(call);
    return {
      call,
      end: () => {
        this.calls.delete(call);
        call.end('the call that caused this request has ended');
      },
    };
  }

  /**
   * The call whose `input_required` result (2026-07-28) the SDK is fulfilling right now. The SDK reports each
   * round through that call's own progress callback and then, in the same turn, hands the embedded requests
   * to the registered handlers; the mark lives until the end of that turn.
   */
  fulfilling?: InFlightCall;

  markFulfilling(call: InFlightCall): void {
    this.fulfilling = call;
    queueMicrotask(() => {
      if (this.fulfilling === call) this.fulfilling = undefined;
    });
  }

  /** The call a 2025 server request belongs to: only when exactly one is in flight. */
  sole(): InFlightCall | undefined {
    if (this.calls.size !== 1) return undefined;
    return this.calls.values().next().value;
  }

  get size(): number {
    return this.calls.size;
  }

  /** The connection closed: every call's server requests are void. */
  endAll(): void {
    for (const call of [...this.calls]) {
      this.calls.delete(call);
      call.end('the connection closed');
    }
    this.connection.abort(new Error('the connection closed'));
  }
}
