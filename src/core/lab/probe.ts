// One probe = one guarded call plus what it did to the server: did the process survive, did the call
// hang, was the answer a clean refusal. Every suite classifies calls the same way through here.
import type { ToolCallOutcome } from '../guards/types';
import { URL_ELICITATION_REQUIRED } from '../servers/errors';
import type { LabHost, LabRun } from './types';

/** 'cancelled': the lab was cancelled while the call was under way; it says nothing about the server. */
/** needs_user: the server answered that the user must first open a page (URLElicitationRequiredError, -32042). */
export type ProbeOutcome = 'result' | 'tool_error' | 'rpc_error' | 'needs_user' | 'crash' | 'hang' | 'denied' | 'unreachable' | 'cancelled';

export interface Probe {
  outcome: ProbeOutcome;
  call: ToolCallOutcome;
  /** The record's first reason, for messages. */
  detail: string;
}

/** How long a crashed process may take to be noticed after its call failed. */
const EXIT_NOTICE_MS = 300;
const LOST_CONNECTION = /closed|exit|stopped|EPIPE|ECONNRESET|terminated|disconnect/i;

export class Prober {
  private counter = 0;

  constructor(
    private readonly host: LabHost,
    private readonly server: string,
    private readonly prefix: string,
  ) {}

  /** Brings a server that an earlier probe brought down back up (restart clears the breaker). */
  async ready(): Promise<boolean> {
    const state = this.host.serverState(this.server);
    if (state && state.status !== 'running' && state.status !== 'stopped') {
      try {
        await this.host.restart(this.server);
      } catch {
        return false;
      }
    }
    return true;
  }

  /** `signal` ends the call early (it is then 'cancelled'); without it, the lab's own signal does. */
  async call(run: LabRun, tool: string, args: Record<string, unknown>, stepTag = 'call', signal?: AbortSignal): Promise<Probe> {
    if (!(await this.ready())) {
      const state = this.host.serverState(this.server);
      return { outcome: 'unreachable', detail: state?.error ?? 'the server could not be restarted', call: { record: undefined as never } };
    }
    const pidBefore = this.host.serverState(this.server)?.pid;
    const call = await run.callTool({ server: this.server, tool, args, stepId: `${this.prefix}-${stepTag}-${++this.counter}`, ...(signal ? { signal } : {}) });
    const r = call.record;
    const detail = r.error ?? r.reasons[0] ?? '';
    if (r.decision === 'timeout') return { outcome: 'hang', call, detail };
    if (r.decision === 'cancelled') return { outcome: 'cancelled', call, detail };
    if (r.decision.startsWith('denied')) return { outcome: 'denied', call, detail };
    if (r.decision === 'ok' || r.decision === 'dry_run') return { outcome: r.is_error ? 'tool_error' : 'result', call, detail };
    if (await this.diedSince(pidBefore, LOST_CONNECTION.test(detail))) return { outcome: 'crash', call, detail };
    if (/could not be started|circuit|not allowed/i.test(detail)) return { outcome: 'unreachable', call, detail };
    if (detail.includes(URL_ELICITATION_REQUIRED)) return { outcome: 'needs_user', call, detail };
    return { outcome: 'rpc_error', call, detail };
  }

  private async diedSince(pidBefore: number | undefined, lostConnection: boolean): Promise<boolean> {
    // A JSON-RPC error comes from a live server; only a lost connection is worth waiting for the exit.
    const deadline = Date.now() + (lostConnection ? EXIT_NOTICE_MS : 0);
    for (;;) {
      const state = this.host.serverState(this.server);
      if (!state || state.status === 'error' || state.status === 'stopped' || (pidBefore !== undefined && state.pid !== undefined && state.pid !== pidBefore)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
