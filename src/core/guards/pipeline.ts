// The one guard pipeline: schema → policy (pins included) → execute → output guardrails → record. Session
// steps, the sandbox and open runs all reach tools through GuardPipeline.callTool, and the run service's
// RunFrame is the only place that builds one.
// The hot path stays in the ~10 µs budget by keeping tokenisation and disk writes out of it: token counts
// are queued (MetricsQueue) and filled in before the trace writer writes the line.
import { performance } from 'node:perf_hooks';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, StepRecord } from '../../protocol/trace';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import type { PinCheck } from '../pin/lockfileCheck';
import { canonicalJson } from '../util/canonical';
import { DEFAULT_PRICES, MetricsQueue, type PriceTable } from '../tokens/index';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, mergeGuardrails, mergePolicy } from './defaults';
import type { CallMetaHook } from '../otel/ids';
import { completeProgress } from './callEvents';
import { ToolCatalog, type ConnectionProvider } from './catalog';
import { DedupCache, type DedupLimits } from './dedup';
import { ToolExecutor } from './execute';
import { textForTokens, truncateResult } from './output';
import { guardOutput } from './outputGuard';
import { evaluateStaticPolicy, toolTraits, type ToolTraits } from './policy';
import { PiiVault, scanValue } from './redact';
import { sampleFromSchema, sharedSchemaCache, type SchemaValidatorCache } from './schema';
import type { GuardrailsConfig, PolicyConfig, ServerReach, ToolCallOutcome, ToolCallRequest, ToolCatalogEntry, ToolGateway } from './types';

export { textForTokens, truncateResult };
export type { ConnectionProvider, PinCheck };

/** Asked before a destructive tool runs; the extension shows a modal, the CLI answers from --yes. */
export type ConfirmHook = (request: ToolCallRequest, tool: Tool) => Promise<boolean>;

/** Where finished step records go (the trace writer implements it). */
export interface StepSink {
  writeStep(record: StepRecord): void;
  /** Called before lines are serialised, so queued token counts can be filled in. */
  onBeforeFlush?(hook: () => void): void;
}

export interface GuardPipelineOptions {
  sessionId: string;
  connections: ConnectionProvider;
  /** The servers this pipeline may reach (listTools covers these). */
  servers: string[];
  policy?: PolicyConfig;
  guardrails?: GuardrailsConfig;
  model?: string;
  prices?: PriceTable;
  confirm?: ConfirmHook;
  pinCheck?: PinCheck;
  /** sha256 of policy + guardrails + tool definitions; part of the de-duplication fingerprint. */
  configHash?: string;
  sink?: StepSink;
  onRecord?: (record: StepRecord) => void;
  logger?: Logger;
  /** A signal for the whole session: aborting it cancels every running call. */
  signal?: AbortSignal;
  /**
   * 'record' sends arguments that fail the inputSchema anyway, with the failure recorded in the schema
   * stage and as a finding. Only the reliability lab's invalid-input probes use it (they exist to see how
   * a server refuses bad input); everything else enforces.
   */
  schemaGuard?: 'enforce' | 'record';
  /**
   * Bounds of the cache of read-only results reused within the run (default 512 entries, 8 MB), or a
   * cache view shared with other runs (DedupCache.scoped), whose budget they all share.
   */
  dedup?: DedupLimits | DedupCache;
  /** The `_meta` each tools/call carries (a traceparent when spans are exported). */
  callMeta?: CallMetaHook;
}

/** One call on its way through the stages: its record, effective settings and clocks. */
interface Call {
  readonly request: ToolCallRequest;
  readonly record: StepRecord;
  readonly policy: PolicyConfig;
  readonly guardrails: GuardrailsConfig;
  readonly t0: number;
  readonly startedMs: number;
  readonly stepNumber: number;
  /** When the current stage began (performance.now()). */
  stageStart: number;
  /** Whether the bookkeeping the checks do not need (start time, redacted args) is done. */
  filled: boolean;
}

/** The policy stage's answer when the call may go ahead only once the user confirms it. */
const NEEDS_CONFIRMATION = 'confirm';

