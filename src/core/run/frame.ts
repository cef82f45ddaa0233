// One traced run: the header and trace file, the one GuardPipeline every call of the run goes through,
// the records, the totals and the end line, with the run events around them. The session runner and
// open runs (gateway, agent, lab) are both built on it, so there is one place that assembles a pipeline.
import { randomUUID } from 'node:crypto';
import type { Decision, RunKind, SessionEnd, SessionHeader, SessionStatus, SessionTotals, StepRecord } from '../../protocol/trace';
import type { ClientFeatures } from '../client/features';
import type { AnswererLookup, ClientRun, SessionClientSettings } from '../client/types';
import type { CallMetaHook } from '../otel/ids';
import type { DedupCache } from '../guards/dedup';
import { GuardPipeline, type ConfirmHook, type ConnectionProvider } from '../guards/pipeline';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';
import type { PinCheck } from '../pin/lockfileCheck';
import type { PriceTable } from '../tokens/index';
import { TraceWriter } from '../trace/writer';
import { FeatureGate } from './featureSteps';
import type { ServerState } from '../servers/types';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import { HARNESS_VERSION } from '../version';
import { RunTotals } from './totals';
import type { PreflightProblem, RunEvents, SessionResult } from './types';

export interface RunFrameOptions {
  name: string;
  kind?: RunKind;
  configHash: string;
  /** The servers named in the header (those a session's preflight reached). */
  servers: string[];
  /** The servers the run's calls may reach. */
  reachable: string[];
  sourceFile?: string;
  workspace?: string;
  model?: string;
  harnessVersion?: string;
  connections: ConnectionProvider;
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
  prices?: PriceTable;
  confirm?: ConfirmHook;
  pinCheck?: PinCheck;
  traceDir?: string;
  logger?: Logger;
  /** The run's signal: aborting it cancels every call in flight. */
  signal: AbortSignal;
  events?: RunEvents;
  /** The run's own top-level step listener (RunOpts.onStep). */
  onStep?: (record: StepRecord) => void;
  /** RunOpts.schemaGuard. */
  schemaGuard?: 'enforce' | 'record';
  /** False: only the totals are kept, not the records (they are in the trace); `records` stays empty. */
  keepRecords?: boolean;
  /** The host's client features: the run attaches while open, so servers' requests land in its trace. */
  client?: ClientFeatures;
  /** The session's "sampling", "elicitation" and "roots" keys. */
  clientSettings?: SessionClientSettings;
  /** RunEnvironment.callMeta. */
  callMeta?: CallMetaHook;
  /** RunOpts.dedup: the run reuses results through its own view of it. */
  dedup?: DedupCache;
  /** RunOpts.answerers. */
  answerers?: AnswererLookup;
}

export interface RunOutcome {
  status: SessionStatus;
  preflight?: PreflightProblem[];
  error?: string;
}

export class RunFrame {
  readonly sessionId = randomUUID();
  readonly header: SessionHeader;
  readonly pipeline: GuardPipeline;
  /** Resource reads and prompt gets, guarded and traced like the pipeline's tool calls. */
  readonly features: FeatureGate;
  readonly records: StepRecord[] = [];
  readonly totals = new RunTotals();
  readonly trace: TraceWriter | undefined;
  private readonly t0 = Date.now();
  private readonly logger: Logger;
  private ended: SessionResult | undefined;
  /** Tokens and cost of what servers asked the client for (sampling): part of the run's totals. */
  private readonly featureCost = { tokens_in: 0, tokens_out: 0, cost_est: 0 };
  private readonly detach: () => void;

  /** Opens the trace (throws when it cannot be written) and announces the run with onStart. */
  constructor(private readonly options: RunFrameOptions) {
    this.logger = options.logger ?? nullLogger;
    this.header = {
      type: 'session',
      session_id: this.sessionId,
      name: options.name,
      started_at: new Date(this.t0).toISOString(),
      config_hash: options.configHash,
      ...(options.sourceFile ? { source_file: options.sourceFile } : {}),
      ...(options.workspace ? { workspace: options.workspace } : {}),
      ...(options.model ? { model: options.model } : {}),
      servers: options.servers,
      ...protocolsOf(options.servers, options.connections),
      harness_version: options.harnessVersion ?? HARNESS_VERSION,
      ...(options.kind && options.kind !== 'session' ? { run_kind: options.kind } : {}),
    };
    this.trace = options.traceDir ? openTrace(options.traceDir, this.header) : undefined;
    const onStep = options.events?.onStep;
    this.pipeline = new GuardPipeline({
      sessionId: this.sessionId,
      connections: options.connections,
      servers: options.reachable,
      policy: options.policy,
      guardrails: options.guardrails,
      model: options.model,
      prices: options.prices,
      confirm: options.confirm,
      pinCheck: options.pinCheck,
      configHash: options.configHash,
      sink: this.trace,
      logger: this.logger,
      signal: options.signal,
      ...(options.schemaGuard ? { schemaGuard: options.schemaGuard } : {}),
      ...(options.callMeta ? { callMeta: options.callMeta } : {}),
      ...(options.dedup ? { dedup: options.dedup.scoped(this.sessionId) } : {}),
      // Top-level records are announced by record(), after their expectations are checked; the calls
      // code makes are announced here as they finish (their token counts fill in when the run settles).
      ...(onStep ? { onRecord: (r: StepRecord) => r.parent_id !== undefined && this.notify(() => onStep(r)) } : {}),
    });
    this.features = new FeatureGate({ sessionId: this.sessionId, connections: options.connections, servers: options.reachable, vault: this.pipeline.vault, metrics: this.pipeline.metrics });
    const run = this.clientRun();
    const detachClient = options.client?.attach(run) ?? (() => {});
    const unwatch = this.watchTools(run);
    this.detach = () => {
      detachClient();
      unwatch();
    };
    this.notify(() => options.events?.onStart?.(this.header));
  }

