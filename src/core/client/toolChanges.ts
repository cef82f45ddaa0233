// A server changed its tools during a run (notifications/tools/list_changed, re-listed by the connection
// layer): the changed definitions are linted and checked against the pins at once, so a pinned tool that
// changed raises the drift path before anything calls it, and the run records what changed.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Finding, Severity } from '../../protocol/trace';
import { lintTools } from '../lint/linter';
import type { PinCheck } from '../pin/lockfileCheck';
import { featureRecord, RecordIds } from './records';
import type { ClientHost, ClientRun } from './types';

const LINT_SEVERITY: Record<string, Severity> = { error: 'error', warning: 'warning', info: 'info' };

export interface ToolChangeReport {
  server: string;
  /** Tools whose definition changed since the run listed them (or that are new). */
  changed: string[];
  /** Changed tools that are pinned with another definition: calls to them take the drift path. */
  drift: string[];
  findings: Finding[];
}

export class ToolChanges {
  constructor(
    private readonly host: ClientHost,
    private readonly ids: RecordIds,
  ) {}

  /** Lints and pin-checks the changed tools, records a 'log' record in the run and tells the host. */
  report(run: ClientRun, server: string, changed: readonly Tool[], pinCheck: PinCheck | undefined): ToolChangeReport {
    const drift = pinCheck ? changed.filter((t) => pinCheck(server, t) === 'changed').map((t) => t.name) : [];
    const findings: Finding[] = drift.map((name) => ({
      stage: 'policy',
      kind: 'pin.changed',
      severity: 'error',
      message: `'${server}/${name}' changed during the run and differs from its pin: calls to it are denied under hard_gate. Review the change and pin it again.`,
    }));
    for (const f of lintTools([{ server, tools: changed }])) {
      findings.push({ stage: 'record', kind: `lint.${f.rule}`, severity: LINT_SEVERITY[f.severity] ?? 'warning', message: `${f.tool}: ${f.message}`, path: f.path });
    }
    const report: ToolChangeReport = { server, changed: changed.map((t) => t.name), drift, findings };
    const record = featureRecord(run, this.ids.next(run, 'log', undefined), {
      kind: 'log',
      server,
      method: 'notifications/tools/list_changed',
      decision: 'ok',
      reasons: [`${server} changed ${report.changed.length} tool(s): ${report.changed.join(', ')}`],
      output: { changed: report.changed, drift },
      startedMs: Date.now(),
    });
    record.level = drift.length ? 'warning' : 'info';
    record.findings = findings;
    record.stages = [{ stage: 'record', decision: 'pass', reasons: [] }];
    run.writeChild(record);
    this.host.onToolsChanged?.(report);
    return report;
  }
}
