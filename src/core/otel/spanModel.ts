// What a run looks like as spans, per the OpenTelemetry GenAI and MCP semantic conventions: the session
// (invoke_agent for agent runs), each tool call (`tools/call {tool}`, a CLIENT span), each model turn
// (`chat {model}`), each sandboxed code step (`execute_tool {file}`) with its tool calls under it. Plain
// data, no SDK: the live exporter and the OTLP JSON export of a trace file both write these.
import type { SessionEnd, SessionHeader, StepRecord } from '../../protocol/trace';
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { scanValue } from '../guards/redact';
import type { GuardrailsConfig } from '../guards/types';
import type { SessionResult } from '../run/types';
import type { SpanKey } from './ids';

const CONTENT_SCAN: GuardrailsConfig = { ...DEFAULT_GUARDRAILS, redact: ['secrets', 'pii'] };

export type SpanAttributeValue = string | number | boolean | string[];
export type SpanAttributes = Record<string, SpanAttributeValue>;

export interface SpanModel {
  key: SpanKey;
  name: string;
  kind: 'internal' | 'client';
  startMs: number;
  endMs: number;
  attributes: SpanAttributes;
  /** Set when the span failed: error.type is already among the attributes. */
  error?: string;
}

/** What the host knows about a server's connection (semconv: network.transport, mcp.protocol.version, mcp.session.id). */
export interface ServerFacts {
  transport?: 'stdio' | 'streamable-http' | 'sse';
  protocolVersion?: string;
  /** The Streamable HTTP session (Mcp-Session-Id), when the server keeps one. */
  mcpSessionId?: string;
  url?: string;
}

export interface SpanModelOptions {
  /** Arguments and results (the trace's redacted copies) as attributes; off unless the user opted in. */
  includeContent: boolean;
  serverFacts?: (serverId: string) => ServerFacts | undefined;
}

/** Attribute names the semantic-conventions package keeps in its incubating entry (too large to load for a handful of strings). */
export const ATTR = {
  mcpMethod: 'mcp.method.name',
  mcpSession: 'mcp.session.id',
  mcpProtocol: 'mcp.protocol.version',
  operation: 'gen_ai.operation.name',
  toolName: 'gen_ai.tool.name',
  toolType: 'gen_ai.tool.type',
  toolArgs: 'gen_ai.tool.call.arguments',
  toolResult: 'gen_ai.tool.call.result',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  agentName: 'gen_ai.agent.name',
  conversation: 'gen_ai.conversation.id',
  networkTransport: 'network.transport',
  networkProtocol: 'network.protocol.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
} as const;

/** Tokens the run's model turns used (an agent's invoke_agent span reports these, not the tool calls' counts). */
export interface ModelUsage {
  input: number;
  output: number;
}

/** Adds a record's model tokens to `usage` (other records leave it as it is). */
export function addModelUsage(usage: ModelUsage, record: StepRecord): void {
  if (record.kind !== 'model') return;
  usage.input += record.tokens_in;
  usage.output += record.tokens_out;
}

/** The session span, from its header and (once it ended) its result or end line. */
export function sessionSpan(header: SessionHeader, end: SessionResult | SessionEnd | undefined, nowMs: number, usage?: ModelUsage): SpanModel {
  const kind = header.run_kind ?? 'session';
  const startMs = Date.parse(header.started_at);
  const attributes: SpanAttributes = {
    'mcp_harness.run.kind': kind,
    'mcp_harness.run.name': header.name,
    'mcp_harness.session.id': header.session_id,
    'mcp_harness.config_hash': header.config_hash,
    'mcp_harness.servers': header.servers,
    [ATTR.conversation]: header.session_id,
  };
  if (header.source_file) attributes['mcp_harness.session.file'] = header.source_file;
  if (header.model) attributes[ATTR.requestModel] = header.model;
  if (kind === 'agent') {
    attributes[ATTR.operation] = 'invoke_agent';
    attributes[ATTR.agentName] = header.name;
  }
  if (kind === 'agent' && usage) {
    attributes[ATTR.inputTokens] = usage.input;
    attributes[ATTR.outputTokens] = usage.output;
  }
  let error: string | undefined;
  if (end) {
    attributes['mcp_harness.status'] = end.status;
    attributes['mcp_harness.steps'] = end.totals.steps;
    attributes['mcp_harness.cost_est_usd'] = end.totals.cost_est;
    attributes['mcp_harness.tokens.in'] = end.totals.tokens_in;
    attributes['mcp_harness.tokens.out'] = end.totals.tokens_out;
    if (end.status !== 'passed') {
      attributes[ATTR.errorType] = end.status;
      error = end.error ?? `The run ended ${end.status}.`;
    }
  }
  return {
    key: { sessionId: header.session_id },
    name: kind === 'agent' ? `invoke_agent ${header.name}` : `${kind} ${header.name}`,
    kind: 'internal',
    startMs,
    endMs: end ? startMs + end.duration_ms : nowMs,
    attributes,
    ...(error ? { error } : {}),
  };
}

