// The contract of the one guard pipeline. Session steps, sandboxed code and (later) the gateway
// all call tools through a ToolGateway; there is no second path to a tool.
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { StepRecord, TaskStatus } from '../../protocol/trace';
import type { PageToOpen } from '../servers/errors';

export interface PolicyConfig {
  allow: string[];
  deny: string[];
  noNetwork: boolean;
  dryRun: boolean;
  maxSteps: number;
  readOnly: boolean;
  confirmDestructive: boolean;
  timeoutMs: number;
  /** Hard cap on a call's total time while progress notifications keep extending timeoutMs. */
  maxTotalTimeoutMs?: number;
  /** Extra attempts after a failed call; only read-only or idempotent tools are retried. */
  retries?: number;
  /** Servers whose tool annotations (readOnlyHint, destructiveHint, openWorldHint, idempotentHint) are believed. */
  trustedServers?: string[];
}

export type GuardrailMode = 'hard_gate' | 'mixed' | 'advisory';

export interface GuardrailsConfig {
  mode: GuardrailMode;
  redact: ('secrets' | 'pii')[];
  tokenizePii: boolean;
  maxOutputTokens: number;
  /** Flag text in tool output that looks like instructions aimed at the model (default true). */
  detectInjection?: boolean;
}

export interface ToolCallRequest {
  /** Server id as discovered (see ServerDefinition.id). */
  server: string;
  tool: string;
  args: Record<string, unknown>;
  stepId: string;
  /** The code step that made this call, for calls from the sandbox. */
  parentId?: string;
  /** Per-step overrides of the session's policy / guardrails. */
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  signal?: AbortSignal;
  /** Progress notifications of the running call (each one also extends the call's timeout). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Status changes of a task-based call, as they happen (the record keeps their history). */
  onTaskStatus?: (update: TaskStatusUpdate) => void;
}

export interface TaskStatusUpdate {
  taskId: string;
  status: TaskStatus;
  message?: string;
  /** While the task runs: cancels that task only (the call ends as cancelled). Never recorded. */
  cancel?: () => Promise<void>;
}

export interface ToolCallOutcome {
  record: StepRecord;
  /** The redacted result the caller may use (absent when the call was denied or failed). */
  result?: CallToolResult;
  /**
   * The call failed because the server wants the user to open these pages first (URLElicitationRequiredError,
   * -32042): a host with a user may offer to open them and call again. Not in the record (a URL may carry a token).
   */
  pagesToOpen?: PageToOpen[];
}

export interface ToolCatalogEntry {
  server: string;
  tool: Tool;
}

/** A server a gateway may reach, and what is known of its tools without starting it. */
export interface ServerReach {
  server: string;
  /** Running now: listing its tools starts nothing. */
  running: boolean;
  /** Its tools when known without starting it: listed earlier in this run, or remembered from an earlier start of the same definition. */
  cached?: readonly Tool[];
}

/** What the sandbox and session runner see: guarded calls and the tools they may call. */
export interface ToolGateway {
  callTool(request: ToolCallRequest): Promise<ToolCallOutcome>;
  /** The tools of every server the gateway may reach (starting each one that is not running). */
  listTools(): Promise<ToolCatalogEntry[]>;
  /** The servers the gateway may reach, without starting any (a gateway that can say lets its callers start only what they need). */
  serverReach?(): ServerReach[];
  /** One server's tools by name, starting it (through the host's consent) when it is not running; rejects when it cannot start. */
  toolsOf?(server: string): Promise<Map<string, Tool>>;
}
