export * from './types';
export { ServerManager, ManagedConnection, type ServerManagerOptions, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_LIST_PAGES, DEFAULT_STOP_GRACE_MS } from './manager';
export { ServerError, withHint, type ServerErrorCode, type ServerErrorFacts, type PageToOpen, type ServerErrorHint, type ServerLimit, type ServerLimitName, type ServerRefusal } from './errors';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './breaker';
export { isToolAllowed, filterTools } from './toolFilter';
export * from './serverRequests';
