// Runs a session: preflight (servers start, tools exist, literal args valid, config hash), then each step
// through the one GuardPipeline, expectations, totals, and the JSONL trace.
//
// Step kinds: 'tool' is built in. Other kinds plug in with registerStepKind(kind, executor); the sandbox
// registers 'code' (steps with "code" or "codeFile"). An executor gets the step, the pipeline as a
// ToolGateway (its tool calls are recorded with parent_id = the step's id) and helpers, and returns the
// step's record plus an optional value that later steps can reference as ${steps.ID.structured…}.
import { randomUUID } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, SessionEnd, SessionHeader, SessionStatus, SessionTotals, StepRecord } from '../../protocol/trace';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import { canonicalJson, sha256Hex } from '../util/canonical';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, mergeGuardrails, mergePolicy } from '../guards/defaults';
import { GuardPipeline, textForTokens, type ConfirmHook, type ConnectionProvider, type PinCheck } from '../guards/pipeline';
import type { GuardrailsConfig, PolicyConfig, ToolGateway } from '../guards/types';
import type { PriceTable } from '../tokens/index';
import { TraceWriter } from '../trace/writer';
import { declareStepKind, type SessionFile, type SessionStep } from './parse';
import { ReferenceError, resolveReferences, hasReferences, type StepResultView } from './refs';

export const HARNESS_VERSION = '0.1.0';

export interface StepExecutionContext {
  sessionId: string;
  step: SessionStep;
  /** Guarded tool calls; pass parentId: step.id so they are recorded as the step's children. */
  gateway: ToolGateway;
  /** The step's effective policy and guardrails (session defaults ← file ← step). */
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
  /** Resolves ${steps.…} references against earlier results. Throws ReferenceError. */
  resolve(value: Record<string, unknown>): Record<string, unknown>;
  /** The session file's path, to resolve codeFile against. */
  sessionFile?: string;
  model?: string;
  signal: AbortSignal;
  logger: Logger;
}

export interface StepExecution {
  record: StepRecord;
  /** What later steps see as ${steps.ID.text|structured|output}. */
  value?: unknown;
  result?: CallToolResult;
}

export type StepExecutor = (ctx: StepExecutionContext) => Promise<StepExecution>;

const executors = new Map<string, StepExecutor>();

/** Adds a step kind (e.g. the sandbox's 'code'). The parser then accepts `"kind": "<kind>"` steps too. */
export function registerStepKind(kind: string, executor: StepExecutor): void {
  executors.set(kind, executor);
  declareStepKind(kind);
}

export function stepExecutor(kind: string): StepExecutor | undefined {
  return executors.get(kind);
}

