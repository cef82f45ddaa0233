// The one guard pipeline: schema → policy → execute → output guardrails → record. Session steps, the
// sandbox and the gateway all reach tools through GuardPipeline.callTool; there is no other path.
// The hot path stays in the ~10 µs budget by keeping tokenisation and disk writes out of it: token counts
// are queued (MetricsQueue) and filled in before the trace writer writes the line.
import { performance } from 'node:perf_hooks';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, Finding, StageResult, StepRecord } from '../../protocol/trace';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import type { PinCheck } from '../pin/lockfileCheck';
import type { ServerConnection } from '../servers/types';
import { canonicalJson } from '../util/canonical';
import { DEFAULT_PRICES, MetricsQueue, truncateToTokens, type PriceTable } from '../tokens/index';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, MAX_TRACE_STRING_CHARS, mergeGuardrails, mergePolicy } from './defaults';
import { evaluateStaticPolicy, toolTraits, type ToolTraits } from './policy';
import { mapStrings, PiiVault, scanValue } from './redact';
import { sampleFromSchema, sharedSchemaCache, type SchemaValidatorCache } from './schema';
import type { GuardrailsConfig, PolicyConfig, ToolCallOutcome, ToolCallRequest, ToolCatalogEntry, ToolGateway } from './types';

export interface ConnectionProvider {
  ensureStarted(id: string): Promise<ServerConnection>;
  /** The connection when the server is already running, without waiting (a guarded call's fast path). */
  connectionIfStarted?(id: string): ServerConnection | undefined;
}

/** Asked before a destructive tool runs; the extension shows a modal, the CLI answers from --yes. */
export type ConfirmHook = (request: ToolCallRequest, tool: Tool) => Promise<boolean>;

export type { PinCheck };

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
}

interface CachedCall {
  result: CallToolResult;
  output: unknown;
  findings: Finding[];
  isError: boolean;
}

const RETRY_DELAY_MS = 100;

export class GuardPipeline implements ToolGateway {
  readonly sessionId: string;
  readonly schemas: SchemaValidatorCache = sharedSchemaCache;
  readonly metrics: MetricsQueue;
  readonly vault = new PiiVault();
  private policy: PolicyConfig;
  private guardrails: GuardrailsConfig;
  private calls = 0;
  private readonly tools = new Map<string, Promise<Map<string, Tool>>>();
  /** The settled entries of `tools`, read without an await on the hot path. */
  private readonly listed = new Map<string, Map<string, Tool>>();
  private readonly dedup = new Map<string, CachedCall>();
  private readonly logger: Logger;

