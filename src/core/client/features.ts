// The client features behind the connection layer's seam: one object per host (the CLI builds one per
// command, VS Code one per window) that answers servers' requests and takes their notifications, and that
// runs attach to while they are open so what a server asks lands in the right trace.
//
// Every command declares the capabilities, but few get a request: each feature (and the guards, tokenizer,
// schema validator and linter behind it) is loaded when it is first needed. esbuild keeps these
// `require` calls lazy, so `mcp-harness tools` starts as light as before.
import type { ServerNotificationHandlers, ServerRequestHandlers } from '../servers/serverRequests';
import type { PriceTable } from '../tokens/index';
import type { ElicitationFeature } from './elicitation';
import type { LoggingFeature } from './logging';
import { RecordIds } from './records';
import { RootsFeature } from './roots';
import { ClientRuns } from './runs';
import type { SamplingFeature } from './sampling';
import type { ToolChanges } from './toolChanges';
import type { ClientHost, ClientRun } from './types';

export class ClientFeatures {
  private readonly runs = new ClientRuns();
  private readonly ids = new RecordIds();
  readonly roots: RootsFeature;
  private samplingPart?: SamplingFeature;
  private elicitationPart?: ElicitationFeature;
  private loggingPart?: LoggingFeature;
  private toolChangesPart?: ToolChanges;
  private readonly updateListeners = new Set<(server: string, uri: string) => void>();

  constructor(
    readonly host: ClientHost,
    private readonly prices?: PriceTable,
  ) {
    this.roots = new RootsFeature(host, this.runs);
  }

  get sampling(): SamplingFeature {
    return (this.samplingPart ??= new (require('./sampling') as typeof import('./sampling')).SamplingFeature(this.host, this.runs, this.ids, this.prices));
  }

  get elicitation(): ElicitationFeature {
    return (this.elicitationPart ??= new (require('./elicitation') as typeof import('./elicitation')).ElicitationFeature(this.host, this.runs, this.ids));
  }

  get logging(): LoggingFeature {
    return (this.loggingPart ??= new (require('./logging') as typeof import('./logging')).LoggingFeature(this.host, this.runs, this.ids));
  }

  get toolChanges(): ToolChanges {
    return (this.toolChangesPart ??= new (require('./toolChanges') as typeof import('./toolChanges')).ToolChanges(this.host, this.ids));
  }

  /** A run is open: server requests whose origin names it, and logs of its servers, are recorded in it. */
  attach(run: ClientRun): () => void {
    return this.runs.attach(run);
  }

  /** Hears every server's notifications/resources/updated (the gateway forwards them to subscribed clients). */
  onResourceUpdated(listener: (server: string, uri: string) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  /** For ServerManagerOptions.serverRequests: every capability is declared (sampling, elicitation, roots). */
  requestHandlers(): ServerRequestHandlers {
    return {
      createMessage: (ctx, params) => this.sampling.createMessage(ctx, params),
      elicit: (ctx, params) => this.elicitation.elicit(ctx, params),
      listRoots: (ctx) => this.roots.answer(ctx.server, ctx.origin, ctx.signal),
    };
  }

  /** For ServerManagerOptions.serverNotifications. */
  notificationHandlers(): ServerNotificationHandlers {
    return {
      onLog: (server, params) => this.logging.onLog(server, params),
      onResourceUpdated: (server, uri) => {
        this.logging.onResourceUpdated(server, uri);
        for (const listener of this.updateListeners) listener(server, uri);
      },
    };
  }
}
