// The guarded gateway: MCP Harness as an MCP server in front of a workspace's servers.
export { AuditLog, DEFAULT_AUDIT_KEEP, DEFAULT_AUDIT_MAX_BYTES, defaultAuditFile } from './audit';
export { CLIENT_TARGETS, clientConfig, clientConfigFile, gatewayLaunch, GATEWAY_ENTRY, type ClientTarget, type CliLaunch } from './clientConfig';
export { clientPort, CLIENT_PORT_RULE, httpClientConfig, httpGatewayUrl, httpSnippetText, TOKEN_ENV, TOKEN_INPUT, type HttpGatewayAddress, type HttpSnippet } from './httpClientConfig';
export { GatewayCore, DEFAULT_MAX_CONCURRENT_PER_SERVER, type GatewayCoreOptions, type GatewayRun, type RunRequest } from './core';
export { HttpGateway, DEFAULT_RATE_LIMIT, DEFAULT_SHUTDOWN_MS, REPLICA_ID, type HttpGatewayOptions } from './http';
export { DEFAULT_MAX_BODY_BYTES } from './httpChecks';
export { GatewayMetrics } from './metrics';
export { defaultTokenFile, loadOrCreateToken, readTokenIfPresent, TokenFileError } from './token';
export { launchesHarnessGateway, type UpstreamServers } from './upstreams';