export interface RunOptions {
  /** The ServerManager (or anything that hands out connections). */
  manager: ConnectionProvider;
  /** Defaults from settings; the session file and its steps override them. */
  policy?: PolicyConfig;
  guardrails?: GuardrailsConfig;
  prices?: PriceTable;
  /** Where the trace goes; no trace is written when absent. */
  traceDir?: string;
  workspace?: string;
  confirm?: ConfirmHook;
  pinCheck?: PinCheck;
  signal?: AbortSignal;
  onStep?: (record: StepRecord) => void;
  onProgress?: (stepIndex: number, stepId: string) => void;
  /** Progress notifications from the tool a step is calling. */
  onToolProgress?: (stepIndex: number, stepId: string, progress: { progress: number; total?: number; message?: string }) => void;
  logger?: Logger;
  /** Ids of the servers known in the workspace (to say "unknown server" before trying to start it). */
  knownServers?: string[];
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

export class SessionRunner {
  async run(session: SessionFile, options: RunOptions): Promise<SessionResult> {
    const logger = options.logger ?? nullLogger;
    const sessionId = randomUUID();
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    const basePolicy = mergePolicy(options.policy ?? DEFAULT_POLICY, session.policy);
    const baseGuardrails = mergeGuardrails(options.guardrails ?? DEFAULT_GUARDRAILS, session.guardrails);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    // ---- preflight ----------------------------------------------------------------------------
    const preflight: PreflightProblem[] = [];
    const referenced = [...new Set(session.steps.filter((s) => s.server).map((s) => s.server!))];
    const servers = session.servers ? [...new Set([...session.servers])] : referenced;
    const tools = new Map<string, Map<string, Tool>>();
    const broken = new Map<string, string>();
    const toStart: string[] = [];
    for (const server of new Set([...servers, ...referenced])) {
      if (session.servers && !session.servers.includes(server)) {
        broken.set(server, `The server '${server}' is not in the session's "servers" list (${session.servers.join(', ')}); add it there or remove the step.`);
        preflight.push({ server, message: broken.get(server)!, code: 'not_in_servers' });
      } else if (options.knownServers && !options.knownServers.includes(server)) {
        broken.set(server, `No MCP server named '${server}' is configured in this workspace (known: ${options.knownServers.join(', ') || 'none'}). Check the name or add it to .vscode/mcp.json.`);
        preflight.push({ server, message: broken.get(server)!, code: 'unknown_server' });
      } else toStart.push(server);
    }
    // Servers start in parallel: a session over several slow starters waits for the slowest only.
    const started = await Promise.allSettled(toStart.map(async (server) => (await options.manager.ensureStarted(server)).listTools()));
    started.forEach((outcome, i) => {
      const server = toStart[i];
      if (outcome.status === 'fulfilled') tools.set(server, new Map(outcome.value.map((t) => [t.name, t])));
      else {
        broken.set(server, `The server '${server}' could not be started or reached: ${(outcome.reason as Error)?.message ?? String(outcome.reason)}`);
        preflight.push({ server, message: broken.get(server)!, code: 'unreachable' });
      }
    });
    const pipelineForChecks = new GuardPipeline({ sessionId, connections: options.manager, servers: [] });
    for (const step of session.steps) {
      if (!step.server || broken.has(step.server)) continue;
      const tool = tools.get(step.server)?.get(step.toolName!);
      if (!tool) {
        preflight.push({ stepId: step.id, server: step.server, message: `Step "${step.id}": the server '${step.server}' has no tool named '${step.toolName}'.`, code: 'unknown_tool' });
        continue;
      }
      if (step.args && !hasReferences(step.args)) {
        const check = pipelineForChecks.schemas.check(tool.inputSchema, step.args);
        if (!check.valid) {
          preflight.push({ stepId: step.id, server: step.server, message: `Step "${step.id}": ${check.errors.map((e) => `${e.path.replace(/^\$/, 'args')} ${e.message}`).join('; ')}.`, code: 'invalid_args' });
        }
      }
    }
    const usedTools = [...tools.entries()].flatMap(([server, m]) =>
      session.steps.filter((s) => s.server === server && m.has(s.toolName!)).map((s) => ({ server, tool: m.get(s.toolName!) })),
    );
    const configHash = sha256Hex(canonicalJson({ policy: basePolicy, guardrails: baseGuardrails, tools: usedTools.sort((a, b) => `${a.server}/${a.tool!.name}`.localeCompare(`${b.server}/${b.tool!.name}`)) }));

    // ---- trace ----------------------------------------------------------------------------------
    const header: SessionHeader = {
      type: 'session',
      session_id: sessionId,
      name: session.name,
      started_at: startedAt,
      config_hash: configHash,
      ...(session.file ? { source_file: session.file } : {}),
      ...(options.workspace ? { workspace: options.workspace } : {}),
      ...(session.model ? { model: session.model } : {}),
      servers: [...tools.keys()],
      harness_version: HARNESS_VERSION,
    };
    const trace = options.traceDir ? TraceWriter.open(options.traceDir, header) : undefined;
    const pipeline = new GuardPipeline({
      sessionId,
      connections: options.manager,
      // Tool steps' servers were started in preflight; code steps may also reach the session's other
      // servers (all configured ones when the session does not restrict them), started on first use.
      servers: [...new Set([...tools.keys(), ...(session.servers ?? options.knownServers ?? []).filter((id) => !broken.has(id))])],
      policy: basePolicy,
      guardrails: baseGuardrails,
      model: session.model,
      prices: options.prices,
      confirm: options.confirm,
      pinCheck: options.pinCheck,
      configHash,
      sink: trace,
      logger,
      signal: controller.signal,
    });

    // ---- steps ----------------------------------------------------------------------------------
    const records: StepRecord[] = [];
    const results = new Map<string, StepResultView>();
    let harnessError: string | undefined;
    const emit = (record: StepRecord) => {
      records.push(record);
      options.onStep?.(record);
    };
    try {
      for (let index = 0; index < session.steps.length; index++) {
        const step = session.steps[index];
        if (controller.signal.aborted) break;
        options.onProgress?.(index, step.id);
        const policy = mergePolicy(basePolicy, step.policy);
        const guardrails = mergeGuardrails(baseGuardrails, step.guardrails);
        let execution: StepExecution;
        if (step.kind === 'tool') {
          if (broken.has(step.server!)) {
            execution = { record: this.errorRecord(sessionId, step, broken.get(step.server!)!, trace) };
          } else {
            let args: Record<string, unknown>;
            try {
              args = resolveReferences(step.args ?? {}, results);
            } catch (err) {
              if (!(err instanceof ReferenceError)) throw err;
              execution = { record: this.errorRecord(sessionId, step, `Step "${step.id}": ${err.message}`, trace) };
              this.finishStep(step, execution, results, pipeline, emit);
              continue;
            }
            const onToolProgress = options.onToolProgress;
            const outcome = await pipeline.callTool({
              server: step.server!,
              tool: step.toolName!,
              args,
              stepId: step.id,
              policy: step.policy,
              guardrails: step.guardrails,
              signal: controller.signal,
              ...(onToolProgress ? { onProgress: (p: { progress: number; total?: number; message?: string }) => onToolProgress(index, step.id, p) } : {}),
            });
            execution = { record: outcome.record, result: outcome.result };
          }
        } else {
          const executor = executors.get(step.kind);
          if (!executor) {
            execution = { record: this.errorRecord(sessionId, step, `Step "${step.id}" is a ${step.kind} step, but no ${step.kind} step runner is available in this build.`, trace) };
          } else {
            try {
              execution = await executor({
                sessionId,
                step,
                gateway: pipeline,
                policy,
                guardrails,
                resolve: (v) => resolveReferences(v, results),
                sessionFile: session.file,
                model: session.model,
                signal: controller.signal,
                logger,
              });
              trace?.writeStep(execution.record);
            } catch (err) {
              execution = { record: this.errorRecord(sessionId, step, `Step "${step.id}" failed: ${(err as Error).message}`, trace) };
            }
          }
        }
        this.finishStep(step, execution, results, pipeline, emit);
      }
    } catch (err) {
      harnessError = `The session stopped because of an internal error: ${(err as Error).message}`;
      logger.error(err as Error);
    }
    pipeline.settle();
    trace?.flush();

    // ---- totals ---------------------------------------------------------------------------------
    const top = records;
    const totals: SessionTotals = { steps: top.length, latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, tokens_saved: 0 };
    const decisions: Partial<Record<Decision, number>> = {};
    const used = new Set<string>();
    for (const r of top) {
      totals.latency_ms += r.latency_ms;
      totals.tokens_in += r.tokens_in;
      totals.tokens_out += r.tokens_out;
      if (!r.reused) totals.cost_est += r.cost_est;
      if (r.kind === 'code' && r.tokens_raw !== undefined && r.tokens_returned !== undefined) totals.tokens_saved += r.tokens_raw - r.tokens_returned;
      decisions[r.decision] = (decisions[r.decision] ?? 0) + 1;
      if (r.kind === 'tool' && r.server && r.stages.some((st) => st.stage === 'schema')) used.add(`${r.server}/${r.tool}`);
    }
    totals.latency_ms = Math.round(totals.latency_ms * 1000) / 1000;
    totals.cost_est = Math.round(totals.cost_est * 1e9) / 1e9;
    const cancelled = controller.signal.aborted;
    const unreachable = preflight.some((p) => p.code === 'unreachable');
    const status: SessionStatus = cancelled ? 'cancelled' : harnessError || unreachable ? 'error' : records.every((r) => r.expectation?.passed !== false) && records.length === session.steps.length ? 'passed' : 'failed';
    const durationMs = Date.now() - t0;
    const end: SessionEnd = {
      type: 'end',
      session_id: sessionId,
      status,
      ended_at: new Date().toISOString(),
      duration_ms: durationMs,
      totals,
      decisions,
      tools_used: [...used].sort(),
      ...(harnessError ? { error: harnessError } : unreachable ? { error: preflight.filter((p) => p.code === 'unreachable').map((p) => p.message).join(' ') } : {}),
    };
    trace?.close(end);
    options.signal?.removeEventListener('abort', onAbort);
    return {
      session_id: sessionId,
      name: session.name,
      status,
      started_at: startedAt,
      duration_ms: durationMs,
      config_hash: configHash,
      ...(trace ? { trace_file: trace.file } : {}),
      steps: records,
      totals,
      decisions,
      tools_used: end.tools_used,
      preflight,
      ...(end.error ? { error: end.error } : {}),
    };
  }

