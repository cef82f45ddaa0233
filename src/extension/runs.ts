// The run services of this window, one per workspace folder (its trace directory and its workspace in
// the trace header), all built by extensionRunEnvironment. Their run events feed the trace store, so the
// Sessions view and the trace panel show this window's runs as they start, step and end, without reading
// their trace files back.
import { join } from 'node:path';
import { RunService, type SessionResult } from '../core/run/index';
import { traceFileName } from '../core/trace/writer';
import type { SessionEnd, SessionHeader } from '../protocol/trace';
import type { HarnessContext } from './context';
import { Disposable } from './disposable';
import { extensionRunEnvironment } from './runEnvironment';

type RunsContext = Pick<HarnessContext, 'config' | 'discovery' | 'servers' | 'dialogs' | 'pins' | 'log' | 'traces' | 'otel' | 'clientHost'>;

/** The end line of a run, from what the run service reports at its end. */
export function endOf(result: SessionResult): SessionEnd {
  return {
    type: 'end',
    session_id: result.session_id,
    status: result.status,
    ended_at: new Date(Date.parse(result.started_at) + result.duration_ms).toISOString(),
    duration_ms: result.duration_ms,
    totals: result.totals,
    decisions: result.decisions,
    tools_used: result.tools_used,
    ...(result.error ? { error: result.error } : {}),
  };
}

export class RunServices extends Disposable {
  private readonly services = new Map<string, RunService>();

  constructor(private readonly ctx: RunsContext) {
    super();
  }

  /** The run service of `folder` (the session file's or the server's workspace folder). */
  for(folder: string | undefined): RunService {
    const key = folder ?? '';
    let service = this.services.get(key);
    if (!service) {
      service = new RunService(extensionRunEnvironment(this.ctx, folder));
      this.connect(service);
      this.ctx.otel.attach(service);
      this.services.set(key, service);
    }
    return service;
  }

  private connect(service: RunService): void {
    const { store } = this.ctx.traces;
    const fileOf = (header: SessionHeader): string | undefined => {
      const dir = service.env.traceDir;
      return dir ? join(dir, traceFileName(header)) : undefined;
    };
    this._register(service.onStart((header) => store.runStarted(header, fileOf(header))));
    const { tasks, progress } = this.ctx.traces;
    this._register(service.onTaskStatus((status) => tasks.update(status)));
    this._register(service.onToolProgress((p) => progress.update(p)));
    this._register(
      service.onStep((record) => {
        if (record.task) tasks.forget(record.session_id, record.step_id);
        if (record.progress) progress.forget(record.session_id, record.step_id);
        store.publishStep(record);
      }),
    );
    this._register(
      service.onEnd((result) => {
        tasks.forget(result.session_id);
        progress.forget(result.session_id);
        store.runEnded(endOf(result));
      }),
    );
  }
}
