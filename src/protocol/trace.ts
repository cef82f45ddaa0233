// Trace record types: the JSONL lines written under .mcp-harness/traces/, read by the CLI, the
// Sessions tree, the trace panel and the report writers. Shared by core, extension and webview.

export const DECISIONS = [
  'ok',
  'denied_schema',
  'denied_policy',
  'denied_guardrail',
  'dry_run',
  'error',
  'timeout',
  'cancelled',
] as const;
export type Decision = (typeof DECISIONS)[number];

export type Channel = 'user_to_llm' | 'llm_to_tool' | 'tool_to_llm';
export type Role = 'user' | 'assistant' | 'tool' | 'code';

export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** A guard stage's name, in pipeline order. */
export type StageName = 'preflight' | 'schema' | 'policy' | 'execute' | 'guardrails' | 'record';

/** Something a guard noticed. Never carries a raw secret or PII value: only its kind and where it was. */
export interface Finding {
  stage: StageName;
  /** e.g. 'secret.aws_access_key', 'pii.email', 'injection', 'schema.output_mismatch', 'truncated'. */
  kind: string;
  severity: Severity;
  message: string;
  /** JSON path of the value the finding is about, e.g. '$.content[0].text'. */
  path?: string;
}

export interface StageResult {
  stage: StageName;
  /** 'pass' when the stage let the call through; otherwise the decision it produced. */
  decision: Decision | 'pass' | 'skipped';
  reasons: string[];
  /** For the policy stage: the rule that fired, e.g. the deny glob that matched. */
  rule?: string;
  /** For the schema stage: each error's JSON path and message. */
  errors?: { path: string; message: string }[];
  duration_ms?: number;
}

/**
 * 'model': one turn of an agent's model (what it was given, what it answered). 'resource' / 'prompt': a
 * session step that read a resource or got a prompt. 'sampling' / 'elicitation': a server's request to the
 * client, a child of the step whose call caused it. 'log': a server's logging notification during the run.
 */
export type StepKind = 'tool' | 'code' | 'model' | 'resource' | 'prompt' | 'sampling' | 'elicitation' | 'log';

/** The last progress notification of a step's call. */
export interface StepProgress {
  progress: number;
  total?: number;
  /** 0–100 when the server gave a total. */
  percent?: number;
  message?: string;
  /** How many progress notifications arrived. */
  updates: number;
}

/** A task-augmented call's life: its id and every status it went through. */
export interface StepTask {
  task_id: string;
  status: TaskStatus;
  history: { status: TaskStatus; at: string; message?: string }[];
}

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** What a sampling record keeps (the messages themselves are in args, redacted). */
export interface SamplingDetail {
  policy: 'deny' | 'ask' | 'allow';
  /** The model that answered (host's model, or "session-reply"). */
  model?: string;
  max_tokens_requested?: number;
  max_tokens_granted?: number;
  /** The tools the server offered the model, and the ones it called. */
  tools_offered?: string[];
  tools_used?: string[];
  via: 'request' | 'input_required';
}

/** What an elicitation record keeps (content in output, redacted). */
export interface ElicitationDetail {
  mode: 'form' | 'url';
  action: 'accept' | 'decline' | 'cancel';
  /** URL mode: the URL the server asked the user to open (never opened by the CLI). */
  url?: string;
  via: 'request' | 'input_required';
}

/** A tool call a model asked for, as recorded (arguments redacted like any step's). */
export interface ModelToolCall {
  id: string;
  /** The name the model used (namespaced in direct mode, search_tools / run_code in code mode). */
  name: string;
  /** The arguments as the model sent them: a JSON text, redacted. */
  arguments: string;
}

/** The record of one model turn (kind 'model'): enough to replay it without the model. */
export interface ModelTurnRecord {
  turn: number;
  provider: string;
  model: string;
  mode: 'direct' | 'code';
  /** The tool results the model was given this turn: call id, tool name and sha256 of the exact text. */
  given: { id: string; name: string; sha256: string }[];
  /** The model's text (redacted). */
  text?: string;
  tool_calls: ModelToolCall[];
  stop_reason?: string;
  /** The model's reasoning summary (OpenAI-compatible reasoning text, Anthropic thinking), redacted like its text. */
  reasoning?: string;
  /** Whether tokens_in / tokens_out came from the model's usage report or from the tokenizer. */
  usage_source: 'model' | 'tokenizer';
}

export interface StepRecord {
  type: 'step';
  session_id: string;
  step_id: string;
  /** Set on tool calls made by sandboxed code: the id of the code step. */
  parent_id?: string;
  kind: StepKind;
  role: Role;
  channel: Channel;
  server: string;
  tool: string;
  decision: Decision;
  reasons: string[];
  stages: StageResult[];
  /** Redacted arguments (secrets/PII masked, tokenised PII kept as placeholders). */
  args?: unknown;
  /** Redacted, size-capped output (CallToolResult-like for tools, the returned value for code). */
  output?: unknown;
  is_error?: boolean;
  error?: string;
  started_at: string;
  latency_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_est: number;
  findings: Finding[];
  /** True when the result came from the session's de-duplication cache. */
  reused?: boolean;
  /** Code steps: tokens of every tool result that flowed into the sandbox. */
  tokens_raw?: number;
  /** Code steps: tokens of the returned result plus logs. */
  tokens_returned?: number;
  /** Code steps: console output captured from the guest (sanitised). */
  logs?: { level: string; text: string }[];
  /** Model steps (kind 'model'): the turn, for replay and the timeline. */
  model_turn?: ModelTurnRecord;
  /** The step's call reported progress: the last notification, as a percentage when the server gave a total. */
  progress?: StepProgress;
  /** A task-augmented call: the task's id and status history. */
  task?: StepTask;
  /** Sampling records (kind 'sampling'). */
  sampling?: SamplingDetail;
  /** Elicitation records (kind 'elicitation'). */
  elicitation?: ElicitationDetail;
  /** Log records (kind 'log'): the level the server gave. */
  level?: string;
  /** Whether the step's `expect` block held (absent when the step had none and was judged by decision only). */
  expectation?: { passed: boolean; failures: string[] };
}

export interface SessionHeader {
  type: 'session';
  session_id: string;
  name: string;
  started_at: string;
  /** sha256 of canonical JSON of policy + guardrails + the tool definitions used. */
  config_hash: string;
  source_file?: string;
  workspace?: string;
  model?: string;
  servers: string[];
  /**
   * The MCP protocol version negotiated with each server that was running when the run started, by server
   * id (e.g. {"everything": "2025-11-25", "modern": "2026-07-28"}). Absent in traces written before it existed.
   */
  protocols?: Record<string, string>;
  harness_version: string;
  /** Which entry point started the run (absent in traces written before run kinds existed: a session). */
  run_kind?: RunKind;
}

/** The entry point a run came from: a session file, one tool call, sandboxed code, or a long-lived open run. */
export type RunKind = 'session' | 'call' | 'code' | 'gateway' | 'agent' | 'lab';

export type SessionStatus = 'passed' | 'failed' | 'error' | 'cancelled';

export interface SessionTotals {
  steps: number;
  latency_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_est: number;
  /** Tokens saved by code mode: sum over code steps of tokens_raw - tokens_returned. */
  tokens_saved: number;
}

export interface SessionEnd {
  type: 'end';
  session_id: string;
  status: SessionStatus;
  ended_at: string;
  duration_ms: number;
  totals: SessionTotals;
  decisions: Partial<Record<Decision, number>>;
  tools_used: string[];
  error?: string;
}

export type TraceLine = SessionHeader | StepRecord | SessionEnd;
