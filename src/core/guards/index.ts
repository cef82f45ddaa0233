export * from './types';
export * from './defaults';
export * from './pipeline';
export { withholdReason } from './outputGuard';
export * from './policy';
export * from './schema';
export * from './scanners';
export * from './redact';
export * from './settings';
