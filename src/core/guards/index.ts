export * from './types';
export * from './defaults';
export * from './pipeline';
export * from './policy';
export * from './schema';
export * from './scanners';
export * from './redact';
export * from './settings';
