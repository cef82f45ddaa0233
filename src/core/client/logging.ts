// notifications/message (and resources/updated): a server's log line, redacted before anyone sees it, handed to the host (VS Code's
// per-server output channel, the CLI's verbose stderr) and recorded as a 'log' record in every open run
// that reaches the server.
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { scanValue } from '../guards/redact';
import type { LoggingMessageNotificationParams } from '../servers/serverRequests';
import { featureRecord, RecordIds } from './records';
import type { ClientRuns } from './runs';
import type { ClientHost } from './types';

export class LoggingFeature {
  constructor(
    private readonly host: ClientHost,
    private readonly runs: ClientRuns,
    private readonly ids: RecordIds,
  ) {}

  /** notifications/resources/updated for a subscribed resource: the host hears it, open runs record it. */
  onResourceUpdated(server: string, uri: string): void {
    this.host.onResourceUpdated?.(server, uri);
    for (const run of this.runs.forServer(server)) {
      const record = featureRecord(run, this.ids.next(run, 'log', undefined), {
        kind: 'log',
        server,
        method: 'notifications/resources/updated',
        decision: 'ok',
        output: { uri: scanValue(uri, run.guardrails, run.vault, 'record').redacted },
        startedMs: Date.now(),
      });
      record.level = 'info';
      record.stages = [{ stage: 'record', decision: 'pass', reasons: [] }];
      run.writeChild(record);
    }
  }

  onLog(server: string, params: LoggingMessageNotificationParams): void {
    const runs = this.runs.forServer(server);
    const guardrails = runs[0]?.guardrails ?? DEFAULT_GUARDRAILS;
    const shown = scanValue(params.data, guardrails, undefined, 'record').redacted;
    this.host.onLog?.(server, params.level, `${params.logger ? `[${params.logger}] ` : ''}${typeof shown === 'string' ? shown : JSON.stringify(shown)}`);
    for (const run of runs) {
      // Under the run's own guardrails: injection text in a log line is flagged like any server text.
      const scan = scanValue(params, run.guardrails, run.vault, 'guardrails', '$.params');
      const record = featureRecord(run, this.ids.next(run, 'log', undefined), {
        kind: 'log',
        server,
        method: 'notifications/message',
        decision: 'ok',
        output: scan.redacted,
        startedMs: Date.now(),
      });
      record.level = params.level;
      record.findings = scan.findings;
      record.stages = [{ stage: 'record', decision: 'pass', reasons: [] }];
      run.writeChild(record);
    }
  }
}
