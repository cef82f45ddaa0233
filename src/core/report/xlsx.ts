// XLSX reports. exceljs and its dependencies are megabytes: they load only when a workbook is written.
import { join } from 'node:path';
import { loadLazyModule, requireAtRuntime } from '../util/lazyModule';
import type { TraceRun } from './model';

export { XLSX_DETAILS_SHEET } from './xlsxSheet';

type Workbook = typeof import('./xlsxWorkbook');
let workbook: Workbook | undefined;

function impl(): Workbook {
  workbook ??= loadLazyModule<Workbook>(__dirname, 'xlsx.js', () => requireAtRuntime(join(__dirname, 'xlsxWorkbook')));
  return workbook;
}

export async function xlsxBuffer(runs: readonly TraceRun[]): Promise<Buffer> {
  return impl().xlsxBuffer(runs);
}

export async function writeXlsx(runs: readonly TraceRun[], path: string): Promise<void> {
  return impl().writeXlsx(runs, path);
}
