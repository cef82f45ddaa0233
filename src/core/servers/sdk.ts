// The MCP SDK builds hundreds of zod schemas when it loads (~100 ms of CPU). It is loaded when the first
// server starts, not when the extension activates or the CLI parses its arguments: the `require` calls
// below are evaluated on first use (esbuild keeps required CommonJS modules lazy).
import type * as ClientModule from '@modelcontextprotocol/sdk/client/index.js';
import type * as SseModule from '@modelcontextprotocol/sdk/client/sse.js';
import type * as StdioModule from '@modelcontextprotocol/sdk/client/stdio.js';
import type * as SharedStdioModule from '@modelcontextprotocol/sdk/shared/stdio.js';
import type * as StreamableHttpModule from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type * as TypesModule from '@modelcontextprotocol/sdk/types.js';

export interface McpSdk {
  Client: typeof ClientModule.Client;
  SSEClientTransport: typeof SseModule.SSEClientTransport;
  /** The environment a stdio server inherits (PATH, HOME, ...), as the SDK's own stdio transport builds it. */
  getDefaultEnvironment: typeof StdioModule.getDefaultEnvironment;
  /** Splits a stdio stream into JSON-RPC messages, with a size cap. */
  ReadBuffer: typeof SharedStdioModule.ReadBuffer;
  serializeMessage: typeof SharedStdioModule.serializeMessage;
  StreamableHTTPClientTransport: typeof StreamableHttpModule.StreamableHTTPClientTransport;
  StreamableHTTPError: typeof StreamableHttpModule.StreamableHTTPError;
  ErrorCode: typeof TypesModule.ErrorCode;
  McpError: typeof TypesModule.McpError;
  ToolListChangedNotificationSchema: typeof TypesModule.ToolListChangedNotificationSchema;
  ResourceListChangedNotificationSchema: typeof TypesModule.ResourceListChangedNotificationSchema;
  PromptListChangedNotificationSchema: typeof TypesModule.PromptListChangedNotificationSchema;
  LoggingMessageNotificationSchema: typeof TypesModule.LoggingMessageNotificationSchema;
  ResourceUpdatedNotificationSchema: typeof TypesModule.ResourceUpdatedNotificationSchema;
  CreateMessageRequestSchema: typeof TypesModule.CreateMessageRequestSchema;
  ElicitRequestSchema: typeof TypesModule.ElicitRequestSchema;
  ListRootsRequestSchema: typeof TypesModule.ListRootsRequestSchema;
  EmptyResultSchema: typeof TypesModule.EmptyResultSchema;
}

let sdk: McpSdk | undefined;

export function mcpSdk(): McpSdk {
  if (!sdk) {
    const client = require('@modelcontextprotocol/sdk/client/index.js') as typeof ClientModule;
    const sse = require('@modelcontextprotocol/sdk/client/sse.js') as typeof SseModule;
    const stdio = require('@modelcontextprotocol/sdk/client/stdio.js') as typeof StdioModule;
    const sharedStdio = require('@modelcontextprotocol/sdk/shared/stdio.js') as typeof SharedStdioModule;
    const http = require('@modelcontextprotocol/sdk/client/streamableHttp.js') as typeof StreamableHttpModule;
    const types = require('@modelcontextprotocol/sdk/types.js') as typeof TypesModule;
    sdk = {
      Client: client.Client,
      SSEClientTransport: sse.SSEClientTransport,
      getDefaultEnvironment: stdio.getDefaultEnvironment,
      ReadBuffer: sharedStdio.ReadBuffer,
      serializeMessage: sharedStdio.serializeMessage,
      StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
      StreamableHTTPError: http.StreamableHTTPError,
      ErrorCode: types.ErrorCode,
      McpError: types.McpError,
      ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
      ResourceListChangedNotificationSchema: types.ResourceListChangedNotificationSchema,
      PromptListChangedNotificationSchema: types.PromptListChangedNotificationSchema,
      LoggingMessageNotificationSchema: types.LoggingMessageNotificationSchema,
      ResourceUpdatedNotificationSchema: types.ResourceUpdatedNotificationSchema,
      CreateMessageRequestSchema: types.CreateMessageRequestSchema,
      ElicitRequestSchema: types.ElicitRequestSchema,
      ListRootsRequestSchema: types.ListRootsRequestSchema,
      EmptyResultSchema: types.EmptyResultSchema,
    };
  }
  return sdk;
}

/** True for an McpError (with that code, when given), without loading the SDK when nothing could have thrown one. */
export function isMcpError(err: unknown, code?: keyof typeof TypesModule.ErrorCode): err is TypesModule.McpError {
  if (!sdk) return false;
  return err instanceof sdk.McpError && (code === undefined || err.code === sdk.ErrorCode[code]);
}
