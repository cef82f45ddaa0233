// The one run service: every entry point (session files, one tool call, sandboxed code, long-lived open
// runs) runs in the host's RunEnvironment through the same guard pipeline, lands in a trace and is
// announced with onStart / onStep / onEnd.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { SessionHeader, StepRecord } from '../../protocol/trace';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, mergeGuardrails, mergePolicy } from '../guards/defaults';
import type { TaskStatusUpdate } from '../guards/types';
import type { PinCheck } from '../pin/lockfileCheck';
import type { PageToOpen } from '../servers/errors';
import type { ExecResult } from '../sandbox/types';
import type { SessionFile, SessionStep } from '../session/parse';
import { SessionRunner, type RunOptions } from '../session/runner';
import { canonicalJson, sha256Hex } from '../util/canonical';
import { RunFrame } from './frame';
import { FrameOpenRun } from './openRun';
import type { CallResult, CodeRunResult, Disposable, OpenRun, ProgressUpdate, RunCodeOpts, RunEnvironment, RunEvents, RunOpts, SessionResult } from './types';

type Listener<T> = (value: T) => void;

/** A task-based call's status change, with the run and step it belongs to. */
export interface RunTaskStatus {
  sessionId: string;
  stepId: string;
  update: TaskStatusUpdate;
}

/** A running step's progress notification (message masked), with the run and step it belongs to. */
export interface RunToolProgress {
  sessionId: string;
  stepId: string;
  progress: ProgressUpdate;
}

const NO_RANGE = { step: { offset: 0, length: 0 } };

export class RunService {
  private readonly starts = new Set<Listener<SessionHeader>>();
  private readonly steps = new Set<Listener<StepRecord>>();
  private readonly ends = new Set<Listener<SessionResult>>();
  private readonly taskStatuses = new Set<Listener<RunTaskStatus>>();
  private readonly toolProgress = new Set<Listener<RunToolProgress>>();
  private readonly runner = new SessionRunner();
  /** The fan-out every run reports to; a listener added mid-run sees the rest of that run. */
  private readonly events: RunEvents = {
    onStart: (header) => this.emit(this.starts, header),
    onStep: (record) => this.emit(this.steps, record),
    onEnd: (result) => this.emit(this.ends, result),
  };

  constructor(readonly env: RunEnvironment) {}

  /** A run began: its header, before any of its steps. */
  onStart(listener: Listener<SessionHeader>): Disposable {
    return subscribe(this.starts, listener);
  }

  /** A step finished: top-level steps and the tool calls of code steps (parent_id set). */
  onStep(listener: Listener<StepRecord>): Disposable {
    return subscribe(this.steps, listener);
  }

  /** A run ended (passed, failed, error or cancelled): once per onStart. */
  onEnd(listener: Listener<SessionResult>): Disposable {
    return subscribe(this.ends, listener);
  }

  /** A step's task-based call changed status (session runs, one-tool calls and open runs). */
  onTaskStatus(listener: Listener<RunTaskStatus>): Disposable {
    return subscribe(this.taskStatuses, listener);
  }

  /** A step's call reported progress (session runs, one-tool calls and open runs); nothing after its result. */
  onToolProgress(listener: Listener<RunToolProgress>): Disposable {
    return subscribe(this.toolProgress, listener);
  }

  /** Runs a scripted session (a *.mcp-session.json file). */
  async runSession(session: SessionFile, opts: RunOpts = {}): Promise<SessionResult> {
    return this.runner.run(this.shape(session, opts), await this.runnerOptions(opts));
  }

  /** One guarded call, run and traced as a one-step session. */
  async callTool(server: string, tool: string, args: Record<string, unknown>, opts: RunOpts = {}): Promise<CallResult> {
    const step: SessionStep = { id: 'call', kind: 'tool', tool: `${server}/${tool}`, server, toolName: tool, args, raw: {}, ranges: NO_RANGE };
    let result: CallToolResult | undefined;
    let pagesToOpen: PageToOpen[] | undefined;
    const options = await this.runnerOptions({ ...opts, kind: opts.kind ?? 'call' });
    const session = await this.runner.run(this.shape({ name: opts.name ?? `call ${server}/${tool}`, steps: [step] }, opts), {
      ...options,
      onExecution: (_s, execution) => {
        result = execution.result;
        pagesToOpen = execution.pagesToOpen;
      },
    });
    return { session, record: session.steps[0], ...(result ? { result } : {}), ...(pagesToOpen ? { pagesToOpen } : {}) };
  }

  /** Sandboxed code as a one-step session through the registered 'code' step kind. */
  async runCode(code: string, opts: RunCodeOpts = {}): Promise<CodeRunResult> {
    const stepId = opts.stepId ?? 'code';
    const raw: Record<string, unknown> = opts.limits ? { limits: opts.limits } : {};
    const step: SessionStep = { id: stepId, kind: 'code', code, ...(opts.codeFile ? { codeFile: opts.codeFile } : {}), raw, ranges: NO_RANGE };
    let exec: ExecResult | undefined;
    const children: StepRecord[] = [];
    const options = await this.runnerOptions({ ...opts, kind: opts.kind ?? 'code' });
    const collect: RunEvents = {
      ...options.events,
      onStep: (record) => {
        if (record.parent_id === stepId) children.push(record);
        options.events?.onStep?.(record);
      },
    };
    const session = await this.runner.run(this.shape({ name: opts.name ?? 'sandbox code', steps: [step] }, opts), {
      ...options,
      events: collect,
      ...(opts.limitAdvice ? { limitAdvice: opts.limitAdvice } : {}),
      onExecution: (_s, execution) => (exec = execution.exec),
    });
    const record = session.steps[0];
    // The sandbox reports its children too; they are the same records the pipeline traced.
    return { session, ...(record ? { record } : {}), ...(exec ? { exec } : {}), children: exec?.childSteps.length ? exec.childSteps : children };
  }

