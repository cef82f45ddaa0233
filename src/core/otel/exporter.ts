// Exports every run of a run service as OpenTelemetry spans while it happens: the session span when the
// run ends, each step's span as its record arrives (a code step's tool calls under it), and the traceparent
// of each tool call's span in the call's `_meta`. Exports run in the background, so a slow or dead
// endpoint never holds up a run; it is reported once, and shutdown waits at most the flush deadline.
import type { SessionHeader, StepRecord } from '../../protocol/trace';
import type { RunService } from '../run/service';
import type { Disposable, SessionResult } from '../run/types';
import type { Logger } from '../types';
import { HARNESS_VERSION } from '../version';
import { traceContextMeta, type CallMetaHook } from './ids';
import { loadOtelSdk } from './load';
import type { SpanWriter } from './sdk';
import { addModelUsage, sessionSpan, stepSpan, type ModelUsage, type ServerFacts, type SpanModelOptions } from './spanModel';

/** How long shutdown (and each export request) may take before spans still queued are given up. */
export const DEFAULT_OTEL_FLUSH_DEADLINE_MS = 3000;

export interface OtelExportOptions {
  /** The collector's OTLP/HTTP URL: a base (http://host:4318) gets /v1/traces, a URL with a path is used as is. */
  endpoint: string;
  /** Redacted arguments and results as span attributes (off by default). */
  includeContent?: boolean;
  flushDeadlineMs?: number;
  headers?: Record<string, string>;
  harnessVersion?: string;
  logger: Logger;
  /** What the host knows of a server's connection (transport, protocol version, MCP session). */
  serverFacts?: (serverId: string) => ServerFacts | undefined;
}

export type FlushOutcome = 'flushed' | 'deadline';

/** The endpoint is not one OTLP/HTTP can send to; the message says what was wrong (the host adds where to fix it). */
export class OtelEndpointError extends Error {}

/** The traces URL for an endpoint, or an OtelEndpointError. */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new OtelEndpointError(`The OpenTelemetry endpoint '${endpoint}' is not a URL; give the collector's OTLP/HTTP address, such as http://127.0.0.1:4318.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OtelEndpointError(`The OpenTelemetry endpoint '${endpoint}' is not an http(s) URL; OTLP/HTTP needs one, such as http://127.0.0.1:4318.`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

export class OtelExporter implements Disposable {
  /** What every tools/call carries while this exporter is installed: its step span's traceparent. */
  readonly callMeta: CallMetaHook = traceContextMeta;
  readonly url: string;
  private readonly writer: SpanWriter;
  private readonly open = new Map<string, { header: SessionHeader; usage: ModelUsage }>();
  private readonly subscriptions: Disposable[] = [];
  private readonly model: SpanModelOptions;
  private readonly deadlineMs: number;
  private warned = false;
  private closing: Promise<FlushOutcome> | undefined;

  /** Throws OtelEndpointError for an endpoint that is not an http(s) URL. */
  constructor(private readonly options: OtelExportOptions) {
    this.url = tracesUrl(options.endpoint);
    this.deadlineMs = options.flushDeadlineMs ?? DEFAULT_OTEL_FLUSH_DEADLINE_MS;
    this.model = { includeContent: options.includeContent === true, ...(options.serverFacts ? { serverFacts: options.serverFacts } : {}) };
    this.writer = loadOtelSdk().otlpHttpWriter({
      url: this.url,
      ...(options.headers ? { headers: options.headers } : {}),
      timeoutMs: this.deadlineMs,
      harnessVersion: options.harnessVersion ?? HARNESS_VERSION,
      onFailure: (error) => this.warnOnce(error),
    });
  }

  /** Exports the runs of `service` from now on. */
  attach(service: RunService): Disposable {
    const subscriptions = [service.onStart((h) => this.started(h)), service.onStep((r) => this.stepped(r)), service.onEnd((r) => this.ended(r))];
    this.subscriptions.push(...subscriptions);
    return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
  }

  /** Sends what is queued; resolves 'deadline' when the collector did not take it within the flush deadline. */
  flush(): Promise<FlushOutcome> {
    return this.withinDeadline(this.writer.flush());
  }

  /** Ends runs still open (their session spans end now), sends everything, and stops; once. */
  shutdown(): Promise<FlushOutcome> {
    this.closing ??= (() => {
      this.subscriptions.forEach((s) => s.dispose());
      const now = Date.now();
      for (const { header, usage } of this.open.values()) this.write(() => sessionSpan(header, undefined, now, usage));
      this.open.clear();
      return this.withinDeadline(this.writer.shutdown());
    })();
    return this.closing;
  }

  dispose(): void {
    void this.shutdown();
  }

  private started(header: SessionHeader): void {
    this.open.set(header.session_id, { header, usage: { input: 0, output: 0 } });
  }

  private stepped(record: StepRecord): void {
    const run = this.open.get(record.session_id);
    if (run) addModelUsage(run.usage, record);
    this.write(() => stepSpan(record, this.model));
  }

  private ended(result: SessionResult): void {
    const run = this.open.get(result.session_id);
    if (!run) return;
    this.open.delete(result.session_id);
    this.write(() => sessionSpan(run.header, result, Date.now(), run.usage));
    // The run is over: its spans leave now rather than at the next batch tick.
    void this.flush();
  }

  /** A span that cannot be built is logged; it never disturbs the run that announced it. */
  private write(build: () => Parameters<SpanWriter['write']>[0]): void {
    try {
      this.writer.write(build());
    } catch (err) {
      this.options.logger.error(err as Error);
    }
  }

  private withinDeadline(work: Promise<void>): Promise<FlushOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<FlushOutcome>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.deadlineMs);
      timer.unref();
    });
    const done = work.then(
      () => 'flushed' as const,
      (err: Error) => {
        this.warnOnce(err);
        return 'flushed' as const;
      },
    );
    return Promise.race([done, deadline]).finally(() => clearTimeout(timer));
  }

  private warnOnce(error: Error): void {
    if (this.warned) return;
    this.warned = true;
    this.options.logger.warn(`OpenTelemetry spans could not be sent to ${this.url}: ${error.message}. Runs go on; their spans are dropped until the collector is reachable.`);
  }
}
