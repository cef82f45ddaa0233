// The seam between the connection layer and the client features. A server asks the client for things in two
// ways: in the 2025 protocol generation by sending a request (sampling/createMessage, elicitation/create,
// roots/list) while one of our calls is in flight, and in the 2026-07-28 generation by answering a call with an
// `input_required` result that the client fulfils and retries. Both arrive at these handlers, so the features
// (guards, traces, UI) are written once and do not know which generation asked.
//
// The connection layer declares a client capability only for the handlers that are present: a server sees
// `sampling` only if `createMessage` is set, and so on. Handlers are host-provided (the CLI answers from the
// session file, VS Code asks the user or a model); the core decides nothing here.
import type * as Mcp from '@modelcontextprotocol/client';

// The client features take these protocol types from this seam rather than from the SDK directly.
export type { CreateMessageRequestParams, CreateMessageResult, CreateMessageResultWithTools, ElicitRequestParams, ElicitResult, ListRootsResult, LoggingMessageNotificationParams } from '@modelcontextprotocol/client';

/** Who asked, and on behalf of which of our calls. */
export interface ServerRequestContext {
  /** The server's id as configured (the registry's key). */
  server: string;
  /** Aborted when the call that caused the request ends, is cancelled, or the connection closes. */
  signal: AbortSignal;
  /**
   * The `origin` given to the call this request belongs to (`CallOptions.origin`): always known for a 2026
   * `input_required` result; for a 2025 server→client request, known when exactly one call to that server is in
   * flight, else undefined. The run service passes its step identity here so a sampling record can be a child
   * of the tool step that caused it.
   */
  origin?: unknown;
  /** Which generation asked: a server→client request (2025) or an input_required result (2026). */
  via: 'request' | 'input_required';
}

/** What the client can answer. A missing handler means the capability is not declared. */
export interface ServerRequestHandlers {
  /** sampling/createMessage (with or without tools). */
  createMessage?(ctx: ServerRequestContext, params: Mcp.CreateMessageRequestParams): Promise<Mcp.CreateMessageResult | Mcp.CreateMessageResultWithTools>;
  /** elicitation/create, form or URL mode. */
  elicit?(ctx: ServerRequestContext, params: Mcp.ElicitRequestParams): Promise<Mcp.ElicitResult>;
  /** roots/list. */
  listRoots?(ctx: ServerRequestContext): Promise<Mcp.ListRootsResult>;
}

/** Notifications a server sends that the client features show or record. All optional. */
export interface ServerNotificationHandlers {
  /** notifications/message (logging), already parsed; the handler redacts before showing or recording. */
  onLog?(server: string, params: Mcp.LoggingMessageNotificationParams): void;
  /** notifications/resources/updated for a subscribed resource. */
  onResourceUpdated?(server: string, uri: string): void;
}

// Per-call options (signal, timeouts, progress) are `CallOptions` in ./types; it gains
// `origin?: unknown`, handed back as `ServerRequestContext.origin` for server requests caused by that call.