export class GuardPipeline implements ToolGateway {
  readonly sessionId: string;
  readonly schemas: SchemaValidatorCache = sharedSchemaCache;
  readonly metrics: MetricsQueue;
  readonly vault = new PiiVault();
  private policy: PolicyConfig;
  private guardrails: GuardrailsConfig;
  private calls = 0;
  private readonly dedup: DedupCache;
  private readonly logger: Logger;
  private readonly catalog: ToolCatalog;
  private readonly executor: ToolExecutor;

  constructor(private readonly options: GuardPipelineOptions) {
    this.sessionId = options.sessionId;
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.guardrails = options.guardrails ?? DEFAULT_GUARDRAILS;
    this.metrics = new MetricsQueue(options.model, options.prices ?? DEFAULT_PRICES);
    this.logger = options.logger ?? nullLogger;
    this.catalog = new ToolCatalog(options.connections, options.servers, this.logger);
    this.dedup = options.dedup instanceof DedupCache ? options.dedup : new DedupCache(options.dedup);
    this.executor = new ToolExecutor({ sessionId: this.sessionId, connections: options.connections, signal: options.signal, callMeta: options.callMeta, logger: this.logger });
    options.sink?.onBeforeFlush?.(() => this.metrics.settle());
  }

  /** The run's guardrails (what text headed for a model is scanned with). */
  get guardrailsConfig(): GuardrailsConfig {
    return this.guardrails;
  }

  /** Number of calls made through this pipeline (what policy.maxSteps counts). */
  get callCount(): number {
    return this.calls;
  }

  /** Fills in the token counts and costs of every record returned so far. Cheap when nothing is queued. */
  settle(): void {
    this.metrics.settle();
  }

  listTools(): Promise<ToolCatalogEntry[]> {
    return this.catalog.list();
  }

  /** The servers this pipeline may reach and what is known of their tools, starting none of them. */
  serverReach(): ServerReach[] {
    const { connections, servers } = this.options;
    return servers.map((server) => {
      const cached = this.catalog.listedTools(server) ?? connections.cachedTools?.(server);
      return { server, running: !!connections.connectionIfStarted?.(server), ...(cached ? { cached } : {}) };
    });
  }

  /** The server's tools by name; listed once per pipeline, listed again when a name is not found. */
  toolsOf(server: string, refresh = false): Promise<Map<string, Tool>> {
    return this.catalog.toolsOf(server, refresh);
  }

  /** A server re-listed its tools mid-run: later calls use the new definitions (see ToolCatalog.replace). */
  replaceTools(server: string, tools: readonly Tool[]): Tool[] | undefined {
    return this.catalog.replace(server, tools);
  }

  async callTool(request: ToolCallRequest): Promise<ToolCallOutcome> {
    const call = this.begin(request);
    if (!this.options.servers.includes(request.server)) {
      return this.preflightError(call, `The server '${request.server}' is not available to this session (available: ${this.options.servers.join(', ') || 'none'}).`);
    }
    // A server that just announced new tools is checked against them: the call waits for the re-list.
    const relisting = this.options.connections.pendingToolRefresh?.(request.server);
    if (relisting) await relisting;
    const tool = this.catalog.known(request.server, request.tool) ?? (await this.lookUpTool(call));
    if (isOutcome(tool)) return tool;
    const execArgs = this.vault.restore(request.args);
    const invalid = this.schemaStage(call, tool, execArgs);
    if (invalid) return invalid;
    const traits = toolTraits(request.server, tool, call.policy);
    const verdict = this.policyStage(call, tool, traits, execArgs);
    if (verdict === NEEDS_CONFIRMATION) {
      const denied = await this.confirmStage(call, tool, traits);
      if (denied) return denied;
    } else if (verdict) return verdict;
    // sha256 of the canonical call is the fingerprint; in memory the canonical text itself is the key (same identity, no hashing cost).
    const fingerprint = traits.readOnly ? canonicalJson([request.server, request.tool, execArgs, this.options.configHash ?? '']) : undefined;
    const reused = fingerprint === undefined ? undefined : this.reuseStage(call, fingerprint);
    if (reused) return reused;
    const raw = await this.executeStage(call, traits, execArgs);
    if (isOutcome(raw)) return raw;
    return this.guardrailsStage(call, tool, raw, fingerprint);
  }

