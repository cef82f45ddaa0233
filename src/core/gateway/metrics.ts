// The gateway's Prometheus metrics (prom-client, one registry per gateway: no process-global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: a local echo is well under a millisecond, a slow tool takes minutes. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly calls: Counter<'server' | 'tool' | 'decision'>;
  readonly decisions: Counter<'decision'>;
  readonly latency: Histogram<'server' | 'tool'>;
  readonly upstreamRestarts: Counter<'server'>;
  readonly rateLimited: Counter<'reason'>;
  readonly rejected: Counter<'status'>;
  readonly sessions: Gauge;
  readonly inFlight: Gauge;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.calls = new Counter({ name: 'mcp_gateway_calls_total', help: 'Tool calls through the gateway, by upstream server, tool and guard decision.', labelNames: ['server', 'tool', 'decision'], registers });
    this.decisions = new Counter({ name: 'mcp_gateway_decisions_total', help: 'Guard decisions by kind (ok, denied_policy, denied_schema, denied_guardrail, error, timeout, …).', labelNames: ['decision'], registers });
    this.latency = new Histogram({ name: 'mcp_gateway_call_duration_seconds', help: 'Time from a call arriving at the gateway to its answer, per upstream server and tool.', labelNames: ['server', 'tool'], buckets: LATENCY_BUCKETS, registers });
    this.upstreamRestarts = new Counter({ name: 'mcp_gateway_upstream_restarts_total', help: 'Times an upstream server was started again after it had been running.', labelNames: ['server'], registers });
    this.rateLimited = new Counter({ name: 'mcp_gateway_rate_limited_total', help: 'Requests refused with 429 by the per-client rate limit.', labelNames: ['reason'], registers });
    this.rejected = new Counter({ name: 'mcp_gateway_rejected_requests_total', help: 'HTTP requests refused before reaching MCP, by status (401, 403, 413, 429, 503).', labelNames: ['status'], registers });
    this.sessions = new Gauge({ name: 'mcp_gateway_sessions', help: 'MCP client sessions open now.', registers });
    this.inFlight = new Gauge({ name: 'mcp_gateway_calls_in_flight', help: 'Tool calls running now.', registers });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'mcp_gateway_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