  private finishStep(step: SessionStep, execution: StepExecution, results: Map<string, StepResultView>, pipeline: GuardPipeline, emit: (r: StepRecord) => void): void {
    pipeline.settle();
    const record = execution.record;
    record.expectation = checkExpectations(step, record, execution.result);
    if (record.decision === 'ok' || record.decision === 'dry_run') results.set(step.id, { result: execution.result, value: execution.value });
    emit(record);
  }

  private errorRecord(sessionId: string, step: SessionStep, message: string, trace: TraceWriter | undefined): StepRecord {
    const record: StepRecord = {
      type: 'step',
      session_id: sessionId,
      step_id: step.id,
      kind: step.kind === 'tool' ? 'tool' : 'code',
      role: step.kind === 'tool' ? 'tool' : 'code',
      channel: 'llm_to_tool',
      server: step.server ?? '',
      tool: step.toolName ?? '',
      decision: 'error',
      reasons: [message],
      stages: [{ stage: 'preflight', decision: 'error', reasons: [message] }],
      error: message,
      started_at: new Date().toISOString(),
      latency_ms: 0,
      tokens_in: 0,
      tokens_out: 0,
      cost_est: 0,
      findings: [],
    };
    trace?.writeStep(record);
    return record;
  }
}

/** A step without `expect` passes when its decision is ok and the tool did not report an error. */
export function checkExpectations(step: SessionStep, record: StepRecord, result: CallToolResult | undefined): { passed: boolean; failures: string[] } {
  const e = step.expect ?? {};
  const failures: string[] = [];
  const wanted = e.decision === undefined ? ['ok'] : Array.isArray(e.decision) ? e.decision : [e.decision];
  if (!wanted.includes(record.decision)) failures.push(`expected decision ${wanted.join(' or ')}, got ${record.decision}${record.reasons[0] ? ` (${record.reasons[0]})` : ''}`);
  const wantError = e.isError ?? false;
  if (record.decision === 'ok' && (record.is_error === true) !== wantError) failures.push(wantError ? 'expected the tool to report an error (isError), it did not' : 'the tool reported an error (isError: true)');
  const text = textForTokens(result ?? record.output);
  if (e.contains !== undefined && !text.includes(e.contains)) failures.push(`expected the output to contain ${JSON.stringify(e.contains)}`);
  if (e.matches !== undefined && !new RegExp(e.matches).test(text)) failures.push(`expected the output to match /${e.matches}/`);
  if (e.maxLatencyMs !== undefined && record.latency_ms > e.maxLatencyMs) failures.push(`took ${record.latency_ms} ms, over expect.maxLatencyMs (${e.maxLatencyMs})`);
  return { passed: failures.length === 0, failures };
}