  private begin(request: ToolCallRequest): Call {
    const record: StepRecord = {
      type: 'step',
      session_id: this.sessionId,
      step_id: request.stepId,
      ...(request.parentId ? { parent_id: request.parentId } : {}),
      kind: 'tool',
      role: request.parentId ? 'code' : 'tool',
      channel: 'llm_to_tool',
      server: request.server,
      tool: request.tool,
      decision: 'ok',
      reasons: [],
      stages: [],
      args: undefined,
      started_at: '',
      latency_ms: 0,
      tokens_in: 0,
      tokens_out: 0,
      cost_est: 0,
      findings: [],
    };
    const t0 = performance.now();
    return {
      request,
      record,
      policy: request.policy ? mergePolicy(this.policy, request.policy) : this.policy,
      guardrails: request.guardrails ? mergeGuardrails(this.guardrails, request.guardrails) : this.guardrails,
      t0,
      startedMs: Date.now(),
      stepNumber: ++this.calls,
      stageStart: t0,
      filled: false,
    };
  }

  /** The tool when the server's list was not at hand yet: listed (again when the name is new), or why not. */
  private async lookUpTool(call: Call): Promise<Tool | ToolCallOutcome> {
    const { server, tool: name } = call.request;
    let tool: Tool | undefined;
    try {
      tool = (await this.toolsOf(server)).get(name) ?? (await this.toolsOf(server, true)).get(name);
    } catch (err) {
      // A start ended because the call was cancelled (the host stops the starts under way) is the cancel, not a server failure.
      if (call.request.signal?.aborted || this.options.signal?.aborted) {
        return this.preflightError(call, `The call was cancelled while the server '${server}' was starting (${(err as Error).message})`, 'cancelled');
      }
      return this.preflightError(call, `The server '${server}' could not be started or listed: ${(err as Error).message}`);
    }
    if (tool) return tool;
    const names = [...(await this.toolsOf(server).catch(() => new Map<string, Tool>())).keys()];
    return this.preflightError(call, `The server '${server}' has no tool named '${name}'${names.length ? ` (it has: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ''}.`);
  }

  private preflightError(call: Call, reason: string, decision: 'error' | 'cancelled' = 'error'): ToolCallOutcome {
    call.record.stages.push({ stage: 'preflight', decision, reasons: [reason] });
    call.record.error = reason;
    return this.finish(call, decision, reason);
  }

  private schemaStage(call: Call, tool: Tool, execArgs: Record<string, unknown>): ToolCallOutcome | undefined {
    const ts = performance.now();
    const check = this.schemas.check(tool.inputSchema, execArgs);
    if (check.valid) {
      call.record.stages.push({ stage: 'schema', decision: 'pass', reasons: [], duration_ms: round(performance.now() - ts) });
      return undefined;
    }
    if (this.options.schemaGuard === 'record') return this.sendInvalid(call, check.errors, ts);
    const reasons = check.errors.map((e) => `${e.path.replace(/^\$/, '$.args')} ${e.message}`);
    call.record.stages.push({ stage: 'schema', decision: 'denied_schema', reasons, errors: check.errors.map((e) => ({ path: e.path.replace(/^\$/, '$.args'), message: e.message })), duration_ms: round(performance.now() - ts) });
    return this.finish(call, 'denied_schema', `The arguments do not match the tool's inputSchema: ${reasons.join('; ')}.`);
  }

  /** schemaGuard 'record': the invalid arguments go out on purpose, noted in the schema stage and as a finding. */
  private sendInvalid(call: Call, schemaErrors: readonly { path: string; message: string }[], ts: number): undefined {
    const errors = schemaErrors.map((e) => ({ path: e.path.replace(/^\$/, '$.args'), message: e.message }));
    const reason = 'schemaGuard is record (a reliability lab probe): the arguments break the inputSchema and are sent on purpose';
    call.record.stages.push({ stage: 'schema', decision: 'pass', reasons: [reason, ...errors.map((e) => `${e.path} ${e.message}`)], errors, duration_ms: round(performance.now() - ts) });
    call.record.findings.push({ stage: 'schema', kind: 'schema.input_sent_invalid', severity: 'info', message: `${reason}.` });
    return undefined;
  }

  /** Static rules, pins and dry run; undefined lets the call through, NEEDS_CONFIRMATION asks the user first. */
  private policyStage(call: Call, tool: Tool, traits: ToolTraits, execArgs: Record<string, unknown>): ToolCallOutcome | typeof NEEDS_CONFIRMATION | undefined {
    const { request, policy } = call;
    call.stageStart = performance.now();
    const verdict = evaluateStaticPolicy(request.server, request.tool, traits, execArgs, policy, call.stepNumber);
    if (!verdict.allowed) return this.denyPolicy(call, verdict.rule!, verdict.reason!);
    const pinned = this.pinStage(call, tool);
    if (pinned) return pinned;
    if (policy.dryRun) return this.dryRun(call, tool);
    if (policy.confirmDestructive && traits.destructive) return NEEDS_CONFIRMATION;
    call.record.stages.push({ stage: 'policy', decision: 'pass', reasons: [], duration_ms: round(performance.now() - call.stageStart) });
    return undefined;
  }

  /** A tool whose definition changed since it was pinned: denied under hard_gate, a warning otherwise. */
  private pinStage(call: Call, tool: Tool): ToolCallOutcome | undefined {
    if (!this.options.pinCheck || this.options.pinCheck(call.request.server, tool) !== 'changed') return undefined;
    const message = `The definition of '${call.request.server}/${call.request.tool}' changed since it was pinned.`;
    if (call.guardrails.mode === 'hard_gate') return this.denyPolicy(call, 'pinned', `${message} Review the change and pin the tool again to call it.`);
    call.record.findings.push({ stage: 'policy', kind: 'pin.changed', severity: 'warning', message: `${message} Review the change and pin it again.` });
    return undefined;
  }

  private dryRun(call: Call, tool: Tool): ToolCallOutcome {
    const { server, tool: name } = call.request;
    const synthetic: CallToolResult = {
      content: [{ type: 'text', text: `Dry run: '${server}/${name}' was validated but not executed (policy.dryRun).` }],
      ...(tool.outputSchema ? { structuredContent: sampleFromSchema(tool.outputSchema) as Record<string, unknown> } : {}),
    };
    call.record.stages.push({ stage: 'policy', decision: 'dry_run', reasons: ['policy.dryRun is on'], rule: 'dryRun', duration_ms: round(performance.now() - call.stageStart) });
    call.record.stages.push({ stage: 'execute', decision: 'skipped', reasons: ['dry run'] });
    call.record.output = synthetic;
    return this.finish(call, 'dry_run', 'Validated but not executed: policy.dryRun is on.', synthetic);
  }

  private async confirmStage(call: Call, tool: Tool, traits: ToolTraits): Promise<ToolCallOutcome | undefined> {
    const { server, tool: name } = call.request;
    let confirmed = false;
    if (this.options.confirm) {
      try {
        confirmed = await this.options.confirm(call.request, tool);
      } catch (err) {
        this.logger.warn(`Confirmation failed: ${(err as Error).message}`);
      }
    }
    if (!confirmed) {
      const why = traits.trusted ? 'it may modify or delete data (destructiveHint)' : `'${server}' is not a trusted server, so its tools are treated as destructive`;
      return this.denyPolicy(
        call,
        'confirmDestructive',
        `'${server}/${name}' needs confirmation because ${why}, and it was not confirmed. ` +
          `Confirm it (--yes in the CLI), add the server to policy.trustedServers, or turn off policy.confirmDestructive.`,
      );
    }
    call.record.stages.push({ stage: 'policy', decision: 'pass', reasons: ['destructive call confirmed'], rule: 'confirmDestructive', duration_ms: round(performance.now() - call.stageStart) });
    return undefined;
  }

  private denyPolicy(call: Call, rule: string, reason: string): ToolCallOutcome {
    call.record.stages.push({ stage: 'policy', decision: 'denied_policy', reasons: [reason], rule, duration_ms: round(performance.now() - call.stageStart) });
    return this.finish(call, 'denied_policy', reason);
  }

  /** An identical read-only call earlier in the session: its result again, without calling the tool. */
  private reuseStage(call: Call, fingerprint: string): ToolCallOutcome | undefined {
    const hit = this.dedup.get(fingerprint);
    if (!hit) return undefined;
    const { record } = call;
    record.reused = true;
    record.output = hit.output;
    record.is_error = hit.isError;
    for (const f of hit.findings) record.findings.push(f);
    record.stages.push({ stage: 'execute', decision: 'skipped', reasons: ['identical read-only call earlier in this session: result reused'] });
    record.stages.push({ stage: 'guardrails', decision: 'pass', reasons: ['reused'] });
    return this.finish(call, 'ok', undefined, hit.result);
  }

  /** Calls the tool; read-only or idempotent tools are retried (policy.retries) after an error. */
  private async executeStage(call: Call, traits: ToolTraits, execArgs: Record<string, unknown>): Promise<CallToolResult | ToolCallOutcome> {
    const ts = performance.now();
    const attempts = traits.idempotent ? 1 + Math.max(0, call.policy.retries ?? 0) : 1;
    // The bookkeeping the checks do not need is done while the call is in flight.
    const done = await this.executor.run(call, attempts, execArgs, () => this.fillRecord(call));
    if ('failure' in done) {
      const f = done.failure;
      call.record.stages.push({ stage: 'execute', decision: f.decision, reasons: [...done.retries, f.message], duration_ms: round(performance.now() - ts) });
      call.record.error = f.message;
      const outcome = this.finish(call, f.decision, f.message);
      return f.pagesToOpen ? { ...outcome, pagesToOpen: f.pagesToOpen } : outcome;
    }
    if (!done.raw.isError) completeProgress(call.record);
    call.record.stages.push({ stage: 'execute', decision: 'pass', reasons: done.retries, duration_ms: round(performance.now() - ts) });
    return done.raw;
  }

  /** Output schema, secret / PII / injection scan, the size cut; what the caller gets and what is stored. */
  private guardrailsStage(call: Call, tool: Tool, raw: CallToolResult, fingerprint: string | undefined): ToolCallOutcome {
    const { record, guardrails } = call;
    const ts = performance.now();
    if (raw.isError) record.is_error = true;
    const guarded = guardOutput(raw, tool, { guardrails, vault: this.vault, schemas: this.schemas, encoding: this.metrics.encoding });
    for (const f of guarded.findings) record.findings.push(f);
    record.output = guarded.stored;
    record.stages.push({ stage: 'guardrails', decision: guarded.withheld ? 'denied_guardrail' : 'pass', reasons: guarded.reasons, duration_ms: round(performance.now() - ts) });
    if (guarded.withheld) return this.finish(call, 'denied_guardrail', `The output was withheld: ${guarded.withheld}.`);
    if (fingerprint && !raw.isError) this.dedup.set(fingerprint, { result: guarded.forCaller, output: guarded.stored, findings: record.findings.slice(), isError: false });
    return this.finish(call, 'ok', undefined, guarded.forCaller);
  }

  /** Start time and redacted args: done while the call is in flight, or at the end for a call that never went out. */
  private fillRecord(call: Call): void {
    if (call.filled) return;
    call.filled = true;
    call.record.started_at = new Date(call.startedMs).toISOString();
    // What is stored: the caller's args (placeholders kept) with secrets / PII masked.
    call.record.args = scanValue(call.request.args, call.guardrails, undefined, 'record', '$.args').redacted;
  }

  /** The record stage: decision, latency, queued token counts, then the sinks. */
  private finish(call: Call, decision: Decision, reason: string | undefined, result?: CallToolResult): ToolCallOutcome {
    const { record } = call;
    this.fillRecord(call);
    record.decision = decision;
    if (reason) record.reasons.push(reason);
    record.latency_ms = round(performance.now() - call.t0);
    record.stages.push({ stage: 'record', decision: 'pass', reasons: [] });
    const out = record.output;
    const argsIn = call.request.args;
    this.metrics.enqueue(record, () => JSON.stringify(argsIn) ?? '', () => textForTokens(result ?? out));
    this.options.onRecord?.(record);
    this.options.sink?.writeStep(record);
    return result ? { record, result } : { record };
  }
}

/** A stage's early answer (a denial, an error) rather than the value the next stage needs. */
function isOutcome(value: object): value is ToolCallOutcome {
  return (value as Partial<ToolCallOutcome>).record?.type === 'step';
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
