// The OpenTelemetry JS SDK side: spans written with the ids src/core/otel/ids.ts derives (through the SDK's
// IdGenerator option), sent by the official OTLP/HTTP exporter, or serialised as an OTLP/JSON
// ExportTraceServiceRequest by the exporter's own transformer. Loaded only when an endpoint is set or a
// trace is exported (./load.ts): the SDK costs start-up memory that no other command should pay.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type IdGenerator, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { parentSpanIdOf, spanIdOf, traceIdOf } from './ids';
import type { SpanModel } from './spanModel';

const SERVICE_NAME = 'mcp-harness';
/** Results are already capped in the trace; this bounds what one attribute may add to an export. */
const ATTRIBUTE_VALUE_LIMIT = 32 * 1024;

/** Hands the SDK the id of the span being started (it asks exactly once per span, synchronously). */
class PlannedIds implements IdGenerator {
  traceId = '';
  spanId = '';

  generateTraceId(): string {
    return this.traceId;
  }

  generateSpanId(): string {
    return this.spanId;
  }
}

/** Writes finished spans (SpanModel) through one tracer provider. */
export class SpanWriter {
  private readonly ids = new PlannedIds();
  private readonly provider: BasicTracerProvider;

  constructor(processor: SpanProcessor, harnessVersion: string) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME, [ATTR_SERVICE_VERSION]: harnessVersion }),
      idGenerator: this.ids,
      spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_LIMIT },
      spanProcessors: [processor],
    });
  }

  write(model: SpanModel): void {
    const traceId = traceIdOf(model.key.sessionId);
    this.ids.traceId = traceId;
    this.ids.spanId = spanIdOf(model.key);
    const tracer = this.provider.getTracer(SERVICE_NAME);
    const span = tracer.startSpan(model.name, { kind: model.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: model.startMs, attributes: model.attributes }, parentContext(model, traceId));
    if (model.error) span.setStatus({ code: SpanStatusCode.ERROR, message: model.error });
    span.end(Math.max(model.startMs, model.endMs));
  }

  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

function parentContext(model: SpanModel, traceId: string): Context {
  if (model.key.stepId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: parentSpanIdOf(model.key), traceFlags: TraceFlags.SAMPLED });
}

export interface OtlpHttpOptions {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  headers?: Record<string, string>;
  /** Bounds each export request. */
  timeoutMs: number;
  harnessVersion: string;
  /** An export failed (the endpoint is down, refused or answered an error). */
  onFailure(error: Error): void;
}

/** Spans batched and sent as OTLP/HTTP JSON by the official exporter. */
export function otlpHttpWriter(options: OtlpHttpOptions): SpanWriter {
  const exporter = new OTLPTraceExporter({ url: options.url, headers: options.headers ?? {}, timeoutMillis: options.timeoutMs });
  const reporting = new ReportingExporter(exporter, options.onFailure);
  return new SpanWriter(new BatchSpanProcessor(reporting, { scheduledDelayMillis: 1000, exportTimeoutMillis: options.timeoutMs }), options.harnessVersion);
}

/** The spans as an OTLP/JSON ExportTraceServiceRequest (hex ids, as the OTLP/HTTP JSON encoding has them). */
export async function otlpJson(models: readonly SpanModel[], harnessVersion: string): Promise<string> {
  const memory = new InMemorySpanExporter();
  const writer = new SpanWriter(new SimpleSpanProcessor(memory), harnessVersion);
  for (const model of models) writer.write(model);
  await writer.flush();
  const spans: ReadableSpan[] = memory.getFinishedSpans();
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  await writer.shutdown();
  if (!bytes) throw new Error('The OpenTelemetry serializer produced no output for these spans.');
  return JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)), null, 2);
}

type ExportCallback = Parameters<SpanExporter['export']>[1];

/** Passes spans on and tells the owner when an export did not succeed. */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onFailure: (error: Error) => void,
  ) {}

  export(spans: ReadableSpan[], done: ExportCallback): void {
    this.inner.export(spans, (result) => {
      // 0 is ExportResultCode.SUCCESS (@opentelemetry/core, which this module does not import for one enum).
      if (result.code !== 0) this.onFailure(result.error ?? new Error('the export failed'));
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
