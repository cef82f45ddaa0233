export * from './ids';
export * from './spanModel';
export * from './exporter';
export * from './traceExport';
