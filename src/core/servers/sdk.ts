// The MCP client SDK (v2: @modelcontextprotocol/client) builds its schemas when it loads (~100 ms of CPU). It is
// loaded when the first server starts, not when the extension activates or the CLI parses its arguments: the
// `require` calls below are evaluated on first use (esbuild keeps required CommonJS modules lazy). This is the
// only place the connection layer loads the SDK.
import type * as ClientModule from '@modelcontextprotocol/client';
import type * as StdioModule from '@modelcontextprotocol/client/stdio';

export interface McpSdk {
  Client: typeof ClientModule.Client;
  SSEClientTransport: typeof ClientModule.SSEClientTransport;
  StreamableHTTPClientTransport: typeof ClientModule.StreamableHTTPClientTransport;
  /** The environment a stdio server inherits (PATH, HOME, ...), as the SDK's own stdio transport builds it. */
  getDefaultEnvironment: typeof StdioModule.getDefaultEnvironment;
  /** One line of a stdio stream as a JSON-RPC message (throws for anything else). */
  deserializeMessage: typeof ClientModule.deserializeMessage;
  serializeMessage: typeof ClientModule.serializeMessage;
  SdkError: typeof ClientModule.SdkError;
  SdkErrorCode: typeof ClientModule.SdkErrorCode;
  SdkHttpError: typeof ClientModule.SdkHttpError;
  ProtocolError: typeof ClientModule.ProtocolError;
  isInputRequiredResult: typeof ClientModule.isInputRequiredResult;
}

let sdk: McpSdk | undefined;

export function mcpSdk(): McpSdk {
  if (!sdk) {
    const client = require('@modelcontextprotocol/client') as typeof ClientModule;
    const stdio = require('@modelcontextprotocol/client/stdio') as typeof StdioModule;
    sdk = {
      Client: client.Client,
      SSEClientTransport: client.SSEClientTransport,
      StreamableHTTPClientTransport: client.StreamableHTTPClientTransport,
      getDefaultEnvironment: stdio.getDefaultEnvironment,
      deserializeMessage: client.deserializeMessage,
      serializeMessage: client.serializeMessage,
      SdkError: client.SdkError,
      SdkErrorCode: client.SdkErrorCode,
      SdkHttpError: client.SdkHttpError,
      ProtocolError: client.ProtocolError,
      isInputRequiredResult: client.isInputRequiredResult,
    };
  }
  return sdk;
}

/** The SDK's local failures this layer tells apart (SdkErrorCode members). */
export type SdkFailure = 'ConnectionClosed' | 'RequestTimeout';

/**
 * True for an error from the MCP SDK: a local failure of that kind when `code` is given (a timeout, a closed
 * connection), else any SDK or protocol (JSON-RPC) error. Never loads the SDK when nothing could have thrown one.
 */
export function isMcpError(err: unknown, code?: SdkFailure): err is Error & { code: unknown; data?: unknown } {
  if (!sdk) return false;
  if (code !== undefined) return err instanceof sdk.SdkError && err.code === sdk.SdkErrorCode[code];
  return err instanceof sdk.SdkError || err instanceof sdk.ProtocolError;
}

/** The HTTP status of a failed Streamable HTTP or SSE exchange, if that is what `err` is. */
export function httpStatusOf(err: unknown): number | undefined {
  if (!sdk) return undefined;
  if (err instanceof sdk.SdkHttpError) return err.status;
  // The SSE transport's errors carry the status as a numeric `code`.
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/**
 * The failure behind a failed version-negotiation probe: the SDK wraps whatever stopped the probe (a refused
 * connection, an exit of the process, an HTTP status) in an EraNegotiationFailed error; the messages for
 * users are about the failure itself, as they are for a 2025 handshake.
 */
export function unwrapProbeFailure(err: unknown): unknown {
  if (!sdk || !(err instanceof sdk.SdkError) || err.code !== sdk.SdkErrorCode.EraNegotiationFailed) return err;
  const cause = err.cause ?? (err.data as { cause?: unknown } | undefined)?.cause;
  if (!(cause instanceof Error)) return err;
  if (/connection closed/i.test(cause.message)) return new sdk.SdkError(sdk.SdkErrorCode.ConnectionClosed, cause.message, undefined, { cause });
  return cause;
}

/** True when the version-negotiation probe failed because the connection closed under it (the process exited). */
export function closedDuringProbe(err: unknown): boolean {
  if (!sdk || !(err instanceof sdk.SdkError) || err.code !== sdk.SdkErrorCode.EraNegotiationFailed) return false;
  const cause = err.cause ?? (err.data as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error && /connection closed/i.test(cause.message);
}

/** The SDK's own error for a handshake that did not finish in time (so it reads like any other timeout). */
export function handshakeTimeout(ms: number): Error {
  const { SdkError, SdkErrorCode } = mcpSdk();
  return new SdkError(SdkErrorCode.RequestTimeout, `the handshake did not finish within ${ms} ms`, { timeout: ms });
}
