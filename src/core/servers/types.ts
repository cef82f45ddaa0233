// The contract between the connection layer (src/core/servers) and its users (guards, sandbox,
// lint, the extension's Servers view, the CLI).
import type { CallToolResult, Prompt, Resource, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SignInReason } from '../auth/errors';
import type { ServerDefinition } from '../config/types';

/** 'needs-sign-in': the server asks for OAuth and no usable sign-in is stored; only an interactive sign-in helps. */
export type ServerStatus = 'stopped' | 'starting' | 'running' | 'error' | 'needs-sign-in';

export interface ServerState {
  id: string;
  status: ServerStatus;
  /** A sentence for the user when status is 'error' or 'needs-sign-in' (what went wrong and what to do). */
  error?: string;
  /**
   * Why the server needs a sign-in: set with status 'needs-sign-in', or on a 'running' server that asked for a wider
   * scope (403 step-up: `scope` is what it asked for) while its other tools still work.
   */
  signIn?: { reason: SignInReason; scope?: string };
  /** True when the circuit breaker has stopped retrying this server. */
  circuitOpen?: boolean;
  /**
   * Set while a start waits out the reconnect backoff after a failure: when it will try (wall-clock ms, Date.now())
   * and which attempt since the last success that is (1 = the first). A stop ends the wait and clears it.
   */
  reconnect?: { at: number; attempt: number };
  pid?: number;
  tools?: Tool[];
  resources?: Resource[];
  prompts?: Prompt[];
  serverInfo?: { name: string; version: string };
  instructions?: string;
  /** True while `tools` comes from the cache of an unchanged definition and a fresh list is being fetched. */
  toolsFromCache?: boolean;
  /** The transport actually in use (an `http` server may have fallen back to SSE). */
  transportUsed?: 'stdio' | 'streamable-http' | 'sse';
  /** The Streamable HTTP session id (Mcp-Session-Id), when the server keeps one. */
  mcpSessionId?: string;
  /** The MCP protocol version negotiated with the running server, and its generation. */
  protocol?: NegotiatedProtocol;
}

export interface NegotiatedProtocol {
  /** e.g. '2025-06-18' or '2026-07-28'. */
  version: string;
  /** 'legacy': the 2025 generation (initialize handshake); 'modern': 2026-07-28 and later (stateless). */
  era: 'legacy' | 'modern';
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-request timeout; reset by progress notifications. */
  timeoutMs?: number;
  /** Hard cap on the total time even while progress keeps arriving. */
  maxTotalTimeoutMs?: number;
  onProgress?: (progress: { progress: number; total?: number; message?: string; cancel?: () => Promise<void> }) => void;
  /** Handed back as `ServerRequestContext.origin` (./serverRequests) for server requests this call causes. */
  origin?: unknown;
  /** A task-based call's status changes (working → input_required → completed / failed / cancelled). */
  onTaskStatus?: (update: { taskId: string; status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled'; message?: string }) => void;
  /** Merged into the request's `_meta` (a W3C `traceparent`, say); the SDK's own keys (progressToken) win. */
  meta?: Record<string, unknown>;
}

export interface ServerConnection {
  readonly id: string;
  readonly definition: ServerDefinition;
  /** The protocol negotiated with the server, when it is running (absent for connections that do not know). */
  readonly protocol?: NegotiatedProtocol;
  listTools(): Promise<Tool[]>;
  callTool(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>;
}

/**
 * Asked before a stdio server is spawned; the extension shows a modal, the CLI answers yes. `signal` aborts when the
 * start is stopped while the user is asked: the start no longer waits for the answer (it spawns nothing whatever the
 * answer); the host decides what an answer given after that means.
 */
export type SpawnConsent = (definition: ServerDefinition, signal?: AbortSignal) => Promise<boolean>;
