// The calls in flight on one connection, so that what a server asks of the client while a call runs can be
// tied to that call: its `origin` (the caller's step identity) and a signal that ends with it. A 2025
// server→client request carries no reference to the call that caused it; the only safe attribution is the
// one call in flight. With two or more, the request gets no origin rather than a guess.

export interface InFlightCall {
  readonly origin?: unknown;
  /** Aborted when the call settles (or the connection closes). */
  readonly signal: AbortSignal;
}

export class InFlightCalls {
  private readonly calls = new Map<InFlightCall, AbortController>();
  private readonly connection = new AbortController();

  /** Aborted when the connection closes. */
  get closed(): AbortSignal {
    return this.connection.signal;
  }

  /** Registers a call; `end` must be called when it settles. */
  begin(origin: unknown): { call: InFlightCall; end(): void } {
    const controller = new AbortController();
    const call: InFlightCall = { origin, signal: controller.signal };
    this.calls.set(call, controller);
    return {
      call,
      end: () => {
        this.calls.delete(call);
        controller.abort(new Error('the call that caused this request has ended'));
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
    return this.calls.keys().next().value;
  }

  get size(): number {
    return this.calls.size;
  }

  /** The connection closed: every call's server requests are void. */
  endAll(): void {
    for (const [call, controller] of [...this.calls]) {
      this.calls.delete(call);
      controller.abort(new Error('the connection closed'));
    }
    this.connection.abort(new Error('the connection closed'));
  }
}
