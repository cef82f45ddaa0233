// OpenTelemetry export in VS Code: while mcpHarness.otel.endpoint is set, every run of every run service
// of this window is exported (src/core/otel) and its tool calls carry their traceparent. A changed
// setting replaces the exporter; deactivation sends what is left within the flush deadline.
import * as vscode from 'vscode';
import { OtelEndpointError, OtelExporter, serverFactsOf, type CallMetaHook } from '../../core/otel/index';
import type { RunService } from '../../core/run/index';
import type { Logger } from '../../core/types';
import type { HarnessCore } from '../context';
import { Disposable } from '../disposable';

type OtelContext = Pick<HarnessCore, 'config' | 'log' | 'servers'>;

export const OTEL_SETTINGS = ['mcpHarness.otel.endpoint', 'mcpHarness.otel.includeContent', 'mcpHarness.otel.flushDeadlineMs'];

export class OtelFeature extends Disposable {
  private exporter: OtelExporter | undefined;
  private readonly services = new Set<RunService>();
  private attached: { dispose(): void }[] = [];

  constructor(private readonly ctx: OtelContext) {
    super();
    this.configure();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (OTEL_SETTINGS.some((s) => e.affectsConfiguration(s))) void this.reconfigure();
      }),
    );
  }

  /** The traceparent hook runs use while spans are exported (read at the start of every run). */
  get callMeta(): CallMetaHook | undefined {
    return this.exporter?.callMeta;
  }

  /** Whether spans are being exported, and where. */
  get endpoint(): string | undefined {
    return this.exporter?.url;
  }

  /** Exports `service`'s runs whenever an endpoint is set, now and after any change of the setting. */
  attach(service: RunService): void {
    this.services.add(service);
    if (this.exporter) this.attached.push(this.exporter.attach(service));
  }

  /** Sends what is queued and stops, within the flush deadline (deactivation awaits it). */
  async shutdown(): Promise<void> {
    const exporter = this.exporter;
    this.exporter = undefined;
    this.attached.forEach((a) => a.dispose());
    this.attached = [];
    if (exporter && (await exporter.shutdown()) === 'deadline') {
      this.ctx.log.warn(`OpenTelemetry spans not taken by ${exporter.url} within ${this.ctx.config.otelFlushDeadlineMs} ms were dropped (mcpHarness.otel.flushDeadlineMs).`);
    }
  }

  override dispose(): void {
    void this.shutdown();
    super.dispose();
  }

  private async reconfigure(): Promise<void> {
    await this.shutdown();
    this.configure();
  }

  /** The exporter reports a collector it cannot reach once; the user sees that once too, with where to fix it. */
  private exportLogger(): Logger {
    const log = this.ctx.log;
    return {
      trace: (m) => log.trace(m),
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      error: (e) => log.error(e),
      warn: (m) => {
        log.warn(m);
        void vscode.window.showWarningMessage(`MCP Harness: ${m} Check mcpHarness.otel.endpoint.`);
      },
    };
  }

  private configure(): void {
    const endpoint = this.ctx.config.otelEndpoint;
    if (!endpoint) return;
    try {
      this.exporter = new OtelExporter({
        endpoint,
        includeContent: this.ctx.config.otelIncludeContent,
        flushDeadlineMs: this.ctx.config.otelFlushDeadlineMs,
        logger: this.exportLogger(),
        serverFacts: serverFactsOf(this.ctx.servers),
      });
    } catch (err) {
      if (!(err instanceof OtelEndpointError)) throw err;
      this.ctx.log.warn(err.message);
      void vscode.window.showWarningMessage(`MCP Harness: ${err.message} Set mcpHarness.otel.endpoint to the collector's address; spans are not exported until then.`, 'Open Settings').then((b) => {
        if (b) void vscode.commands.executeCommand('workbench.action.openSettings', 'mcpHarness.otel');
      });
      return;
    }
    for (const service of this.services) this.attached.push(this.exporter.attach(service));
  }
}
