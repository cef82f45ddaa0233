// "Export Report…": the runs through the core's report writers, to a file the user picks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeCsv } from '../../core/report/csv';
import { writeHtmlReport } from '../../core/report/html';
import { writeJsonReport } from '../../core/report/json';
import type { TraceRun } from '../../core/report/model';
import { writeXlsx } from '../../core/report/xlsx';
import { REPORT_FORMATS, type BadLine, type ReportFormat } from '../../protocol/messages';
import type { SaveDialog } from '../dialogs';

export const FORMAT_LABEL: Record<ReportFormat, string> = {
  json: 'JSON report (every run, step and total, for scripts)',
  html: 'HTML report (self-contained, opens offline)',
  csv: 'CSV (one row per step)',
  xlsx: 'Excel workbook (XLSX)',
};

export const saveReportDialog: SaveDialog = (format, suggested) =>
  Promise.resolve(
    vscode.window.showSaveDialog({
      title: 'Export MCP Harness Report',
      defaultUri: suggested,
      saveLabel: 'Export',
      filters: { [FORMAT_LABEL[format].split(' (')[0]]: [format] },
    }),
  );

export async function pickFormat(): Promise<ReportFormat | undefined> {
  const picked = await vscode.window.showQuickPick(
    REPORT_FORMATS.map((f) => ({ label: f.toUpperCase(), description: FORMAT_LABEL[f], format: f })),
    { title: 'Export Report', placeHolder: 'Which format?' },
  );
  return picked?.format;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'report';
}

/** Writes the report; resolves with the path, or `cancelled` when the user closed the dialog. */
export async function exportReport(
  extensionUri: vscode.Uri,
  runs: TraceRun[],
  format: ReportFormat,
  options: { target?: string; badLines?: BadLine[]; saveDialog: SaveDialog },
): Promise<{ path?: string; cancelled?: boolean }> {
  if (!runs.length) throw new Error('There is no session run to export; run a session first.');
  let target = options.target;
  if (!target) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
    const name = runs.length === 1 ? slug(runs[0].header?.name ?? runs[0].id) : `mcp-harness-${runs.length}-sessions`;
    const uri = await options.saveDialog(format, vscode.Uri.joinPath(folder, `${name}.${format}`));
    if (!uri) return { cancelled: true };
    target = uri.fsPath;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  switch (format) {
    case 'json':
      writeFileSync(target, writeJsonReport(runs));
      break;
    case 'csv':
      writeFileSync(target, writeCsv(runs));
      break;
    case 'html': {
      const script = readFileSync(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js').fsPath, 'utf8');
      writeFileSync(target, writeHtmlReport(runs, { script, badLines: options.badLines }));
      break;
    }
    case 'xlsx':
      await writeXlsx(runs, target);
      break;
  }
  return { path: target };
}
