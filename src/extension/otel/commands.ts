// "MCP: Export Trace as OTLP JSON": a run's trace file (from the Sessions view, the trace panel's title
// bar, a .jsonl in the explorer, or picked) written as an OTLP/JSON ExportTraceServiceRequest.
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportTraceAsOtlpJson } from '../../core/otel/traceExport';
import { runName } from '../../core/report/model';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';

/** The trace file the command was invoked on: a .jsonl Uri or path, a run (node or id), the panel's one run, or a picked run. */
async function traceFileOf({ traces }: HarnessContext, arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg.endsWith('.jsonl')) return arg;
  const panelRuns = arg === undefined ? (traces.panel?.runs() ?? []) : [];
  const run = panelRuns.length === 1 ? panelRuns[0] : await traces.resolveRun(arg, 'Which run should be exported as OTLP JSON?');
  if (!run) return undefined;
  const file = traces.store.fileOf(run.id) ?? run.source;
  if (!file || !existsSync(file)) {
    throw new Error(`"${runName(run)}" has no trace file on disk to export (only runs in a workspace folder are written, to mcpHarness.traceDir).`);
  }
  return file;
}

export const otelCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.exportTraceOtlp',
    run: async (ctx, arg, options) => {
      const opts = (options && typeof options === 'object' ? options : {}) as { target?: string };
      const file = await traceFileOf(ctx, arg);
      if (!file) return undefined;
      const text = await exportTraceAsOtlpJson(file, { includeContent: ctx.config.otelIncludeContent });
      let target = opts.target;
      if (!target) {
        const picked = await vscode.window.showSaveDialog({
          title: 'Export Trace as OTLP JSON',
          defaultUri: vscode.Uri.file(file.replace(/\.jsonl$/, '') + '.otlp.json'),
          saveLabel: 'Export',
          filters: { 'OTLP JSON': ['json'] },
        });
        if (!picked) return { cancelled: true };
        target = picked.fsPath;
      }
      writeFileSync(target, text + '\n');
      if (!opts.target) {
        void vscode.window.showInformationMessage(`OTLP JSON written to ${path.basename(target)}.`, 'Open').then((b) => {
          if (b) void vscode.window.showTextDocument(vscode.Uri.file(target!));
        });
      }
      return { path: target };
    },
  },
];