/** A step's span: a tool call, a model turn or a code step. */
export function stepSpan(record: StepRecord, options: SpanModelOptions): SpanModel {
  const startMs = Date.parse(record.started_at);
  const key: SpanKey = { sessionId: record.session_id, stepId: record.step_id, ...(record.parent_id !== undefined ? { parentId: record.parent_id } : {}) };
  const base: SpanAttributes = {
    'mcp_harness.step.id': record.step_id,
    'mcp_harness.decision': record.decision,
    'mcp_harness.findings': record.findings.length,
    'mcp_harness.cost_est_usd': record.cost_est,
  };
  if (record.findings.length) base['mcp_harness.finding.kinds'] = [...new Set(record.findings.map((f) => f.kind))];
  if (record.reused) base['mcp_harness.reused'] = true;
  const shape = record.kind === 'model' ? modelTurn(record, options) : record.kind === 'code' ? codeStep(record, options) : toolCall(record, options);
  const errorType = record.decision !== 'ok' ? record.decision : record.is_error ? 'tool_error' : undefined;
  const attributes = { ...base, ...shape.attributes, ...(errorType ? { [ATTR.errorType]: errorType } : {}) };
  const error = errorType ? (record.error ?? record.reasons[0] ?? errorType) : undefined;
  return { key, name: shape.name, kind: shape.kind, startMs, endMs: startMs + record.latency_ms, attributes, ...(error ? { error } : {}) };
}

type Shape = Pick<SpanModel, 'name' | 'kind' | 'attributes'>;

function toolCall(record: StepRecord, options: SpanModelOptions): Shape {
  const attributes: SpanAttributes = {
    [ATTR.mcpMethod]: 'tools/call',
    [ATTR.toolName]: record.tool,
    [ATTR.operation]: 'execute_tool',
    'mcp_harness.server': record.server,
    'mcp_harness.tokens.in': record.tokens_in,
    'mcp_harness.tokens.out': record.tokens_out,
  };
  Object.assign(attributes, connectionAttributes(options.serverFacts?.(record.server)));
  if (options.includeContent) {
    if (record.args !== undefined) attributes[ATTR.toolArgs] = json(record.args);
    if (record.output !== undefined) attributes[ATTR.toolResult] = json(record.output);
  }
  return { name: `tools/call ${record.tool}`, kind: 'client', attributes };
}

function modelTurn(record: StepRecord, options: SpanModelOptions): Shape {
  const turn = record.model_turn;
  const model = turn?.model ?? record.tool;
  const attributes: SpanAttributes = {
    [ATTR.operation]: 'chat',
    [ATTR.provider]: turn?.provider ?? record.server,
    [ATTR.requestModel]: model,
    [ATTR.inputTokens]: record.tokens_in,
    [ATTR.outputTokens]: record.tokens_out,
  };
  if (turn) {
    attributes['mcp_harness.turn'] = turn.turn;
    attributes['mcp_harness.usage_source'] = turn.usage_source;
    if (turn.stop_reason) attributes[ATTR.finishReasons] = [turn.stop_reason];
  }
  if (options.includeContent) {
    if (record.args !== undefined) attributes[ATTR.inputMessages] = json(record.args);
    if (record.output !== undefined) attributes[ATTR.outputMessages] = json(record.output);
  }
  return { name: `chat ${model}`, kind: 'client', attributes };
}

function codeStep(record: StepRecord, options: SpanModelOptions): Shape {
  const attributes: SpanAttributes = {
    [ATTR.operation]: 'execute_tool',
    [ATTR.toolName]: record.tool,
    [ATTR.toolType]: 'extension',
    'mcp_harness.tokens.raw': record.tokens_raw ?? 0,
    'mcp_harness.tokens.returned': record.tokens_returned ?? 0,
  };
  if (options.includeContent) {
    if (record.args !== undefined) attributes[ATTR.toolArgs] = json(record.args);
    if (record.output !== undefined) attributes[ATTR.toolResult] = json(record.output);
  }
  return { name: `execute_tool ${record.tool}`, kind: 'internal', attributes };
}

/** stdio is a pipe; Streamable HTTP and SSE run over TCP (semconv's network.transport values). */
function connectionAttributes(facts: ServerFacts | undefined): SpanAttributes {
  if (!facts) return {};
  const out: SpanAttributes = {};
  if (facts.transport) out[ATTR.networkTransport] = facts.transport === 'stdio' ? 'pipe' : 'tcp';
  if (facts.transport && facts.transport !== 'stdio') out[ATTR.networkProtocol] = 'http';
  if (facts.protocolVersion) out[ATTR.mcpProtocol] = facts.protocolVersion;
  if (facts.mcpSessionId) out[ATTR.mcpSession] = facts.mcpSessionId;
  if (facts.url) {
    try {
      const url = new URL(facts.url);
      out[ATTR.serverAddress] = url.hostname;
      out[ATTR.serverPort] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    } catch {
      // A URL the server manager accepted but URL cannot parse tells a span nothing.
    }
  }
  return out;
}

/** Content as an attribute: the trace's redacted copy, scanned once more because not every record is redacted
 * (a code step keeps its code as written, and code may hold a key). */
function json(value: unknown): string {
  return JSON.stringify(scanValue(value, CONTENT_SCAN, undefined, 'record').redacted) ?? '';
}

/** What a server manager can say about a server's connection: enough for a span's network attributes. */
export interface ServerFactsSource {
  state(id: string): { transportUsed?: ServerFacts['transport']; protocol?: { version: string }; mcpSessionId?: string } | undefined;
  definition(id: string): { url?: string } | undefined;
}

export function serverFactsOf(source: ServerFactsSource): (serverId: string) => ServerFacts | undefined {
  return (serverId) => {
    const state = source.state(serverId);
    const url = source.definition(serverId)?.url;
    if (!state?.transportUsed && !url) return undefined;
    return {
      ...(state?.transportUsed ? { transport: state.transportUsed } : {}),
      ...(state?.protocol ? { protocolVersion: state.protocol.version } : {}),
      ...(state?.mcpSessionId ? { mcpSessionId: state.mcpSessionId } : {}),
      ...(url && state?.transportUsed !== 'stdio' ? { url } : {}),
    };
  };
}
