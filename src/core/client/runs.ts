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

  /** Every attached run that reaches the server. */
  forServer(server: string): ClientRun[] {
    return [...this.runs.values()].filter((r) => r.servers.includes(server));
  }
}
