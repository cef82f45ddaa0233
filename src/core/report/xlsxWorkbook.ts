// XLSX report through exceljs: MCP_Details (one row per step), Sessions, Tools and Logs (the servers' log records) sheets.
// Bundled on its own as dist/xlsx.js and loaded only when an XLSX report is written (see ./xlsx).
import ExcelJS from 'exceljs';
import { sessionMetrics, toolMetrics } from './metrics';
import type { TraceRun } from './model';
import { DETAIL_COLUMNS, LOG_COLUMNS, detailRows, logRows } from './rows';

import { XLSX_DETAILS_SHEET } from './xlsxSheet';

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

type Column = { header: string; key: string; width: number };

/** A sheet with a frozen, bold header row of `columns` and one row per item of `rows`. */
function addSheet(wb: ExcelJS.Workbook, name: string, columns: Column[], rows: Iterable<object>): ExcelJS.Worksheet {
  const sheet = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  for (const row of rows) sheet.addRow(row);
  sheet.getRow(1).font = { bold: true };
  return sheet;
}

/** The figures a session and a tool both have (src/core/report/metrics.ts), in the same columns. */
const METRIC_COLUMNS: Column[] = [
  { header: 'Errors', key: 'errors', width: 8 },
  { header: 'Error rate', key: 'errorRate', width: 10 },
  { header: 'p50 (ms)', key: 'p50', width: 10 },
  { header: 'p95 (ms)', key: 'p95', width: 10 },
  { header: 'Tokens in', key: 'tokensIn', width: 10 },
  { header: 'Tokens out', key: 'tokensOut', width: 11 },
];

const SESSION_COLUMNS: Column[] = [
  { header: 'Session ID', key: 'id', width: 24 },
  { header: 'Session', key: 'name', width: 22 },
  { header: 'Status', key: 'status', width: 10 },
  { header: 'Started', key: 'startedAt', width: 24 },
  { header: 'Duration (ms)', key: 'durationMs', width: 13 },
  { header: 'Steps', key: 'steps', width: 8 },
  { header: 'Logs', key: 'logs', width: 8 },
  ...METRIC_COLUMNS,
  { header: 'Tokens saved', key: 'tokensSaved', width: 12 },
  { header: 'Cost (USD)', key: 'cost', width: 11 },
  { header: 'Config hash', key: 'configHash', width: 20 },
];

const TOOL_COLUMNS: Column[] = [
  { header: 'Session ID', key: 'session', width: 24 },
  { header: 'Tool', key: 'key', width: 28 },
  { header: 'Count', key: 'count', width: 8 },
  ...METRIC_COLUMNS,
  { header: 'Cost (USD)', key: 'cost', width: 11 },
];

export function buildWorkbook(runs: readonly TraceRun[]): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'MCP Harness';
  wb.created = new Date();

  const details = addSheet(wb, XLSX_DETAILS_SHEET, DETAIL_COLUMNS, detailRows(runs));
  details.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: DETAIL_COLUMNS.length } };
  details.getColumn('cost_est').numFmt = '0.000000';

  const sessionRows = runs.map((run) => {
    const m = sessionMetrics(run);
    return { ...m, p50: finite(m.p50), p95: finite(m.p95), configHash: m.configHash ?? '' };
  });
  addSheet(wb, 'Sessions', SESSION_COLUMNS, sessionRows).getColumn('errorRate').numFmt = '0.0%';

  const toolRows = runs.flatMap((run) => toolMetrics(run.steps).map((t) => ({ ...t, session: run.id, p50: finite(t.p50), p95: finite(t.p95) })));
  addSheet(wb, 'Tools', TOOL_COLUMNS, toolRows).getColumn('errorRate').numFmt = '0.0%';

  addSheet(wb, 'Logs', LOG_COLUMNS, logRows(runs));
  return wb;
}

export async function xlsxBuffer(runs: readonly TraceRun[]): Promise<Buffer> {
  return Buffer.from(await buildWorkbook(runs).xlsx.writeBuffer());
}

export async function writeXlsx(runs: readonly TraceRun[], path: string): Promise<void> {
  await buildWorkbook(runs).xlsx.writeFile(path);
}
