// CSV report (RFC 4180, UTF-8, CRLF): one row per step, the columns of the XLSX MCP_Details sheet.
import { DETAIL_COLUMNS, detailRows } from './rows';
import type { TraceRun } from './model';

/** Text a spreadsheet would run as a formula is prefixed with a quote (CSV injection). */
function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function cell(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = neutralise(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function writeCsv(runs: readonly TraceRun[]): string {
  const lines = [DETAIL_COLUMNS.map((c) => c.key).join(',')];
  for (const row of detailRows(runs)) lines.push(DETAIL_COLUMNS.map((c) => cell(row[c.key])).join(','));
  return lines.join('\r\n') + '\r\n';
}
