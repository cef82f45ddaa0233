// The contract of the one run service: what a host supplies once (RunEnvironment), what a caller may
// change per run (RunOpts), the run events, and what runs return.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, Finding, RunKind, SessionHeader, SessionStatus, SessionTotals, StepRecord } from '../../protocol/trace';
import type { ClientFeatures } from '../client/features';
import type { DedupCache } from '../guards/dedup';
import type { AnswererLookup, SessionClientSettings } from '../client/types';
import type { ConfirmHook, ConnectionProvider } from '../guards/pipeline';
import type { CallMetaHook } from '../otel/ids';
import type { PageToOpen } from '../servers/errors';
import type { GuardrailsConfig, PolicyConfig, TaskStatusUpdate, ToolCallOutcome, ToolCallRequest, ToolGateway } from '../guards/types';
import type { PinChecker } from '../pin/lockfileCheck';
import type { FeatureStepOutcome } from './featureSteps';
import type { LimitAdvice } from '../sandbox/limits';
import type { ExecResult, SandboxLimits } from '../sandbox/types';
import type { PriceTable } from '../tokens/index';
import type { Logger } from '../types';

export type { RunKind };

export interface Disposable {
  dispose(): void;
}

/**
 * Everything a host supplies once. Fields are read at the start of every run, so a host whose settings
 * change (VS Code) may implement them as getters.
 */
export interface RunEnvironment {
  /** The ServerManager (or anything that hands out connections). */
  readonly connections: ConnectionProvider;
  /** Ids of the configured servers: "unknown server" is said before trying to start one. */
  readonly knownServers?: readonly string[];
  /** Defaults; session files, steps and per-run options override them. */
  readonly policy?: PolicyConfig;
  readonly guardrails?: GuardrailsConfig;
  readonly prices?: PriceTable;
  /** Asked before a destructive tool runs. Without it such calls are denied. */
  readonly confirm?: ConfirmHook;
  /** Tool pinning: the workspace lockfile, refreshed at the start of every run. */
  readonly pins?: PinChecker;
  /** Where traces go; no trace is written when absent. */
  readonly traceDir?: string;
  /** The workspace folder (recorded in the trace header; code steps load its skills). */
  readonly workspace?: string;
  readonly logger?: Logger;
  /** Recorded in every trace header; package.json's version by default. */
  readonly harnessVersion?: string;
  /**
   * The host's answers to servers' requests (sampling, elicitation, roots) and its log sink: every run
   * attaches to it while open, so those requests are guarded and recorded in the run's trace.
   */
  readonly client?: ClientFeatures;
  /** The `_meta` every tools/call carries: a W3C traceparent when the host exports spans (src/core/otel). */
  readonly callMeta?: CallMetaHook;
}

export type ProgressUpdate = { progress: number; total?: number; message?: string };

/** What a caller may change for one run. */
export interface RunOpts {
  signal?: AbortSignal;
  /** Per-run overrides on top of the environment's defaults. */
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  /** Only these servers are reachable in this run (default: the session's list or every known server). */
  servers?: string[];
  /** The run's name in the trace and the Sessions view. */
  name?: string;
  kind?: RunKind;
  /** The model whose tokenizer and prices the run's estimates use (an agent's: the model that works in it). */
  model?: string;
  /** Write no trace for this run even when the environment has a trace directory. */
  noTrace?: boolean;
  /** callTool / runSession: a step naming an unknown server or tool refuses the run untraced (RunOptions.refuseMisnamed). */
  refuseMisnamed?: boolean;
  /**
   * 'record' lets arguments that fail the inputSchema reach the server, recorded in the step's schema stage
   * and as a `schema.input_sent_invalid` finding instead of a denial. For the reliability lab's invalid-input
   * probes only; honoured by open() runs.
   */
  schemaGuard?: 'enforce' | 'record';
  /**
   * false: an open() run keeps only its totals, not its step records (they are in the trace, and the end
   * result's `steps` is empty). For runs that live long and answer many calls (the gateway).
   */
  keepSteps?: boolean;
  /**
   * open() runs: a call's outcome is returned as soon as the guards have decided it; its token counts, the
   * run's totals and the step events follow one event-loop turn later, in call order (end() and process exit
   * wait for them). For runs whose caller answers someone else first (the gateway).
   */
  deferBookkeeping?: boolean;
  /**
   * The cache of reused read-only results, shared with other runs (the gateway's clients): one budget for
   * all of them; each run sees only its own entries. Default: a cache of the run's own.
   */
  dedup?: DedupCache;
  /**
   * open() runs: who answers servers' sampling, elicitation and roots requests caused by a step, in place of
   * the host (the gateway's client that declared them); the same guards and trace records apply.
   */
  answerers?: AnswererLookup;
  /** open() runs: the client settings a session file would give ("sampling", "elicitation", "roots"). */
  clientSettings?: SessionClientSettings;
  /** This run's top-level steps as they finish (after their expectations are checked). */
  onStep?: (record: StepRecord) => void;
  onProgress?: (stepIndex: number, stepId: string) => void;
  /** Progress notifications from the tool a step is calling. */
  onToolProgress?: (stepIndex: number, stepId: string, progress: ProgressUpdate) => void;
  /** Status changes of a step's task-based call (working → completed / failed / cancelled). */
  onTaskStatus?: (stepIndex: number, stepId: string, update: TaskStatusUpdate) => void;
}