  /** A long-lived run: every call through the returned gateway is a guarded, traced step until end(). */
  async open(opts: RunOpts = {}): Promise<OpenRun> {
    const pinCheck = await this.refreshPins();
    const policy = mergePolicy(this.env.policy ?? DEFAULT_POLICY, opts.policy);
    const guardrails = mergeGuardrails(this.env.guardrails ?? DEFAULT_GUARDRAILS, opts.guardrails);
    const servers = [...(opts.servers ?? this.env.knownServers ?? [])];
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const frame = new RunFrame({
      name: opts.name ?? `${opts.kind ?? 'gateway'} run`,
      kind: opts.kind ?? 'gateway',
      ...(opts.model ? { model: opts.model } : {}),
      configHash: sha256Hex(canonicalJson({ policy, guardrails, servers })),
      servers,
      reachable: servers,
      workspace: this.env.workspace,
      harnessVersion: this.env.harnessVersion,
      connections: this.env.connections,
      policy,
      guardrails,
      prices: this.env.prices,
      confirm: this.env.confirm,
      pinCheck,
      traceDir: opts.noTrace ? undefined : this.env.traceDir,
      logger: this.env.logger,
      signal: controller.signal,
      events: this.events,
      onStep: opts.onStep,
      ...(opts.schemaGuard ? { schemaGuard: opts.schemaGuard } : {}),
      ...(opts.keepSteps === false ? { keepRecords: false } : {}),
      ...(opts.dedup ? { dedup: opts.dedup } : {}),
      ...(this.env.client ? { client: this.env.client } : {}),
      ...(opts.clientSettings ? { clientSettings: opts.clientSettings } : {}),
      ...(opts.answerers ? { answerers: opts.answerers } : {}),
      ...(this.env.callMeta ? { callMeta: this.env.callMeta } : {}),
    });
    const sessionId = frame.sessionId;
    // Task status and progress of the run's calls reach the same listeners as a session run's.
    const live = {
      taskStatus: (stepId: string, update: TaskStatusUpdate) => this.emit(this.taskStatuses, { sessionId, stepId, update }),
      progress: (stepId: string, progress: ProgressUpdate) => this.emit(this.toolProgress, { sessionId, stepId, progress }),
    };
    return new FrameOpenRun(frame, controller.signal, () => opts.signal?.removeEventListener('abort', onAbort), live, opts.deferBookkeeping);
  }

  /** Every listener hears every event: one that throws is logged and does not stop the others or the run. */
  private emit<T>(listeners: Set<Listener<T>>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        this.env.logger?.error(err as Error);
      }
    }
  }

  /** A session with the run's overrides: its name, and the servers it may reach. */
  private shape(session: SessionFile, opts: RunOpts): SessionFile {
    return { ...session, ...(opts.name ? { name: opts.name } : {}), ...(opts.servers ? { servers: opts.servers } : {}) };
  }

  private async runnerOptions(opts: RunOpts): Promise<RunOptions> {
    const env = this.env;
    // The runner reports a task's step by id; the run it belongs to is known from this run's own header.
    let sessionId: string | undefined;
    const events: RunEvents = {
      ...this.events,
      onStart: (header) => {
        sessionId = header.session_id;
        this.events.onStart?.(header);
      },
    };
    const onTaskStatus = (index: number, stepId: string, update: TaskStatusUpdate) => {
      opts.onTaskStatus?.(index, stepId, update);
      if (sessionId) this.emit(this.taskStatuses, { sessionId, stepId, update });
    };
    const onToolProgress = (index: number, stepId: string, progress: ProgressUpdate) => {
      opts.onToolProgress?.(index, stepId, progress);
      if (sessionId) this.emit(this.toolProgress, { sessionId, stepId, progress });
    };
    return {
      manager: env.connections,
      policy: opts.policy ? mergePolicy(env.policy ?? DEFAULT_POLICY, opts.policy) : env.policy,
      guardrails: opts.guardrails ? mergeGuardrails(env.guardrails ?? DEFAULT_GUARDRAILS, opts.guardrails) : env.guardrails,
      prices: env.prices,
      traceDir: opts.noTrace ? undefined : env.traceDir,
      workspace: env.workspace,
      confirm: env.confirm,
      pinCheck: await this.refreshPins(),
      signal: opts.signal,
      onStep: opts.onStep,
      onProgress: opts.onProgress,
      onToolProgress,
      onTaskStatus,
      events,
      kind: opts.kind ?? 'session',
      harnessVersion: env.harnessVersion,
      logger: env.logger,
      knownServers: env.knownServers,
      ...(env.client ? { client: env.client } : {}),
      ...(env.callMeta ? { callMeta: env.callMeta } : {}),
      ...(opts.refuseMisnamed ? { refuseMisnamed: true } : {}),
    };
  }

  /** The lockfile is read again when it changed, so a pin accepted a moment ago applies to the next run. */
  private async refreshPins(): Promise<PinCheck | undefined> {
    await this.env.pins?.refresh?.();
    return this.env.pins?.check;
  }
}

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): Disposable {
  set.add(listener);
  return { dispose: () => set.delete(listener) };
}
