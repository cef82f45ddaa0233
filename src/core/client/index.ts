export * from './types';
export { ClientFeatures } from './features';
export { SamplingDenied, SESSION_REPLY_MODEL } from './sampling';
export { rootUri } from './roots';
export type { ToolChangeReport } from './toolChanges';
