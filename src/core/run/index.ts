export { RunService, type RunTaskStatus, type RunToolProgress } from './service';
export { RunFrame, TraceDirError, summarize } from './frame';
export { buildRunEnvironment, traceDirFor, DEFAULT_TRACE_DIR_SETTING, type RunEnvironmentInput } from './environment';
export * from './types';
