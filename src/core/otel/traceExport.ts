// "Export as OTLP JSON": a trace file (JSONL) as an OTLP/JSON ExportTraceServiceRequest, with the same
// spans, names, attributes and ids the live exporter sends for that run.
import { readTrace } from '../trace/reader';
import { HARNESS_VERSION } from '../version';
import { loadOtelSdk } from './load';
import { addModelUsage, sessionSpan, stepSpan, type SpanModel } from './spanModel';

export interface TraceExportOptions {
  /** Redacted arguments and results as attributes (off by default, as for live export). */
  includeContent?: boolean;
  harnessVersion?: string;
}

/** The trace could not be exported; the message says why. */
export class TraceExportError extends Error {}

/** The spans of one trace file: the session, then every step in the order they were written. */
export function traceFileSpans(file: string, options: TraceExportOptions = {}): SpanModel[] {
  let parsed;
  try {
    parsed = readTrace(file);
  } catch (err) {
    throw new TraceExportError(`The trace ${file} could not be read: ${(err as Error).message}.`);
  }
  if (!parsed.header) throw new TraceExportError(`${file} has no session header line, so it is not an MCP Harness trace.`);
  const header = parsed.header;
  const last = parsed.steps.reduce((max, s) => Math.max(max, Date.parse(s.started_at) + s.latency_ms), Date.parse(header.started_at));
  const model = { includeContent: options.includeContent === true };
  const steps = parsed.steps.filter((s) => s.session_id === header.session_id);
  const usage = { input: 0, output: 0 };
  for (const step of steps) addModelUsage(usage, step);
  return [sessionSpan(header, parsed.end, last, usage), ...steps.map((s) => stepSpan(s, model))];
}

/** The trace file as OTLP JSON text. */
export async function exportTraceAsOtlpJson(file: string, options: TraceExportOptions = {}): Promise<string> {
  return loadOtelSdk().otlpJson(traceFileSpans(file, options), options.harnessVersion ?? HARNESS_VERSION);
}
