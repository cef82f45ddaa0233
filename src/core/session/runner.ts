// Runs a session in stages: preflight (servers start, tools exist, literal args valid, config hash), the
// run frame (header, trace, the run's one GuardPipeline), each step, then the totals and the end line.
//
// Step kinds: 'tool' is built in. Other kinds plug in with registerStepKind(kind, executor); the sandbox
// registers 'code' (steps with "code" or "codeFile"). An executor gets the step, the pipeline as a
// ToolGateway (its tool calls are recorded with parent_id = the step's id) and helpers, and returns the
// step's record plus an optional value that later steps can reference as ${steps.ID.structured…}.
import type { CallMetaHook } from '../otel/ids';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RunKind, SessionStatus, StepRecord } from '../../protocol/trace';
import type { ClientFeatures } from '../client/features';
import type { Logger } from '../types';
import { nullLogger } from '../types';
import { canonicalJson, sha256Hex } from '../util/canonical';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, mergeGuardrails, mergePolicy } from '../guards/defaults';
import { textForTokens, type ConfirmHook, type ConnectionProvider } from '../guards/pipeline';
import { sharedSchemaCache } from '../guards/schema';
import type { GuardrailsConfig, PolicyConfig, TaskStatusUpdate, ToolGateway } from '../guards/types';
import type { PinCheck } from '../pin/lockfileCheck';
import type { PageToOpen } from '../servers/errors';
import type { LimitAdvice } from '../sandbox/limits';
import type { ExecResult } from '../sandbox/types';
import type { PriceTable } from '../tokens/index';
import { RunFrame } from '../run/frame';
import type { PreflightProblem, ProgressUpdate, RunEvents, SessionResult } from '../run/types';
import { HARNESS_VERSION } from '../version';
import { declareStepKind, type SessionFile, type SessionStep } from './parse';
import { ReferenceError, resolveReferences, hasReferences, type StepResultView } from './refs';
import { unexecutedStepRecord } from '../trace/records';

export { HARNESS_VERSION };
export type { PreflightProblem, SessionResult };

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
  /** The workspace folder of the run, when the host has one (code steps load its skills). */
  workspace?: string;
  /** How the caller lets its user raise a sandbox limit, when it differs from the host's default. */
  limitAdvice?: LimitAdvice;
  model?: string;
  signal: AbortSignal;
  logger: Logger;
}

export interface StepExecution {
  record: StepRecord;
  /** What later steps see as ${steps.ID.text|structured|output}. */
  value?: unknown;
  result?: CallToolResult;
  /** A code step's sandbox result (value, logs, error kind, metrics), for hosts that show it. */
  exec?: ExecResult;
  /** A tool step the server refused until the user opens these pages (-32042); see ToolCallOutcome. */
  pagesToOpen?: PageToOpen[];
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
  /** The run's top-level steps, after their expectations are checked. */
  onStep?: (record: StepRecord) => void;
  onProgress?: (stepIndex: number, stepId: string) => void;
  /** Progress notifications from the tool a step is calling. */
  onToolProgress?: (stepIndex: number, stepId: string, progress: ProgressUpdate) => void;
  /** Status changes of a step's task-based call. */
  onTaskStatus?: (stepIndex: number, stepId: string, update: TaskStatusUpdate) => void;
  /** Every step's execution as it finishes (a code step's sandbox result is in `exec`). */
  onExecution?: (step: SessionStep, execution: StepExecution) => void;
  /** For code steps: how the caller lets its user raise a sandbox limit. */
  limitAdvice?: LimitAdvice;
  /** onStart / onStep (children included) / onEnd, as the run service announces them. */
  events?: RunEvents;
  kind?: RunKind;
  harnessVersion?: string;
  logger?: Logger;
  /** Ids of the servers known in the workspace (to say "unknown server" before trying to start it). */
  knownServers?: readonly string[];
  /** The host's client features: the run attaches with the session's sampling / elicitation / roots keys. */
  client?: ClientFeatures;
  /** The `_meta` every tools/call carries (RunEnvironment.callMeta). */
  callMeta?: CallMetaHook;
  /**
   * A step naming a server or tool that does not exist ends the run before it begins (after preflight has started the
   * servers it names): no trace, no onStart/onStep/onEnd; run() rejects with MisnamedStepError. For one-off calls (the
   * CLI's `call`), where a wrong name is the user's typing mistake, not a run.
   */
  refuseMisnamed?: boolean;
}

