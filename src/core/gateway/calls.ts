// A tool call arriving at the gateway (directly or from run_code's sandbox): wait for a slot on the upstream
// server, go through the run (schema, policy, pins, guardrails, trace) and answer in MCP terms; the call is
// counted and audited one turn later, once the answer has gone out. A call the guards refuse is an MCP error
// result carrying the guard's reason, not a protocol error: the client's model reads why and can change course.
import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallOutcome, ToolCallRequest, ToolGateway } from '../guards/types';
import { NextTurnBatch, runJobs } from '../util/nextTurn';
import type { AuditLog } from './audit';
import type { ConcurrencyLimits } from './limits';
import type { GatewayMetrics } from './metrics';

const DENIALS = new Set(['denied_schema', 'denied_policy', 'denied_guardrail']);

/** Who made a call, as the audit log and the trace name it. */
export interface CallerInfo {
  session: string;
  client: string;
}

export class CallRecorder {
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** Metrics and audit entries of answered calls: counted one turn after the answer went out, in call order. */
  private readonly answered = new NextTurnBatch<() => void>(runJobs);

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly audit: AuditLog | undefined,
    private readonly limits: ConcurrencyLimits,
  ) {}

  /** Counts and audits every answered call now (before the audit log closes). */
  flush(): void {
    this.answered.drain();
  }

  dispose(): void {
    this.answered.dispose();
  }

  get running(): number {
    return this.inFlight;
  }

  /** Resolves when no call is running (now, or when the last one ends). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * `run` as the gateway's clients reach it: every call (direct, or from run_code's sandbox) waits for a
   * slot on its upstream server, and is measured and audited.
   */
  guarded(run: ToolGateway, caller: CallerInfo): ToolGateway {
    return {
      listTools: () => run.listTools(),
      callTool: (request) => this.call(run, request, caller),
    };
  }

  private async call(run: ToolGateway, request: ToolCallRequest, caller: CallerInfo): Promise<ToolCallOutcome> {
    const t0 = performance.now();
    this.inFlight++;
    this.metrics.inFlight.inc();
    try {
      const outcome = await this.limits.of(request.server).run(() => run.callTool(request), request.signal);
      const seconds = (performance.now() - t0) / 1000;
      this.answered.push(() => this.observe(outcome, request, caller, seconds));
      return outcome;
    } finally {
      this.metrics.inFlight.dec();
      if (--this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  private observe(outcome: ToolCallOutcome, call: ToolCallRequest, caller: CallerInfo, seconds: number): void {
    const { record } = outcome;
    this.metrics.calls.inc({ server: call.server, tool: call.tool, decision: record.decision });
    this.metrics.decisions.inc({ decision: record.decision });
    this.metrics.latency.observe({ server: call.server, tool: call.tool }, seconds);
    this.audit?.write({
      kind: DENIALS.has(record.decision) ? 'denial' : 'call',
      action: record.decision,
      session: caller.session,
      client: caller.client,
      trace_session: record.session_id,
      step: record.step_id,
      ...(call.parentId ? { parent: call.parentId } : {}),
      server: call.server,
      tool: call.tool,
      args: record.args,
      ...(record.reasons.length ? { reasons: record.reasons } : {}),
      ...(record.error ? { error: record.error } : {}),
      ...(record.is_error ? { is_error: true } : {}),
      latency_ms: Math.round(seconds * 1e6) / 1000,
    });
  }
}

/** The caller's answer: the guarded result, or an error result saying which guard refused and why. */
export function toMcpResult(outcome: ToolCallOutcome): CallToolResult {
  const { record, result } = outcome;
  if (result) return result;
  const why = record.reasons.join(' ') || record.error || 'no reason was given';
  const text = DENIALS.has(record.decision)
    ? `MCP Harness denied this call (${record.decision}): ${why}`
    : `The call failed (${record.decision}): ${record.error ?? why}`;
  return { isError: true, content: [{ type: 'text', text }], _meta: { 'mcp-harness/decision': record.decision, 'mcp-harness/step': record.step_id } };
}
