// The runs the client features can record into: a run attaches itself while it is open, and a server's
// request finds its run through the origin of the call that caused it (or, for notifications, by server).
import type { CallOrigin, ClientRun } from './types';
import { isCallOrigin } from './types';

export class ClientRuns {
  private readonly runs = new Map<string, ClientRun>();

  /** The run stays attached until the returned function is called. */
  attach(run: ClientRun): () => void {
    this.runs.set(run.sessionId, run);
    return () => {
      if (this.runs.get(run.sessionId) === run) this.runs.delete(run.sessionId);
    };
  }

  /** The run and step a server's request belongs to, when the origin names an attached run. */
  forOrigin(origin: unknown): { run: ClientRun; origin: CallOrigin } | undefined {
    if (!isCallOrigin(origin)) return undefined;
    const run = this.runs.get(origin.sessionId);
    return run && { run, origin };
  }

  /**
   * The run that answers a request no call can be named for (a 2025 server asking while two calls are in flight,
   * or between calls): only when every attached run reaching the server answers that kind of request for itself
   * (the lab's runs), so a request that may belong to someone else's run still reaches the host.
   */
  unattributed(server: string, kind: 'elicitation' | 'sampling'): ClientRun | undefined {
    const reaching = this.forServer(server);
    return reaching.length && reaching.every((r) => r.settings[kind]?.by) ? reaching[0] : undefined;
  }

  /** Every attached run that reaches the server. */
  forServer(server: string): ClientRun[] {
    return [...this.runs.values()].filter((r) => r.servers.includes(server));
  }
}