/** A step named a server or tool that does not exist, and the run was refused for it (RunOptions.refuseMisnamed). */
export class MisnamedStepError extends Error {
  override readonly name = 'MisnamedStepError';
  constructor(
    message: string,
    readonly code: 'unknown_server' | 'unknown_tool',
    /** The names there are: the server's tools (unknown_tool), the workspace's servers (unknown_server). */
    readonly known: string[],
  ) {
    super(message);
  }
}

/** What preflight learned: each reachable server's tools, the servers that cannot be used and why. */
interface Preflight {
  tools: Map<string, Map<string, Tool>>;
  broken: Map<string, string>;
  problems: PreflightProblem[];
  configHash: string;
}

/** A step's run: the frame, the results later steps may reference, the run's signal. */
interface StepsContext {
  session: SessionFile;
  options: RunOptions;
  preflight: Preflight;
  frame: RunFrame;
  results: Map<string, StepResultView>;
  signal: AbortSignal;
  logger: Logger;
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
}

export class SessionRunner {
  async run(session: SessionFile, options: RunOptions): Promise<SessionResult> {
    // Passing such a file as scripted steps would run nothing and report it passed.
    if (session.agent && !session.steps.length) {
      throw new Error(`The session '${session.name}' has an "agent" block and no steps: it runs as an agent (a model chooses the calls), not as scripted steps.`);
    }
    const logger = options.logger ?? nullLogger;
    const policy = mergePolicy(options.policy ?? DEFAULT_POLICY, session.policy);
    const guardrails = mergeGuardrails(options.guardrails ?? DEFAULT_GUARDRAILS, session.guardrails);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const preflight = await this.preflight(session, options, policy, guardrails);
      const misnamed = options.refuseMisnamed ? preflight.problems.find((p) => p.code === 'unknown_server' || p.code === 'unknown_tool') : undefined;
      if (misnamed) {
        const known = misnamed.code === 'unknown_tool' ? [...(preflight.tools.get(misnamed.server ?? '')?.keys() ?? [])] : [...(options.knownServers ?? [])];
        throw new MisnamedStepError(misnamed.message, misnamed.code as MisnamedStepError['code'], known);
      }
      const frame = this.openFrame(session, options, preflight, policy, guardrails, controller.signal);
      const ctx: StepsContext = { session, options, preflight, frame, results: new Map(), signal: controller.signal, logger, policy, guardrails };
      let harnessError: string | undefined;
      try {
        await this.runSteps(ctx);
      } catch (err) {
        harnessError = `The session stopped because of an internal error: ${(err as Error).message}`;
        logger.error(err as Error);
      }
      frame.pipeline.settle();
      frame.trace?.flush();
      return frame.finish(this.outcome(session, frame, preflight.problems, controller.signal.aborted, harnessError));
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts the servers (in parallel: a session over several slow starters waits for the slowest only) and checks each tool step. */
  private async preflight(session: SessionFile, options: RunOptions, policy: PolicyConfig, guardrails: GuardrailsConfig): Promise<Preflight> {
    const problems: PreflightProblem[] = [];
    const broken = new Map<string, string>();
    const refuse = (server: string, message: string, code: PreflightProblem['code']) => {
      broken.set(server, message);
      problems.push({ server, message, code });
    };
    const referenced = [...new Set(session.steps.filter((s) => s.server).map((s) => s.server!))];
    const toStart: string[] = [];
    for (const server of new Set([...(session.servers ?? referenced), ...referenced])) {
      if (session.servers && !session.servers.includes(server)) {
        refuse(server, `The server '${server}' is not in the session's "servers" list (${session.servers.join(', ')}); add it there or remove the step.`, 'not_in_servers');
      } else if (options.knownServers && !options.knownServers.includes(server)) {
        refuse(server, `No MCP server named '${server}' is configured in this workspace (known: ${options.knownServers.join(', ') || 'none'}). Check the name or add it to the workspace's MCP configuration.`, 'unknown_server');
      } else toStart.push(server);
    }
    const tools = new Map<string, Map<string, Tool>>();
    const started = await Promise.allSettled(toStart.map(async (server) => (await options.manager.ensureStarted(server)).listTools()));
    started.forEach((outcome, i) => {
      const server = toStart[i];
      if (outcome.status === 'fulfilled') tools.set(server, new Map(outcome.value.map((t) => [t.name, t])));
      else refuse(server, `The server '${server}' could not be started or reached: ${(outcome.reason as Error)?.message ?? String(outcome.reason)}`, 'unreachable');
    });
    for (const step of session.steps) {
      if (step.kind !== 'tool' || !step.server || broken.has(step.server)) continue;
      const problem = checkToolStep(step, tools.get(step.server)?.get(step.toolName!));
      if (problem) problems.push(problem);
    }
    const usedTools = [...tools.entries()]
      .flatMap(([server, m]) => session.steps.filter((s) => s.kind === 'tool' && s.server === server && m.has(s.toolName!)).map((s) => ({ server, tool: m.get(s.toolName!)! })))
      .sort((a, b) => `${a.server}/${a.tool.name}`.localeCompare(`${b.server}/${b.tool.name}`));
    const configHash = sha256Hex(canonicalJson({ policy, guardrails, tools: usedTools }));
    return { tools, broken, problems, configHash };
  }

  private openFrame(session: SessionFile, options: RunOptions, preflight: Preflight, policy: PolicyConfig, guardrails: GuardrailsConfig, signal: AbortSignal): RunFrame {
    const { tools, broken } = preflight;
    return new RunFrame({
      name: session.name,
      kind: options.kind,
      configHash: preflight.configHash,
      servers: [...tools.keys()],
      // Tool steps' servers were started in preflight; code steps may also reach the session's other
      // servers (all configured ones when the session does not restrict them), started on first use.
      reachable: [...new Set([...tools.keys(), ...(session.servers ?? options.knownServers ?? []).filter((id) => !broken.has(id))])],
      sourceFile: session.file,
      workspace: options.workspace,
      model: session.model,
      harnessVersion: options.harnessVersion,
      connections: options.manager,
      policy,
      guardrails,
      prices: options.prices,
      confirm: options.confirm,
      pinCheck: options.pinCheck,
      traceDir: options.traceDir,
      logger: options.logger,
      signal,
      events: options.events,
      onStep: options.onStep,
      ...(options.client ? { client: options.client } : {}),
      ...(session.client ? { clientSettings: session.client } : {}),
      ...(options.callMeta ? { callMeta: options.callMeta } : {}),
    });
  }

  private async runSteps(ctx: StepsContext): Promise<void> {
    const { session, options, frame, signal } = ctx;
    for (let index = 0; index < session.steps.length; index++) {
      const step = session.steps[index];
      if (signal.aborted) break;
      options.onProgress?.(index, step.id);
      const execution =
        step.kind === 'tool' ? await this.toolStep(ctx, step, index)
        : step.kind === 'resource' || step.kind === 'prompt' ? await this.featureStep(ctx, step)
        : await this.customStep(ctx, step);
      frame.pipeline.settle();
      const record = execution.record;
      record.expectation = checkExpectations(step, record, execution.result);
      if (record.decision === 'ok' || record.decision === 'dry_run') ctx.results.set(step.id, { result: execution.result, value: execution.value });
      options.onExecution?.(step, execution);
      frame.record(record);
    }
  }

  /** A step's arguments with references resolved, or the error record when its server is broken or a reference fails. */
  private stepArgs(ctx: StepsContext, step: SessionStep): { args: Record<string, unknown> } | { failed: StepExecution } {
    const broken = ctx.preflight.broken.get(step.server!);
    if (broken) return { failed: { record: this.errorRecord(ctx.frame, step, broken) } };
    try {
      return { args: resolveReferences(step.args ?? {}, ctx.results) };
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      return { failed: { record: this.errorRecord(ctx.frame, step, `Step "${step.id}": ${err.message}`) } };
    }
  }

  private async toolStep(ctx: StepsContext, step: SessionStep, index: number): Promise<StepExecution> {
    const resolved = this.stepArgs(ctx, step);
    if ('failed' in resolved) return resolved.failed;
    const { args } = resolved;
    const onToolProgress = ctx.options.onToolProgress;
    const outcome = await ctx.frame.pipeline.callTool({
      server: step.server!,
      tool: step.toolName!,
      args,
      stepId: step.id,
      policy: step.policy,
      guardrails: step.guardrails,
      signal: ctx.signal,
      ...(onToolProgress ? { onProgress: (p: ProgressUpdate) => onToolProgress(index, step.id, p) } : {}),
      ...(ctx.options.onTaskStatus ? { onTaskStatus: (u: TaskStatusUpdate) => ctx.options.onTaskStatus!(index, step.id, u) } : {}),
    });
    return { record: outcome.record, result: outcome.result, ...(outcome.pagesToOpen ? { pagesToOpen: outcome.pagesToOpen } : {}) };
  }

  /** A resource read or prompt get through the frame's feature gate. */
  private async featureStep(ctx: StepsContext, step: SessionStep): Promise<StepExecution> {
    const resolved = this.stepArgs(ctx, step);
    if ('failed' in resolved) return resolved.failed;
    const { args } = resolved;
    const request = {
      server: step.server!,
      stepId: step.id,
      target: (step.kind === 'resource' ? step.uri : step.promptName)!,
      args,
      policy: mergePolicy(ctx.policy, step.policy),
      guardrails: mergeGuardrails(ctx.guardrails, step.guardrails),
      signal: ctx.signal,
    };
    const outcome = step.kind === 'resource' ? await ctx.frame.features.readResource(request) : await ctx.frame.features.getPrompt(request);
    ctx.frame.writeStep(outcome.record);
    return { record: outcome.record, ...(outcome.result ? { result: outcome.result } : {}) };
  }

  private async customStep(ctx: StepsContext, step: SessionStep): Promise<StepExecution> {
    const executor = executors.get(step.kind);
    if (!executor) return { record: this.errorRecord(ctx.frame, step, `Step "${step.id}" is a ${step.kind} step, but no ${step.kind} step runner is available in this build.`) };
    try {
      const execution = await executor({
        sessionId: ctx.frame.sessionId,
        step,
        gateway: ctx.frame.pipeline,
        policy: mergePolicy(ctx.policy, step.policy),
        guardrails: mergeGuardrails(ctx.guardrails, step.guardrails),
        resolve: (v) => resolveReferences(v, ctx.results),
        sessionFile: ctx.session.file,
        ...(ctx.options.workspace ? { workspace: ctx.options.workspace } : {}),
        ...(ctx.options.limitAdvice ? { limitAdvice: ctx.options.limitAdvice } : {}),
        model: ctx.session.model,
        signal: ctx.signal,
        logger: ctx.logger,
      });
      ctx.frame.writeStep(execution.record);
      return execution;
    } catch (err) {
      return { record: this.errorRecord(ctx.frame, step, `Step "${step.id}" failed: ${(err as Error).message}`) };
    }
  }

  private outcome(session: SessionFile, frame: RunFrame, preflight: PreflightProblem[], cancelled: boolean, harnessError: string | undefined) {
    const unreachable = preflight.filter((p) => p.code === 'unreachable');
    const records = frame.records;
    const status: SessionStatus = cancelled
      ? 'cancelled'
      : harnessError || unreachable.length
        ? 'error'
        : records.every((r) => r.expectation?.passed !== false) && records.length === session.steps.length
          ? 'passed'
          : 'failed';
    const error = harnessError ?? (unreachable.length ? unreachable.map((p) => p.message).join(' ') : undefined);
    return { status, preflight, ...(error ? { error } : {}) };
  }

  private errorRecord(frame: RunFrame, step: SessionStep, message: string): StepRecord {
    const kind: StepRecord['kind'] = step.kind === 'tool' || step.kind === 'resource' || step.kind === 'prompt' ? (step.kind as StepRecord['kind']) : 'code';
    const record = unexecutedStepRecord({
      session_id: frame.sessionId,
      step_id: step.id,
      kind,
      role: kind === 'code' ? 'code' : 'tool',
      channel: 'llm_to_tool',
      server: step.server ?? '',
      // A code step is named as a run one is (code-step.ts): its file, else "code".
      tool: step.toolName ?? step.uri ?? step.promptName ?? (kind === 'code' ? (step.codeFile ?? 'code') : ''),
      decision: 'error',
      reasons: [message],
      stages: [{ stage: 'preflight', decision: 'error', reasons: [message] }],
      error: message,
    });
    frame.writeStep(record);
    return record;
  }
}

/** A tool step's preflight: the tool exists and literal arguments (no ${steps…} references) match its inputSchema. */
function checkToolStep(step: SessionStep, tool: Tool | undefined): PreflightProblem | undefined {
  if (!tool) return { stepId: step.id, server: step.server, message: `Step "${step.id}": the server '${step.server}' has no tool named '${step.toolName}'.`, code: 'unknown_tool' };
  if (!step.args || hasReferences(step.args)) return undefined;
  const check = sharedSchemaCache.check(tool.inputSchema, step.args);
  if (check.valid) return undefined;
  return { stepId: step.id, server: step.server, message: `Step "${step.id}": ${check.errors.map((e) => `${e.path.replace(/^\$/, 'args')} ${e.message}`).join('; ')}.`, code: 'invalid_args' };
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
