// The report core: load traces, compute metrics, write JSON / HTML / CSV / XLSX reports.
export * from './model';
export * from './metrics';
export * from './mask';
export * from './load';
export * from './json';
export * from './csv';
export * from './rows';
export * from './xlsx';
export * from './html';
export * from './embedded';