  /**
   * A reachable server that re-lists its tools mid-run (tools/list_changed): later calls are checked against
   * the new definitions, and the change is linted and pin-checked at once.
   */
  private watchTools(run: ClientRun): () => void {
    const connections = this.options.connections as ConnectionProvider & { onDidChange?(listener: (state: ServerState) => void): () => void };
    if (typeof connections.onDidChange !== 'function') return () => {};
    return connections.onDidChange((state) => {
      if (!state.tools || !this.options.reachable.includes(state.id) || this.ended) return;
      const changed = this.pipeline.replaceTools(state.id, state.tools);
      if (changed?.length) this.options.client?.toolChanges.report(run, state.id, changed, this.options.pinCheck);
    });
  }

  /** This run as the client features see it. */
  private clientRun(): ClientRun {
    const { pipeline, options } = this;
    return {
      sessionId: this.sessionId,
      servers: options.reachable,
      settings: options.clientSettings ?? {},
      guardrails: options.guardrails,
      vault: pipeline.vault,
      ...(options.answerers ? { answererFor: options.answerers } : {}),
      writeChild: (record) => {
        if (this.ended) return;
        this.featureCost.tokens_in += record.tokens_in;
        this.featureCost.tokens_out += record.tokens_out;
        this.featureCost.cost_est += record.cost_est;
        this.writeStep(record);
        this.notify(() => options.events?.onStep?.(record));
      },
    };
  }

  /** The run's policy (steps' overrides go on top of it). */
  get policy(): PolicyConfig {
    return this.options.policy;
  }

  /** A finished top-level step: kept for the totals and announced. */
  record(record: StepRecord): void {
    this.totals.add(record);
    if (this.options.keepRecords !== false) this.records.push(record);
    this.notify(() => this.options.onStep?.(record));
    this.notify(() => this.options.events?.onStep?.(record));
  }

  /** Records written by step executors (not by the pipeline) go to the trace through here. */
  writeStep(record: StepRecord): void {
    this.trace?.writeStep(record);
  }

  /** Totals, the end line and onEnd; once (a second call returns the first result). */
  finish(outcome: RunOutcome): SessionResult {
    if (this.ended) return this.ended;
    this.detach();
    this.pipeline.settle();
    const { totals, decisions, toolsUsed } = this.totals.summary();
    totals.tokens_in += this.featureCost.tokens_in;
    totals.tokens_out += this.featureCost.tokens_out;
    totals.cost_est = Math.round((totals.cost_est + this.featureCost.cost_est) * 1e9) / 1e9;
    const durationMs = Date.now() - this.t0;
    const end: SessionEnd = {
      type: 'end',
      session_id: this.sessionId,
      status: outcome.status,
      ended_at: new Date().toISOString(),
      duration_ms: durationMs,
      totals,
      decisions,
      tools_used: toolsUsed,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    this.trace?.close(end);
    this.ended = {
      session_id: this.sessionId,
      name: this.header.name,
      status: outcome.status,
      started_at: this.header.started_at,
      duration_ms: durationMs,
      config_hash: this.header.config_hash,
      ...(this.trace ? { trace_file: this.trace.file } : {}),
      steps: this.records,
      totals,
      decisions,
      tools_used: toolsUsed,
      preflight: outcome.preflight ?? [],
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    const result = this.ended;
    this.notify(() => this.options.events?.onEnd?.(result));
    return result;
  }

  /** A listener that throws is logged; it never stops the run. */
  private notify(fire: () => void): void {
    try {
      fire();
    } catch (err) {
      this.logger.error(err as Error);
    }
  }
}

/** The run could not start because its trace cannot be written; the host says how to pick another folder. */
export class TraceDirError extends Error {
  constructor(
    message: string,
    readonly dir: string,
  ) {
    super(message);
  }
}

/** The protocol versions of the servers already running (a server started later is not waited for). */
function protocolsOf(servers: string[], connections: ConnectionProvider): { protocols?: Record<string, string> } {
  const protocols: Record<string, string> = {};
  for (const id of servers) {
    const version = connections.connectionIfStarted?.(id)?.protocol?.version;
    if (version) protocols[id] = version;
  }
  return Object.keys(protocols).length ? { protocols } : {};
}

function openTrace(dir: string, header: SessionHeader): TraceWriter {
  try {
    return TraceWriter.open(dir, header);
  } catch (err) {
    throw new TraceDirError(`The trace could not be written in ${dir}: ${(err as Error).message}. Make the folder writable or choose another trace directory.`, dir);
  }
}

/** The totals of a run's top-level records (code steps already carry their tool calls' costs). */
export function summarize(records: readonly StepRecord[]): { totals: SessionTotals; decisions: Partial<Record<Decision, number>>; toolsUsed: string[] } {
  const totals = new RunTotals();
  for (const r of records) totals.add(r);
  return totals.summary();
}