  constructor(private readonly options: GuardPipelineOptions) {
    this.sessionId = options.sessionId;
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.guardrails = options.guardrails ?? DEFAULT_GUARDRAILS;
    this.metrics = new MetricsQueue(options.model, options.prices ?? DEFAULT_PRICES);
    this.logger = options.logger ?? nullLogger;
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

  async listTools(): Promise<ToolCatalogEntry[]> {
    const out: ToolCatalogEntry[] = [];
    for (const server of this.options.servers) {
      try {
        for (const tool of (await this.toolsOf(server)).values()) out.push({ server, tool });
      } catch (err) {
        this.logger.warn(`Could not list the tools of ${server}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** The server's tools by name; listed once per pipeline, listed again when a name is not found. */
  async toolsOf(server: string, refresh = false): Promise<Map<string, Tool>> {
    let p = refresh ? undefined : this.tools.get(server);
    if (!p) {
      const listing = this.options.connections
        .ensureStarted(server)
        .then((c) => c.listTools())
        .then((list) => new Map(list.map((t) => [t.name, t])));
      p = listing;
      this.tools.set(server, listing);
      listing.then(
        (tools) => {
          if (this.tools.get(server) === listing) this.listed.set(server, tools);
        },
        () => {
          if (this.tools.get(server) === listing) this.tools.delete(server);
        },
      );
    }
    return p;
  }

  async callTool(request: ToolCallRequest): Promise<ToolCallOutcome> {
    const t0 = performance.now();
    const startedMs = Date.now();
    const stepNumber = ++this.calls;
    const policy = request.policy ? mergePolicy(this.policy, request.policy) : this.policy;
    const guardrails = request.guardrails ? mergeGuardrails(this.guardrails, request.guardrails) : this.guardrails;
    const stages: StageResult[] = [];
    const findings: Finding[] = [];
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
      stages,
      args: undefined,
      started_at: '',
      latency_ms: 0,
      tokens_in: 0,
      tokens_out: 0,
      cost_est: 0,
      findings,
    };
    const argsIn = request.args;
    // Bookkeeping the checks do not need: done while the call is in flight (or at the end, for a call
    // that never goes out), so it adds nothing to the call's latency.
    let recorded = false;
    const fillRecord = (): void => {
      if (recorded) return;
      recorded = true;
      record.started_at = new Date(startedMs).toISOString();
      // What is stored: the caller's args (placeholders kept) with secrets / PII masked.
      record.args = scanValue(argsIn, guardrails, undefined, 'record', '$.args').redacted;
    };
    const finish = (decision: Decision, reason: string | undefined, result?: CallToolResult): ToolCallOutcome => {
      fillRecord();
      record.decision = decision;
      if (reason) record.reasons.push(reason);
      record.latency_ms = round(performance.now() - t0);
      stages.push({ stage: 'record', decision: 'pass', reasons: [] });
      const out = record.output;
      this.metrics.enqueue(record, () => JSON.stringify(argsIn) ?? '', () => textForTokens(result ?? out));
      this.options.onRecord?.(record);
      this.options.sink?.writeStep(record);
      return result ? { record, result } : { record };
    };

    // ---- resolve the tool --------------------------------------------------------------------
    if (!this.options.servers.includes(request.server)) {
      const reason = `The server '${request.server}' is not available to this session (available: ${this.options.servers.join(', ') || 'none'}).`;
      stages.push({ stage: 'preflight', decision: 'error', reasons: [reason] });
      record.error = reason;
      return finish('error', reason);
    }
    let tool: Tool | undefined = this.listed.get(request.server)?.get(request.tool);
    try {
      tool ??= (await this.toolsOf(request.server)).get(request.tool) ?? (await this.toolsOf(request.server, true)).get(request.tool);
    } catch (err) {
      const reason = `The server '${request.server}' could not be started or listed: ${(err as Error).message}`;
      stages.push({ stage: 'preflight', decision: 'error', reasons: [reason] });
      record.error = reason;
      return finish('error', reason);
    }
    if (!tool) {
      const names = [...(await this.toolsOf(request.server).catch(() => new Map<string, Tool>())).keys()];
      const reason = `The server '${request.server}' has no tool named '${request.tool}'${names.length ? ` (it has: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ''}.`;
      stages.push({ stage: 'preflight', decision: 'error', reasons: [reason] });
      record.error = reason;
      return finish('error', reason);
    }

    // ---- schema --------------------------------------------------------------------------------
    const execArgs = this.vault.restore(argsIn);
    let ts = performance.now();
    const check = this.schemas.check(tool.inputSchema, execArgs);
    if (!check.valid) {
      const reasons = check.errors.map((e) => `${e.path.replace(/^\$/, '$.args').replace('$.args.', '$.args.')} ${e.message}`);
      stages.push({ stage: 'schema', decision: 'denied_schema', reasons, errors: check.errors.map((e) => ({ path: e.path.replace(/^\$/, '$.args'), message: e.message })), duration_ms: round(performance.now() - ts) });
      return finish('denied_schema', `The arguments do not match the tool's inputSchema: ${reasons.join('; ')}.`);
    }
    stages.push({ stage: 'schema', decision: 'pass', reasons: [], duration_ms: round(performance.now() - ts) });

    // ---- policy --------------------------------------------------------------------------------
    ts = performance.now();
    const traits = toolTraits(request.server, tool, policy);
    const verdict = evaluateStaticPolicy(request.server, request.tool, traits, execArgs, policy, stepNumber);
    const denyPolicy = (rule: string, reason: string): ToolCallOutcome => {
      stages.push({ stage: 'policy', decision: 'denied_policy', reasons: [reason], rule, duration_ms: round(performance.now() - ts) });
      return finish('denied_policy', reason);
    };
    if (!verdict.allowed) return denyPolicy(verdict.rule!, verdict.reason!);
    if (this.options.pinCheck) {
      const pin = this.options.pinCheck(request.server, tool);
      if (pin === 'changed') {
        const message = `The definition of '${request.server}/${request.tool}' changed since it was pinned.`;
        if (guardrails.mode === 'hard_gate') return denyPolicy('pinned', `${message} Review the change and pin the tool again to call it.`);
        findings.push({ stage: 'policy', kind: 'pin.changed', severity: 'warning', message: `${message} Review the change and pin it again.` });
      }
    }
    if (policy.dryRun) {
      const synthetic: CallToolResult = {
        content: [{ type: 'text', text: `Dry run: '${request.server}/${request.tool}' was validated but not executed (policy.dryRun).` }],
        ...(tool.outputSchema ? { structuredContent: sampleFromSchema(tool.outputSchema) as Record<string, unknown> } : {}),
      };
      stages.push({ stage: 'policy', decision: 'dry_run', reasons: ['policy.dryRun is on'], rule: 'dryRun', duration_ms: round(performance.now() - ts) });
      stages.push({ stage: 'execute', decision: 'skipped', reasons: ['dry run'] });
      record.output = synthetic;
      return finish('dry_run', 'Validated but not executed: policy.dryRun is on.', synthetic);
    }
    if (policy.confirmDestructive && traits.destructive) {
      const why = traits.trusted ? 'it may modify or delete data (destructiveHint)' : `'${request.server}' is not a trusted server, so its tools are treated as destructive`;
      const confirm = this.options.confirm;
      let confirmed = false;
      if (confirm) {
        try {
          confirmed = await confirm(request, tool);
        } catch (err) {
          this.logger.warn(`Confirmation failed: ${(err as Error).message}`);
        }
      }
      if (!confirmed) {
        return denyPolicy(
          'confirmDestructive',
          `'${request.server}/${request.tool}' needs confirmation because ${why}, and it was not confirmed. ` +
            `Confirm it (--yes in the CLI), add the server to policy.trustedServers, or turn off policy.confirmDestructive.`,
        );
      }
      stages.push({ stage: 'policy', decision: 'pass', reasons: ['destructive call confirmed'], rule: 'confirmDestructive', duration_ms: round(performance.now() - ts) });
    } else {
      stages.push({ stage: 'policy', decision: 'pass', reasons: [], duration_ms: round(performance.now() - ts) });
    }

    // ---- de-duplication of identical read-only calls -----------------------------------------------
    let fingerprint: string | undefined;
    if (traits.readOnly) {
      // sha256 of the canonical call is the fingerprint; in memory the canonical text itself is the key (same identity, no hashing cost).
      fingerprint = canonicalJson([request.server, request.tool, execArgs, this.options.configHash ?? '']);
      const hit = this.dedup.get(fingerprint);
      if (hit) {
        record.reused = true;
        record.output = hit.output;
        record.is_error = hit.isError;
        for (const f of hit.findings) findings.push(f);
        stages.push({ stage: 'execute', decision: 'skipped', reasons: ['identical read-only call earlier in this session: result reused'] });
        stages.push({ stage: 'guardrails', decision: 'pass', reasons: ['reused'] });
        return finish('ok', undefined, hit.result);
      }
    }

    // ---- execute -------------------------------------------------------------------------------
    ts = performance.now();
    const attempts = traits.idempotent ? 1 + Math.max(0, policy.retries ?? 0) : 1;
    let raw: CallToolResult | undefined;
    let failure: { decision: Decision; message: string } | undefined;
    const executeReasons: string[] = [];
    const connection = this.options.connections.connectionIfStarted?.(request.server) ?? (await this.options.connections.ensureStarted(request.server).catch((err: Error) => err));
    if (connection instanceof Error) {
      failure = { decision: 'error', message: `The server '${request.server}' could not be started: ${connection.message}` };
    } else {
      const signal = combineSignals(request.signal, this.options.signal);
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const inFlight = connection.callTool(request.tool, execArgs, {
            signal,
            timeoutMs: policy.timeoutMs,
            maxTotalTimeoutMs: policy.maxTotalTimeoutMs,
            ...(request.onProgress ? { onProgress: request.onProgress } : {}),
          });
          fillRecord();
          raw = await inFlight;
          failure = undefined;
          break;
        } catch (err) {
          failure = classifyError(err, signal);
          if (failure.decision !== 'error' || attempt === attempts || (err as { code?: string }).code === 'circuit_open' || signal?.aborted) break;
          executeReasons.push(`attempt ${attempt} failed (${failure.message}); retrying because the tool is read-only or idempotent`);
          await delay(RETRY_DELAY_MS * attempt);
        }
      }
    }
    if (failure || !raw) {
      const f = failure ?? { decision: 'error' as Decision, message: 'The server returned no result.' };
      stages.push({ stage: 'execute', decision: f.decision, reasons: [...executeReasons, f.message], duration_ms: round(performance.now() - ts) });
      record.error = f.message;
      return finish(f.decision, f.message);
    }
    stages.push({ stage: 'execute', decision: 'pass', reasons: executeReasons, duration_ms: round(performance.now() - ts) });

    // ---- output guardrails -------------------------------------------------------------------------
    ts = performance.now();
    const guardReasons: string[] = [];
    if (raw.isError) record.is_error = true;
    if (tool.outputSchema && !raw.isError) {
      if (raw.structuredContent === undefined) {
        findings.push({ stage: 'guardrails', kind: 'schema.output_missing', severity: 'warning', path: '$.structuredContent', message: 'The tool declares an outputSchema but returned no structuredContent.' });
      } else {
        const out = this.schemas.check(tool.outputSchema, raw.structuredContent);
        for (const e of out.errors) {
          findings.push({ stage: 'guardrails', kind: 'schema.output_mismatch', severity: 'warning', path: e.path.replace(/^\$/, '$.structuredContent'), message: `structuredContent does not match the outputSchema: ${e.message}.` });
        }
      }
    }
    const scan = scanValue(raw, guardrails, this.vault, 'guardrails');
    for (const f of scan.findings) findings.push(f);
    let passed = scan.redacted as CallToolResult;
    const cut = truncateResult(passed, guardrails.maxOutputTokens, this.metrics.encoding);
    if (cut) {
      passed = cut.result;
      findings.push({ stage: 'guardrails', kind: 'truncated', severity: 'info', message: `The output was longer than guardrails.maxOutputTokens (${guardrails.maxOutputTokens} tokens; at least ${cut.tokens} counted) and was cut with a marker.` });
    }
    const stored = capForTrace(guardrails.redact.length ? passed : cut ? cut.result : raw);
    record.output = stored;
    let decision: Decision = 'ok';
    if (guardrails.mode === 'hard_gate' && (scan.injection || (scan.worstSecret && scan.worstSecret !== 'warning' && scan.worstSecret !== 'info'))) {
      decision = 'denied_guardrail';
      guardReasons.push(scan.injection ? 'guardrails.mode is hard_gate and the output looks like a prompt injection' : 'guardrails.mode is hard_gate and the output contains a secret');
    } else if (guardrails.mode === 'mixed' && scan.worstSecret === 'critical') {
      decision = 'denied_guardrail';
      guardReasons.push('guardrails.mode is mixed and the output contains a critical secret (private key or cloud credential)');
    } else if (scan.findings.length) {
      guardReasons.push(`${scan.findings.length} finding(s) recorded (${guardrails.mode})`);
    }
    stages.push({ stage: 'guardrails', decision: decision === 'ok' ? 'pass' : decision, reasons: guardReasons, duration_ms: round(performance.now() - ts) });
    if (decision !== 'ok') return finish(decision, `The output was withheld: ${guardReasons[0]}.`);
    // In advisory mode the caller gets the output as it came (only the size limit applies); the trace is still redacted.
    const forCaller = guardrails.mode === 'advisory' ? (cut ? (truncateResult(raw, guardrails.maxOutputTokens, this.metrics.encoding)?.result ?? raw) : raw) : passed;
    if (fingerprint && !raw.isError) this.dedup.set(fingerprint, { result: forCaller, output: stored, findings: findings.slice(), isError: false });
    return finish('ok', undefined, forCaller);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

function classifyError(err: unknown, signal: AbortSignal | undefined): { decision: Decision; message: string } {
  const e = err as { code?: unknown; message?: string; name?: string };
  const message = e?.message ?? String(err);
  if (e?.code === 'cancelled' || signal?.aborted || e?.name === 'AbortError') return { decision: 'cancelled', message };
  if (e?.code === 'timeout' || e?.code === -32001 || e?.name === 'TimeoutError') return { decision: 'timeout', message };
  return { decision: 'error', message };
}

/** What the model would read of a result: its text parts, or the structured content when there is no text. */
export function textForTokens(value: unknown): string {
  if (value === undefined || value === null) return '';
  const r = value as CallToolResult;
  if (Array.isArray(r.content)) {
    let text = '';
    for (const c of r.content) {
      if (c.type === 'text') text += (text ? '\n' : '') + c.text;
      else if (c.type === 'resource' && 'text' in c.resource) text += (text ? '\n' : '') + String(c.resource.text);
    }
    if (text) return text;
    if (r.structuredContent !== undefined) return JSON.stringify(r.structuredContent);
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/** Cuts the text parts of a result to maxTokens in total, with a marker; undefined when it fits. */
export function truncateResult(result: CallToolResult, maxTokens: number, encoding: 'o200k_base' | 'cl100k_base'): { result: CallToolResult; tokens: number } | undefined {
  if (!Array.isArray(result.content) || !(maxTokens > 0)) return undefined;
  // Cheap bound first: a token is at least one UTF-16 unit, so text no longer than maxTokens always fits.
  let chars = 0;
  for (const c of result.content) if (c.type === 'text') chars += c.text.length;
  if (chars <= maxTokens) return undefined;
  let budget = maxTokens;
  let total = 0;
  let changed = false;
  const content = result.content.map((c) => {
    if (c.type !== 'text') return c;
    if (budget <= 0) {
      total += truncateToTokens(c.text, 1, encoding).tokens;
      changed = true;
      return { ...c, text: marker(maxTokens) };
    }
    const t = truncateToTokens(c.text, budget, encoding);
    total += t.tokens;
    if (!t.cut) {
      budget -= t.tokens;
      return c;
    }
    changed = true;
    budget = 0;
    return { ...c, text: t.text + '\n' + marker(maxTokens) };
  });
  if (!changed) return undefined;
  return { result: { ...result, content }, tokens: total };
}

function marker(maxTokens: number): string {
  return `[… output truncated by MCP Harness at ${maxTokens} tokens (guardrails.maxOutputTokens) …]`;
}

/** Stored copies of huge strings are capped so a trace stays readable; the caller's result is not affected. */
function capForTrace(value: unknown): unknown {
  const r = value as CallToolResult;
  if (r && Array.isArray(r.content) && r.content.some((c) => (c.type === 'image' || c.type === 'audio') && c.data.length > 1024)) {
    // Base64 media is kept out of traces: its size and type are what a reader needs.
    value = {
      ...r,
      content: r.content.map((c) => ((c.type === 'image' || c.type === 'audio') && c.data.length > 1024 ? { ...c, data: `[${Math.floor((c.data.length * 3) / 4)} bytes of ${c.mimeType} not stored in the trace]` } : c)),
    };
  }
  return mapStrings(value, (s: string) => (s.length > MAX_TRACE_STRING_CHARS ? `${s.slice(0, MAX_TRACE_STRING_CHARS)}[… ${s.length - MAX_TRACE_STRING_CHARS} more characters not stored in the trace …]` : s));
}

export type { ToolTraits };
