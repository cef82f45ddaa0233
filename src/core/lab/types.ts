// The reliability lab's contract: what it needs from its host (a run to call tools through, the state of
// a server, a proxied definition for fault injection) and the stable shape of its result (documented in
// the README's "Reliability lab" section; `version` changes when a field changes meaning).
import type { ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallOutcome, ToolCallRequest, ToolCatalogEntry, PolicyConfig } from '../guards/types';

export type SuiteName = 'props' | 'faults' | 'bench' | 'conformance';
/** Every suite the lab knows. */
export const ALL_SUITES: SuiteName[] = ['props', 'faults', 'bench', 'conformance'];
/** What runs without --suite: conformance runs its 30 scenarios one after another (8-25 s), the longest suite by far. */
export const DEFAULT_SUITES: SuiteName[] = ['props', 'faults', 'bench'];

export type Severity = 'critical' | 'major' | 'minor' | 'info';

export interface LabFinding {
  suite: SuiteName;
  /** A stable identifier of what was found, e.g. 'props.crash', 'faults.corrupt.server_died'. */
  kind: string;
  severity: Severity;
  tool?: string;
  message: string;
  /** The smallest input that shows it (after shrinking), when the finding comes from an input. */
  input?: unknown;
  /** Where the replayable session file was written. */
  replay?: string;
}

/**
 * One traced session of guarded calls. The host opens it through its run service, so every probe is a
 * step of one trace and passes the same guards as any other call.
 */
export interface LabRun {
  callTool(request: ToolCallRequest): Promise<ToolCallOutcome>;
  listTools(): Promise<ToolCatalogEntry[]>;
  /** Ends the traced session; returns the trace file when one was written. */
  end(): Promise<{ traceFile?: string }>;
}

export interface LabRunOptions {
  /** The trace's session name. */
  name: string;
  servers: string[];
  policy?: Partial<PolicyConfig>;
  /**
   * 'record' lets arguments that fail the inputSchema reach the server, with the schema failure recorded
   * in the step instead of denying it: the invalid-input probes exist to see how the server refuses them.
   */
  schemaGuard?: 'enforce' | 'record';
}

export interface ServerProbeState {
  status: 'stopped' | 'starting' | 'running' | 'error' | 'needs-sign-in';
  pid?: number;
  error?: string;
}

/** What the lab needs from the host that started it. */
export interface LabHost {
  openRun(options: LabRunOptions): Promise<LabRun>;
  /** The server's state without starting it. */
  serverState(id: string): ServerProbeState | undefined;
  /** Resources, for annotation truth (observe before/after). Absent when the host cannot read them. */
  listResources?(id: string): Promise<Resource[]>;
  readResource?(id: string, uri: string): Promise<ReadResourceResult>;
  /**
   * Ends the starts in flight of `server` and of the proxies this host made for it (a handshake that hangs, a consent
   * or backoff wait), leaving running servers alone: what the lab does when the budget ends or it is cancelled.
   * Absent when the host cannot end a start; the lab then leaves a suite stuck in one behind (see runner.ts).
   */
  stopStarting?(server: string): Promise<void>;
  /** Restarts a server that a probe brought down, so the next probe starts clean. */
  restart(id: string): Promise<void>;
  /**
   * Registers a definition that reaches `target` through the fault-injection proxy with these toxics;
   * returns its server id. Absent when the target cannot be proxied (then the faults suite is skipped).
   */
  proxied?(target: string, toxics: string, seed: number): Promise<string>;
  /** Stops the server, then times a fresh start until it answers; ms. Absent when the host cannot. */
  coldStartMs?(id: string): Promise<number>;
  /**
   * Runs the official conformance suite's server scenarios against the server (outside the guard pipeline:
   * the suite is its own client). Throws a sentence saying why it cannot. Absent when the host cannot.
   */
  conformance?(id: string, progress: (message: string) => void, bounds?: ConformanceBounds): Promise<ConformanceRun>;
}

/** When the conformance suite must stop: no scenario starts after `startBy`; everything stops at `stopBy`. */
export interface ConformanceBounds {
  startBy: number;
  stopBy: number;
  signal?: AbortSignal;
}

export interface ConformanceRun {
  scenarios: ConformanceScenario[];
  /** Scenarios the suite did not start (the budget ended or the run was cancelled first). */
  notStarted: string[];
  /** The scenario stopped while under way (it ran past the budget's grace, or the run was cancelled). */
  interrupted?: string;
  stopped?: 'budget' | 'cancelled' | 'overran';
}

/** One scenario of the official conformance suite, as the lab reports it. */
export interface ConformanceScenario {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  failures: string[];
}

export interface SuiteResult {
  suite: SuiteName;
  /** 0–100 for this suite. */
  score: number;
  weight: number;
  ran: boolean;
  /** Why it did not run. */
  skipped?: string;
  findings: LabFinding[];
  /** Suite-specific figures (documented per suite in the README). */
  stats: Record<string, unknown>;
  /** The suite's time, in ms: its share of the budget, when it started (after the lab started) and how long it ran. Absent when it did not start. */
  time?: { share_ms: number; started_ms: number; used_ms: number };
  /** The suite was stopped while under way (the budget ended, or the run was cancelled): its result is partial. */
  stopped?: 'budget' | 'cancelled';
}

export interface LabResult {
  version: 1;
  server: string;
  seed: number;
  started_at: string;
  duration_ms: number;
  score: number;
  suites: SuiteResult[];
  findings: LabFinding[];
  machine: { cores: number; loadavg: number[]; node: string; platform: string };
  trace_files: string[];
  /** The run was cancelled: the suites that had not started are skipped, the one under way is partial. */
  cancelled?: true;
  /** The budget ended before every suite had finished: the score covers only the suites that ran, `stopped` in part. */
  cut_short?: { budget_ms: number; stopped?: SuiteName[]; not_started: SuiteName[] };
  /** With the opt-in for destructive tools: the data the server was given and the scratch copies it ran on. */
  scratch?: { from: string; to: string }[];
}

/** What every suite gets from the lab runner. */
export interface SuiteContext {
  host: LabHost;
  server: string;
  seed: number;
  /** This suite's share of --budget, in ms. */
  budgetMs: number;
  /**
   * When the share began, by `now`: the suite's own set-up (opening its run, listing tools, a cold start) is
   * spent from its share, so it ends when the share does. Defaults to when the suite itself starts.
   */
  startedAt?: number;
  /** The lab's clock in ms, which its budget is measured with: a suite plans with it too (default Date.now). */
  now?: () => number;
  allowDestructive: boolean;
  /** A call that takes longer counts as a hang. */
  callTimeoutMs: number;
  /** Where counterexample session files are written. */
  outDir: string;
  signal?: AbortSignal;
  progress(message: string): void;
}
