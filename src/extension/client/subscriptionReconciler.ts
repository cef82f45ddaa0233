// Which resources this window holds subscriptions to, brought in line with the ones wanted (the open resource
// tabs) one reconcile at a time. A subscription lives in the server process that accepted it: when a server runs
// again after it stopped (a restart, a crash and reconnect), what was held went with the old process and is made
// again. A reconcile that fails is reported and the next one runs as usual. Only running servers are kept track of
// (a stopped one holds nothing), so a server that leaves the configuration leaves nothing behind here. Knows nothing
// of VS Code (unit-tested).

export interface SubscriptionTarget {
  server: string;
  uri: string;
}

/** What the reconciler asks of the servers (ClientServerFeatures). */
export interface SubscribingServers {
  isRunning(server: string): boolean;
  /** Each change of a server's state, as whether it runs now; returns the unsubscribe. */
  onDidChangeRunning(listener: (server: string, running: boolean) => void): () => void;
  canSubscribe(server: string): Promise<boolean>;
  subscribe(server: string, uri: string): Promise<void>;
  unsubscribe(server: string, uri: string): Promise<void>;
}

export interface SubscriptionReports {
  /** A subscribe or unsubscribe the server refused (the document still shows the resource). */
  refused(server: string, message: string): void;
  /** A reconcile that failed as a whole (the subscriptions stay as they were until the next one). */
  failed(message: string): void;
}

const key = (server: string, uri: string) => JSON.stringify([server, uri]);

export class SubscriptionReconciler {
  /** The subscriptions held: key → target, and which run of its server accepted it. */
  private readonly held = new Map<string, SubscriptionTarget & { run: number }>();
  /**
   * Per server that runs (or stopped since the last reconcile): whether it ran when last heard of, and which run of
   * it that is. Run numbers are never reused, so a server forgotten and heard of again is never taken for its old run.
   */
  private readonly servers = new Map<string, { running: boolean; run: number }>();
  private runs = 0;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly features: SubscribingServers,
    /** The resources wanted now (each is subscribed only while its server runs). */
    private readonly wanted: () => Iterable<SubscriptionTarget>,
    private readonly reports: SubscriptionReports,
  ) {
    this.stopListening = features.onDidChangeRunning((server, running) => {
      if (this.serverChanged(server, running)) void this.sync();
    });
  }

  /** The resources subscribed to now. */
  subscribed(): SubscriptionTarget[] {
    return [...this.held.values()].map(({ server, uri }) => ({ server, uri }));
  }

  /**
   * A server's state changed; true when its running changed (a reconcile is due). A server that runs again after
   * it was seen stopped has a new process: the subscriptions held with the old one no longer count, even when
   * the reconcile queued at its stop runs only after it is back (the queue was busy). A server not kept track of
   * holds nothing here (a subscription makes its entry), so its stopping changes nothing.
   */
  private serverChanged(server: string, running: boolean): boolean {
    const seen = this.servers.get(server);
    if (seen ? seen.running === running : !running) return false;
    this.servers.set(server, { running, run: running ? ++this.runs : seen!.run });
    return true;
  }

  /** Queues a reconcile; resolves when it is done (never rejects: a failure goes to `reports.failed`). */
  sync(): Promise<void> {
    this.queue = this.queue
      .then(() => this.reconcile())
      .catch((err: unknown) => this.reports.failed(`Updating the resource subscriptions failed: ${messageOf(err)}. Open documents may not be re-read when their resources change; the next tab change tries again.`));
    return this.queue;
  }

  /** The window is closing: a reconcile queued before must not subscribe anew (the servers are stopping). */
  stop(): void {
    this.stopped = true;
    this.stopListening();
  }

  /** The run a subscription made now belongs to: the server's current one (kept track of from now on). */
  private currentRun(server: string): number {
    let seen = this.servers.get(server);
    if (!seen) this.servers.set(server, (seen = { running: true, run: ++this.runs }));
    return seen.run;
  }

  /** Stopped servers no subscription refers to any more (one that left the configuration among them). */
  private forgetStopped(): void {
    const holding = new Set([...this.held.values()].map((ref) => ref.server));
    for (const [server, seen] of [...this.servers]) if (!seen.running && !holding.has(server)) this.servers.delete(server);
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, SubscriptionTarget>();
    for (const ref of this.wanted()) if (this.features.isRunning(ref.server)) wanted.set(key(ref.server, ref.uri), ref);
    for (const [k, ref] of [...this.held]) {
      // Held by a process that has gone (a stopped or restarted server): nothing is left to end there.
      const live = ref.run === this.servers.get(ref.server)?.run && this.features.isRunning(ref.server);
      if (live && wanted.has(k)) continue;
      this.held.delete(k);
      if (live) await this.features.unsubscribe(ref.server, ref.uri).catch((e: unknown) => this.refused(ref, 'end the subscription to', e));
    }
    for (const [k, ref] of wanted) {
      if (this.held.has(k)) continue;
      const run = this.currentRun(ref.server);
      try {
        if (!(await this.features.canSubscribe(ref.server))) continue;
        await this.features.subscribe(ref.server, ref.uri);
        this.held.set(k, { ...ref, run });
      } catch (e) {
        this.refused(ref, 'subscribe to', e);
      }
    }
    this.forgetStopped();
  }

  private refused(ref: SubscriptionTarget, what: string, e: unknown): void {
    this.reports.refused(ref.server, `Could not ${what} ${ref.uri}: ${messageOf(e)}. The open document is not re-read when the resource changes; reopen it to try again.`);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
