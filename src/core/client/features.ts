// The client features behind the connection layer's seam: one object per host (the CLI builds one per
// command, VS Code one per window) that answers servers' requests and takes their notifications, and that
// runs attach to while they are open so what a server asks lands in the right trace.
import type { ServerNotificationHandlers, ServerRequestHandlers } from '../servers/serverRequests';
import type { PriceTable } from '../tokens/index';
import { ElicitationFeature } from './elicitation';
import { LoggingFeature } from './logging';
import { RecordIds } from './records';
import { RootsFeature } from './roots';
import { ClientRuns } from './runs';
import { SamplingFeature } from './sampling';
import { ToolChanges } from './toolChanges';
import type { ClientHost, ClientRun } from './types';

export class ClientFeatures {
  private readonly runs = new ClientRuns();
  private readonly ids = new RecordIds();
  readonly sampling: SamplingFeature;
  readonly elicitation: ElicitationFeature;
  readonly roots: RootsFeature;
  readonly logging: LoggingFeature;
  readonly toolChanges: ToolChanges;

  constructor(
    readonly host: ClientHost,
    prices?: PriceTable,
  ) {
    this.sampling = new SamplingFeature(host, this.runs, this.ids, prices);
    this.elicitation = new ElicitationFeature(host, this.runs, this.ids);
    this.roots = new RootsFeature(host, this.runs);
    this.logging = new LoggingFeature(host, this.runs, this.ids);
    this.toolChanges = new ToolChanges(host, this.ids);
  }

  /** A run is open: server requests whose origin names it, and logs of its servers, are recorded in it. */
  attach(run: ClientRun): () => void {
    return this.runs.attach(run);
  }

  /** For ServerManagerOptions.serverRequests: every capability is declared (sampling, elicitation, roots). */
  requestHandlers(): ServerRequestHandlers {
    return {
      createMessage: (ctx, params) => this.sampling.createMessage(ctx, params),
      elicit: (ctx, params) => this.elicitation.elicit(ctx, params),
      listRoots: async (ctx) => this.roots.listRoots(ctx.server, ctx.origin),
    };
  }

  /** For ServerManagerOptions.serverNotifications. */
  notificationHandlers(): ServerNotificationHandlers {
    return {
      onLog: (server, params) => this.logging.onLog(server, params),
      onResourceUpdated: (server, uri) => this.logging.onResourceUpdated(server, uri),
    };
  }
}