export interface RunCodeOpts extends RunOpts {
  /** Sandbox limits over the host's defaults (mcpHarness.sandbox.*). */
  limits?: Partial<SandboxLimits>;
  /** The file the code came from (e.g. a .mcp.js file): recorded as the code step's tool name. */
  codeFile?: string;
  /** The code step's id (default: code). */
  stepId?: string;
  /** How this caller lets its user raise a limit the code hit (e.g. "pass --timeout-ms"); over the host's default. */
  limitAdvice?: LimitAdvice;
}

export interface PreflightProblem {
  stepId?: string;
  server?: string;
  message: string;
  /** 'unreachable' makes the CLI exit 3. */
  code: 'unreachable' | 'unknown_server' | 'unknown_tool' | 'invalid_args' | 'not_in_servers';
}

export interface SessionResult {
  session_id: string;
  name: string;
  status: SessionStatus;
  started_at: string;
  duration_ms: number;
  config_hash: string;
  trace_file?: string;
  steps: StepRecord[];
  totals: SessionTotals;
  decisions: Partial<Record<Decision, number>>;
  tools_used: string[];
  preflight: PreflightProblem[];
  error?: string;
}

/** The run events. onStart comes before any step; onEnd comes exactly once for every onStart. */
export interface RunEvents {
  onStart?(header: SessionHeader): void;
  /** Every finished record: top-level steps and the tool calls of code steps (parent_id set). */
  onStep?(record: StepRecord): void;
  onEnd?(result: SessionResult): void;
}

export interface CallResult {
  session: SessionResult;
  /** The call's step record (a preflight error record when the tool could not be reached). */
  record: StepRecord;
  /** The guarded result, when the call went through. */
  result?: CallToolResult;
  /** The server wants the user to open these pages before the call can succeed (-32042); never in the record or trace. */
  pagesToOpen?: PageToOpen[];
}

export interface CodeRunResult {
  session: SessionResult;
  /** The code step's record (kind 'code'); undefined only when the run stopped before the step. */
  record?: StepRecord;
  /** What the sandbox returned (value, logs, error kind, metrics, child steps); absent when it never ran. */
  exec?: ExecResult;
  /** The code's tool calls, in order, each with parent_id = the code step's id. */
  children: StepRecord[];
}

/** A tool call into an open run; the step id is generated when absent. */
export type OpenCallRequest = Omit<ToolCallRequest, 'stepId'> & { stepId?: string };

/** A resource read or prompt get in an open run; the step id is generated when absent. */
export interface OpenFeatureRequest {
  server: string;
  /** The resource's URI (or RFC 6570 template, filled from args) / the prompt's name. */
  target: string;
  args?: Record<string, unknown>;
  stepId?: string;
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
}

/** A long-lived run (gateway, agent, lab): every call is a guarded, traced step of one session. */
export interface OpenRun extends ToolGateway {
  readonly sessionId: string;
  readonly traceFile?: string;
  callTool(request: OpenCallRequest): Promise<ToolCallOutcome>;
  /** Reads a resource as a guarded, traced step (policy by "server/uri", output guardrails). */
  readResource(request: OpenFeatureRequest): Promise<FeatureStepOutcome>;
  /** Gets a prompt as a guarded, traced step (policy by "server/prompt", output guardrails). */
  getPrompt(request: OpenFeatureRequest): Promise<FeatureStepOutcome>;
  /**
   * A step that is not a tool call (an agent's model turn, a code step it ran): written to the trace,
   * counted in the totals and announced like the run's tool calls.
   */
  recordStep(record: StepRecord): void;
  /**
   * The run's guardrails over text headed for a model (an agent's goal): secrets masked, PII masked or
   * replaced by the run's placeholders, which this run's tool calls restore in their arguments.
   */
  guardText<T>(value: T): { redacted: T; findings: Finding[] };
  /** Ends the run: waits for calls in flight, writes the end line, emits onEnd. Later calls are refused. */
  end(status?: SessionStatus, error?: string): Promise<SessionResult>;
}
