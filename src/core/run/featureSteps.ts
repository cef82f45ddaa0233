// Resource reads and prompt gets as guarded, traced steps: the server must be reachable in the run, the
// policy's allow/deny globs are matched against "server/uri" or "server/prompt", templates are filled
// (RFC 6570, the SDK's UriTemplate), and what comes back passes the output guardrails like a tool's output.
import { performance } from 'node:perf_hooks';
import type { CallToolResult, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { Decision, StepKind, StepRecord } from '../../protocol/trace';
import { globMatches } from '../guards/policy';
import type { ConnectionProvider } from '../guards/pipeline';
import { withholdReason } from '../guards/outputGuard';
import { capForTrace } from '../guards/output';
import { PiiVault, scanValue } from '../guards/redact';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';
import type { CallOptions } from '../servers/types';
import type { MetricsQueue } from '../tokens/index';

export interface FeatureStepRequest {
  server: string;
  stepId: string;
  /** Resource steps: a URI or an RFC 6570 template; prompt steps: the prompt's name. */
  target: string;
  args?: Record<string, unknown>;
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
  signal?: AbortSignal;
}

export interface FeatureStepOutcome {
  record: StepRecord;
  /** The guarded result as text content (what `${steps.ID.text}` and `expect` read); absent when denied or failed. */
  result?: CallToolResult;
  /** The guarded result as the server shaped it. */
  raw?: ReadResourceResult | GetPromptResult;
}

/** What a connection offers beyond tools (the ServerManager's handles have both). */
interface FeatureConnection {
  readResource(uri: string, options?: CallOptions): Promise<ReadResourceResult>;
  getPrompt(name: string, args?: Record<string, string>, options?: CallOptions): Promise<GetPromptResult>;
}

export interface FeatureGateOptions {
  sessionId: string;
  connections: ConnectionProvider;
  servers: readonly string[];
  vault: PiiVault;
  metrics: MetricsQueue;
}

type UriTemplateModule = typeof import('@modelcontextprotocol/sdk/shared/uriTemplate.js');

export class FeatureGate {
  constructor(private readonly options: FeatureGateOptions) {}

  readResource(request: FeatureStepRequest): Promise<FeatureStepOutcome> {
    return this.run('resource', request, async (conn) => {
      const uri = fillTemplate(request.target, request.args ?? {});
      return { uri, result: await conn.readResource(uri, this.callOptions(request)) };
    });
  }

  getPrompt(request: FeatureStepRequest): Promise<FeatureStepOutcome> {
    const args = Object.fromEntries(Object.entries(request.args ?? {}).map(([k, v]) => [k, String(v)]));
    return this.run('prompt', request, async (conn) => ({ result: await conn.getPrompt(request.target, args, this.callOptions(request)) }));
  }

  /** The run's signal and timeouts; the origin lets a server's requests during the read be recorded under the step. */
  private callOptions(request: FeatureStepRequest): CallOptions {
    return {
      ...(request.signal ? { signal: request.signal } : {}),
      timeoutMs: request.policy.timeoutMs,
      ...(request.policy.maxTotalTimeoutMs ? { maxTotalTimeoutMs: request.policy.maxTotalTimeoutMs } : {}),
      origin: { sessionId: this.options.sessionId, stepId: request.stepId },
    };
  }

  private async run(
    kind: Extract<StepKind, 'resource' | 'prompt'>,
    request: FeatureStepRequest,
    fetch: (conn: FeatureConnection) => Promise<{ uri?: string; result: ReadResourceResult | GetPromptResult }>,
  ): Promise<FeatureStepOutcome> {
    const t0 = performance.now();
    const record = this.begin(kind, request);
    const finish = (decision: Decision, reason?: string, text = ''): StepRecord => {
      record.decision = decision;
      if (reason) record.reasons.push(reason);
      if (decision !== 'ok') record.error ??= reason;
      record.latency_ms = Math.round((performance.now() - t0) * 1000) / 1000;
      record.stages.push({ stage: 'record', decision: 'pass', reasons: [] });
      const argsText = JSON.stringify(request.args ?? {});
      this.options.metrics.enqueue(record, () => argsText, () => text);
      return record;
    };
    const subject = `${request.server}/${request.target}`;
    if (!this.options.servers.includes(request.server)) {
      const reason = `The server '${request.server}' is not available to this session (available: ${this.options.servers.join(', ') || 'none'}).`;
      record.stages.push({ stage: 'preflight', decision: 'error', reasons: [reason] });
      return { record: finish('error', reason) };
    }
    const denied = featurePolicy(subject, request.policy);
    if (denied) {
      record.stages.push({ stage: 'policy', decision: 'denied_policy', reasons: [denied.reason], rule: denied.rule });
      return { record: finish('denied_policy', denied.reason) };
    }
    record.stages.push({ stage: 'policy', decision: 'pass', reasons: [] });
    let fetched: { uri?: string; result: ReadResourceResult | GetPromptResult };
    const ts = performance.now();
    try {
      const conn = (await this.options.connections.ensureStarted(request.server)) as unknown as Partial<FeatureConnection>;
      if (typeof conn.readResource !== 'function' || typeof conn.getPrompt !== 'function') throw new Error(`the connection to '${request.server}' cannot read resources or get prompts`);
      fetched = await fetch(conn as FeatureConnection);
    } catch (err) {
      const message = (err as Error).message;
      const decision: Decision = /timed? ?out/i.test(message) ? 'timeout' : 'error';
      record.stages.push({ stage: 'execute', decision, reasons: [message] });
      return { record: finish(decision, `${kind === 'resource' ? 'Reading' : 'Getting'} '${subject}' failed: ${message}`) };
    }
    // The filled URI carries the step's arguments: masked like them.
    if (fetched.uri && fetched.uri !== request.target) record.tool = scanValue(fetched.uri, request.guardrails, undefined, 'record').redacted as string;
    record.stages.push({ stage: 'execute', decision: 'pass', reasons: [], duration_ms: Math.round((performance.now() - ts) * 1000) / 1000 });
    return this.guard(record, request.guardrails, fetched.result, finish);
  }

  private begin(kind: StepKind, request: FeatureStepRequest): StepRecord {
    return {
      type: 'step',
      session_id: this.options.sessionId,
      step_id: request.stepId,
      kind,
      role: 'tool',
      channel: 'tool_to_llm',
      server: request.server,
      tool: request.target,
      decision: 'ok',
      reasons: [],
      stages: [],
      args: scanValue(request.args ?? {}, request.guardrails, undefined, 'record', '$.args').redacted,
      started_at: new Date().toISOString(),
      latency_ms: 0,
      tokens_in: 0,
      tokens_out: 0,
      cost_est: 0,
      findings: [],
    };
  }

  /** The output guardrails, as for a tool's output: findings, masking, withholding under hard_gate / mixed. */
  private guard(record: StepRecord, guardrails: GuardrailsConfig, raw: ReadResourceResult | GetPromptResult, finish: (d: Decision, r?: string, text?: string) => StepRecord): FeatureStepOutcome {
    const scan = scanValue(raw, guardrails, this.options.vault, 'guardrails');
    record.findings.push(...scan.findings);
    const withheld = withholdReason(guardrails, scan);
    record.stages.push({ stage: 'guardrails', decision: withheld ? 'denied_guardrail' : 'pass', reasons: withheld ? [withheld] : [] });
    const passed = (guardrails.mode === 'advisory' ? raw : scan.redacted) as ReadResourceResult | GetPromptResult;
    record.output = capForTrace(withoutBlobs(guardrails.redact.length ? (scan.redacted as object) : raw));
    if (withheld) return { record: finish('denied_guardrail', `The output was withheld: ${withheld}.`) };
    const text = featureText(passed);
    return { record: finish('ok', undefined, text), result: { content: [{ type: 'text', text }] }, raw: passed };
  }
}

/** deny globs, then allow globs, over "server/uri" or "server/prompt"; a trailing "*" also spans the URI's slashes. */
export function featurePolicy(subject: string, policy: PolicyConfig): { rule: string; reason: string } | undefined {
  const matches = (glob: string) => globMatches(glob, subject) || (glob.endsWith('*') && globMatches(`${glob}*`, subject));
  const deny = policy.deny.find(matches);
  if (deny) return { rule: `deny:${deny}`, reason: `'${subject}' matches the deny rule '${deny}'.` };
  if (policy.allow.length && !policy.allow.some(matches)) return { rule: 'allow', reason: `'${subject}' matches none of the allow rules (${policy.allow.join(', ')}); add it to policy.allow.` };
  return undefined;
}

/** Fills an RFC 6570 template from the step's args; a plain URI is returned as it is. */
export function fillTemplate(uri: string, args: Record<string, unknown>): string {
  if (!uri.includes('{')) return uri;
  const { UriTemplate } = require('@modelcontextprotocol/sdk/shared/uriTemplate.js') as UriTemplateModule;
  const template = new UriTemplate(uri);
  const names = [...uri.matchAll(/\{[+#./;?&]?([^}]+)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.replace(/\*$|:\d+$/, '')));
  const missing = names.filter((n) => args[n] === undefined);
  if (missing.length) throw new Error(`the URI template '${uri}' needs ${missing.map((n) => `"${n}"`).join(', ')} in the step's "args"`);
  return template.expand(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])));
}

/** The text a model would read of a resource (its text contents) or a prompt (its messages' text). */
export function featureText(result: ReadResourceResult | GetPromptResult): string {
  if ('contents' in result) return (result as ReadResourceResult).contents.map((c) => ('text' in c ? c.text : `[${c.mimeType ?? 'binary'} resource ${c.uri}]`)).join('\n');
  return (result as GetPromptResult).messages.map((m) => `${m.role}: ${m.content.type === 'text' ? m.content.text : m.content.type === 'resource' && 'text' in m.content.resource ? m.content.resource.text : `[${m.content.type}]`}`).join('\n');
}

/** Base64 blobs are kept out of traces: their size and type are what a reader needs. */
function withoutBlobs(value: object): unknown {
  if (!('contents' in value) || !Array.isArray(value.contents)) return value;
  return { ...value, contents: value.contents.map((c: Record<string, unknown>) => (typeof c.blob === 'string' ? { ...c, blob: `[${Math.floor((c.blob.length * 3) / 4)} bytes not stored in the trace]` } : c)) };
}
