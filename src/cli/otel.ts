// --otlp URL / --otlp-content on the commands that run things (run, call, exec, agent, gateway, lab): the
// run service's runs exported as OpenTelemetry spans. The flag wins over the workspace's
// mcpHarness.otel.* settings in .vscode/settings.json; without either, nothing of the SDK is loaded.
import type { SettingReader } from '../core/guards/settings';
import { DEFAULT_OTEL_FLUSH_DEADLINE_MS, OtelEndpointError, OtelExporter, serverFactsOf, type ServerFactsSource } from '../core/otel/index';
import type { RunEnvironment, RunService } from '../core/run/index';
import type { Logger } from '../core/types';
import { UsageError, type CliIO } from './io';

export const OTLP_OPTIONS = {
  otlp: { type: 'string' },
  'otlp-content': { type: 'boolean' },
} as const;

export const OTLP_USAGE = [
  '  --otlp URL        export the run as OpenTelemetry spans to this OTLP/HTTP collector',
  '                    (e.g. http://127.0.0.1:4318; default: mcpHarness.otel.endpoint)',
  '  --otlp-content    include the redacted arguments and results in the spans',
].join('\n');

export interface CliOtel {
  /** The environment with the traceparent hook installed. */
  environment(env: RunEnvironment): RunEnvironment;
  attach(service: RunService): void;
  /** Sends what is left, within the flush deadline. */
  close(): Promise<void>;
}

/** The exporter this command's flags and settings ask for, or undefined (the SDK is then never loaded). */
export function cliOtel(values: Record<string, unknown>, read: SettingReader, servers: ServerFactsSource, io: CliIO): CliOtel | undefined {
  const flag = typeof values.otlp === 'string' ? values.otlp : undefined;
  const setting = read('otel.endpoint');
  const endpoint = flag ?? (typeof setting === 'string' && setting.trim() ? setting : undefined);
  if (!endpoint) return undefined;
  const deadline = read('otel.flushDeadlineMs');
  const flushDeadlineMs = typeof deadline === 'number' && deadline > 0 ? deadline : DEFAULT_OTEL_FLUSH_DEADLINE_MS;
  const say = (m: string) => io.stderr(`mcp-harness: ${m}\n`);
  const logger: Logger = { trace() {}, debug() {}, info() {}, warn: say, error: (e) => say(e instanceof Error ? e.message : String(e)) };
  let exporter: OtelExporter;
  try {
    exporter = new OtelExporter({
      endpoint,
      includeContent: values['otlp-content'] === true || (flag === undefined && read('otel.includeContent') === true),
      flushDeadlineMs,
      logger,
      serverFacts: serverFactsOf(servers),
    });
  } catch (err) {
    if (!(err instanceof OtelEndpointError)) throw err;
    throw new UsageError(flag !== undefined ? `${err.message} Pass it as --otlp URL.` : `${err.message} Fix mcpHarness.otel.endpoint in .vscode/settings.json.`);
  }
  return {
    environment: (env) => ({ ...env, callMeta: exporter.callMeta }),
    attach: (service) => void exporter.attach(service),
    async close() {
      if ((await exporter.shutdown()) === 'deadline') say(`OpenTelemetry spans not taken by ${exporter.url} within ${flushDeadlineMs} ms were dropped (mcpHarness.otel.flushDeadlineMs).`);
    },
  };
}
