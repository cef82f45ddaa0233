// A long-lived run (gateway, agent, lab to come): every tool call is a guarded step of one traced
// session, announced like any other run's steps; end() writes the totals and the end line.
import type { Finding, SessionStatus, StepRecord } from '../../protocol/trace';
import { scanValue } from '../guards/redact';
import type { TaskStatusUpdate, ToolCallOutcome, ToolCatalogEntry } from '../guards/types';
import type { RunFrame } from './frame';
import { mergeGuardrails, mergePolicy } from '../guards/defaults';
import type { FeatureStepOutcome } from './featureSteps';
import { NextTurnBatch, runJobs } from '../util/nextTurn';
import type { OpenCallRequest, OpenFeatureRequest, OpenRun, ProgressUpdate, SessionResult } from './types';

/** Where a call's task status and progress go while it runs (the run service's fan-out, by step id). */
export interface LiveReports {
  taskStatus(stepId: string, update: TaskStatusUpdate): void;
  progress(stepId: string, progress: ProgressUpdate): void;
}

export class FrameOpenRun implements OpenRun {
  private readonly inFlight = new Set<Promise<unknown>>();
  private calls = 0;
  private ending: Promise<SessionResult> | undefined;

  /** With deferBookkeeping: each settled step's counting and recording, done one turn after its answer. */
  private readonly later: NextTurnBatch<() => void> | undefined;

  constructor(
    private readonly frame: RunFrame,
    private readonly signal: AbortSignal,
    private readonly release: () => void,
    private readonly live?: LiveReports,
    deferBookkeeping = false,
  ) {
    this.later = deferBookkeeping ? new NextTurnBatch(runJobs) : undefined;
  }

  get sessionId(): string {
    return this.frame.sessionId;
  }

  get traceFile(): string | undefined {
    return this.frame.trace?.file;
  }

  listTools(): Promise<ToolCatalogEntry[]> {
    return this.frame.pipeline.listTools();
  }

  callTool(request: OpenCallRequest): Promise<ToolCallOutcome> {
    if (this.ending) return Promise.reject(new Error(`The run '${this.frame.header.name}' has ended; open a new run to call tools.`));
    const stepId = request.stepId ?? `call-${++this.calls}`;
    const live = this.live;
    const reported = live
      ? {
          onTaskStatus: (u: TaskStatusUpdate) => {
            request.onTaskStatus?.(u);
            live.taskStatus(stepId, u);
          },
          onProgress: (p: ProgressUpdate) => {
            request.onProgress?.(p);
            live.progress(stepId, p);
          },
        }
      : {};
    return this.track(this.frame.pipeline.callTool({ ...request, stepId, ...reported }), false);
  }

  /** A step in flight until it settles (end() waits for it), then counted and announced (now, or one turn later). */
  private track<T extends { record: StepRecord }>(step: Promise<T>, writeRecord: boolean): Promise<T> {
    const done = step.then((outcome) => {
      // Trace lines keep call order: the pipeline wrote its record as the call finished, a feature step's goes now.
      if (writeRecord) this.frame.writeStep(outcome.record);
      this.bookkeep(() => {
        this.frame.pipeline.settle();
        this.frame.record(outcome.record);
      });
      return outcome;
    });
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  private bookkeep(job: () => void): void {
    if (this.later) this.later.push(job);
    else job();
  }

  readResource(request: OpenFeatureRequest): Promise<FeatureStepOutcome> {
    return this.featureStep(request, 'resource');
  }

  getPrompt(request: OpenFeatureRequest): Promise<FeatureStepOutcome> {
    return this.featureStep(request, 'prompt');
  }

  private featureStep(request: OpenFeatureRequest, kind: 'resource' | 'prompt'): Promise<FeatureStepOutcome> {
    if (this.ending) return Promise.reject(new Error(`The run '${this.frame.header.name}' has ended; open a new run to ${kind === 'resource' ? 'read resources' : 'get prompts'}.`));
    const { pipeline, features } = this.frame;
    const gateRequest = {
      server: request.server,
      target: request.target,
      stepId: request.stepId ?? `${kind}-${++this.calls}`,
      ...(request.args ? { args: request.args } : {}),
      policy: mergePolicy(this.frame.policy, request.policy),
      guardrails: mergeGuardrails(pipeline.guardrailsConfig, request.guardrails),
    };
    // The pipeline writes its tool records itself; the feature gate's records are written here.
    return this.track(kind === 'resource' ? features.readResource(gateRequest) : features.getPrompt(gateRequest), true);
  }

  recordStep(record: StepRecord): void {
    if (this.ending) throw new Error(`The run '${this.frame.header.name}' has ended; open a new run to record steps.`);
    this.frame.writeStep(record);
    this.bookkeep(() => this.frame.record(record));
  }

  guardText<T>(value: T): { redacted: T; findings: Finding[] } {
    const { pipeline } = this.frame;
    const scan = scanValue(value, pipeline.guardrailsConfig, pipeline.vault, 'record');
    return { redacted: scan.redacted as T, findings: scan.findings };
  }

  end(status?: SessionStatus, error?: string): Promise<SessionResult> {
    this.ending ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      this.later?.dispose();
      this.release();
      return this.frame.finish({ status: status ?? (this.signal.aborted ? 'cancelled' : this.frame.totals.failed ? 'failed' : 'passed'), ...(error ? { error } : {}) });
    })();
    return this.ending;
  }
}
