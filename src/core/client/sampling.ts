// sampling/createMessage: a prompt a server writes for the user's model. It is an attack channel like a
// tool's output, so it passes the same guards: the run's sampling policy (deny / ask / allow, per server),
// maxTokens capped, the messages through the input guardrails (secrets and PII masked, an injection denied
// under hard_gate), the model's reply through the output guardrails, and one trace record of kind
// 'sampling' under the step whose call caused it, with tokens and cost. A request that offers tools passes them
// to the model; tool calls in the reply go back as `tool_use` content (stopReason 'toolUse'), their inputs
// through the same output guardrails, and the record names the tools offered and used.
import type { Finding, SamplingDetail, StageResult } from '../../protocol/trace';
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { withholdReason } from '../guards/outputGuard';
import { scanValue } from '../guards/redact';
import type { GuardrailsConfig } from '../guards/types';
import type { CreateMessageRequestParams, CreateMessageResult, CreateMessageResultWithTools, ServerRequestContext } from '../servers/serverRequests';
import { countTokens, estimateCost, priceFor, type PriceTable } from '../tokens/index';
import { featureRecord, RecordIds } from './records';
import type { ClientRuns } from './runs';
import { DEFAULT_SAMPLING_MAX_TOKENS, type ClientHost, type ClientRun, type RunAnswerer, type SamplingAnswer, type SamplingPolicy, type SamplingPrompt, type SamplingToolUse } from './types';

/** The model name a session's scripted `sampling.reply` answers as. */
export const SESSION_REPLY_MODEL = 'session-reply';

/** A refused sampling request: the server gets this message as the request's error. */
export class SamplingDenied extends Error {}

interface Attempt {
  ctx: ServerRequestContext;
  params: CreateMessageRequestParams;
  run?: ClientRun;
  parentId?: string;
  guardrails: GuardrailsConfig;
  policy: SamplingPolicy;
  startedMs: number;
  stages: StageResult[];
  findings: Finding[];
  detail: SamplingDetail;
}

/** The model's reply as the output guardrails see it: its text and the inputs of the tools it called. */
interface Reply {
  text: string;
  toolUses: SamplingToolUse[];
}

/** A reply with tool calls: its text (if any) and one tool_use block per call. */
function replyContent(reply: Reply): CreateMessageResultWithTools['content'] {
  return [
    ...(reply.text ? [{ type: 'text' as const, text: reply.text }] : []),
    ...reply.toolUses.map((t) => ({ type: 'tool_use' as const, id: t.id, name: t.name, input: t.input })),
  ];
}

export class SamplingFeature {
  constructor(
    private readonly host: ClientHost,
    private readonly runs: ClientRuns,
    private readonly ids: RecordIds,
    private readonly prices?: PriceTable,
  ) {}

  /** The policy for a server in a run: the session's per-server entry, its policy, else the host's default. */
  policyFor(server: string, run: ClientRun | undefined): SamplingPolicy {
    const s = run?.settings.sampling;
    return s?.servers?.[server] ?? s?.policy ?? this.host.samplingDefault;
  }

  async createMessage(ctx: ServerRequestContext, params: CreateMessageRequestParams): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    const found = this.runs.forOrigin(ctx.origin);
    const run = found?.run ?? (ctx.origin === undefined ? this.runs.unattributed(ctx.server, 'sampling') : undefined);
    const policy = this.policyFor(ctx.server, run);
    const a: Attempt = {
      ctx,
      params,
      run,
      parentId: found?.origin.stepId,
      guardrails: run?.guardrails ?? DEFAULT_GUARDRAILS,
      policy,
      startedMs: Date.now(),
      stages: [],
      findings: [],
      detail: { policy, via: ctx.via, max_tokens_requested: params.maxTokens, ...(params.tools?.length ? { tools_offered: params.tools.map((t) => t.name) } : {}) },
    };
    const prompt = this.guardPrompt(a);
    try {
      this.checkPolicy(a);
      await this.consent(a, prompt);
      const answer = await this.answer(a, prompt);
      // Tool calls only answer a request that offered tools (a server without them could not read tool_use).
      const toolUses = params.tools?.length ? (answer.toolUses ?? []) : [];
      const reply = this.guardReply(a, { text: answer.text, toolUses });
      if (toolUses.length) a.detail.tools_used = reply.toolUses.map((t) => t.name);
      this.record(a, prompt, 'ok', [], reply, answer);
      if (toolUses.length) return { role: 'assistant', content: replyContent(reply), model: answer.model, stopReason: 'toolUse' };
      return { role: 'assistant', content: { type: 'text', text: reply.text }, model: answer.model, ...(answer.stopReason ? { stopReason: answer.stopReason } : { stopReason: 'endTurn' }) };
    } catch (err) {
      const denied = err instanceof SamplingDenied;
      const message = (err as Error).message;
      this.record(a, prompt, denied ? (a.stages.some((s) => s.stage === 'guardrails' && s.decision === 'denied_guardrail') ? 'denied_guardrail' : 'denied_policy') : ctx.signal.aborted ? 'cancelled' : 'error', [message]);
      throw err;
    }
  }

  /** The input guardrails: what the model and the consent dialog see, and what the trace keeps. */
  private guardPrompt(a: Attempt): SamplingPrompt {
    const { params } = a;
    const scan = scanValue({ systemPrompt: params.systemPrompt, messages: params.messages }, a.guardrails, a.run?.vault, 'guardrails', '$.params');
    for (const f of scan.findings) a.findings.push(f.kind === 'injection' ? { ...f, message: f.message.replace('the tool output', 'the sampling request') } : f);
    const withheld = withholdReason(a.guardrails, scan, 'the sampling request');
    a.stages.push({ stage: 'guardrails', decision: withheld ? 'denied_guardrail' : 'pass', reasons: withheld ? [withheld] : ['the request passed the input guardrails'] });
    const redacted = scan.redacted as { systemPrompt?: string; messages: CreateMessageRequestParams['messages'] };
    keepToolCallIds(redacted.messages, params.messages);
    // Advisory mode records findings only: the model gets the request as the server wrote it.
    const shown = a.guardrails.mode === 'advisory' ? { systemPrompt: params.systemPrompt, messages: params.messages } : redacted;
    const cap = a.run?.settings.sampling?.maxTokens ?? this.host.samplingMaxTokens ?? DEFAULT_SAMPLING_MAX_TOKENS;
    const maxTokens = Math.max(1, Math.min(params.maxTokens, cap));
    a.detail.max_tokens_granted = maxTokens;
    if (maxTokens < params.maxTokens) a.findings.push({ stage: 'policy', kind: 'sampling.max_tokens_capped', severity: 'info', message: `The server asked for ${params.maxTokens} tokens; sampling.maxTokens caps it at ${cap}.` });
    return {
      server: a.ctx.server,
      ...(shown.systemPrompt !== undefined ? { systemPrompt: shown.systemPrompt } : {}),
      messages: shown.messages,
      maxTokens,
      ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      ...(params.stopSequences ? { stopSequences: params.stopSequences } : {}),
      ...(params.modelPreferences ? { modelPreferences: params.modelPreferences } : {}),
      ...(params.tools?.length ? { tools: params.tools } : {}),
      ...(params.toolChoice ? { toolChoice: params.toolChoice } : {}),
    };
  }

  private checkPolicy(a: Attempt): void {
    const withheld = a.stages.find((s) => s.decision === 'denied_guardrail');
    if (withheld) throw new SamplingDenied(`The sampling request from '${a.ctx.server}' was refused: ${withheld.reasons[0]}.`);
    if (a.policy === 'deny') {
      a.stages.push({ stage: 'policy', decision: 'denied_policy', reasons: ['sampling policy is deny'], rule: 'sampling:deny' });
      throw new SamplingDenied(`Sampling is not allowed for the server '${a.ctx.server}' (its sampling policy is "deny"). Set the sampling policy to "allow" or "ask" to let it use a model.`);
    }
  }

  private async consent(a: Attempt, prompt: SamplingPrompt): Promise<void> {
    if (a.policy !== 'ask') {
      a.stages.push({ stage: 'policy', decision: 'pass', reasons: ['sampling policy is allow'], rule: 'sampling:allow' });
      return;
    }
    const agreed = this.host.consentToSampling ? await this.host.consentToSampling(prompt).catch(() => false) : false;
    if (!agreed) {
      const why = this.host.consentToSampling ? 'the user did not agree to send it to a model' : 'the sampling policy is "ask" and there is no one to ask here';
      a.stages.push({ stage: 'policy', decision: 'denied_policy', reasons: [why], rule: 'sampling:ask' });
      throw new SamplingDenied(`The sampling request from '${a.ctx.server}' was refused: ${why}. Set the sampling policy to "allow" to answer without asking.`);
    }
    a.stages.push({ stage: 'policy', decision: 'pass', reasons: ['the user agreed'], rule: 'sampling:ask' });
  }

  /** The run's answerer (a gateway's client that declared sampling), else the session's scripted reply, else the host's model. */
  private async answer(a: Attempt, prompt: SamplingPrompt): Promise<SamplingAnswer> {
    const reply = a.run?.settings.sampling?.reply;
    const found = a.parentId ? a.run?.answererFor?.(a.parentId) : undefined;
    // A request that offers tools goes only to a client that declared sampling with tools.
    const forward = found && (!prompt.tools?.length || found.samplingWithTools) ? found : undefined;
    const t0 = Date.now();
    let answer: SamplingAnswer;
    if (forward?.createMessage) {
      answer = await this.forwarded(a, prompt, forward.name, forward.createMessage.bind(forward));
      a.stages.push({ stage: 'execute', decision: 'pass', reasons: [`answered by ${forward.name} (the gateway's client)`], duration_ms: Date.now() - t0 });
      a.detail.model = answer.model;
      return answer;
    }
    if (reply !== undefined) answer = { text: reply, model: SESSION_REPLY_MODEL };
    else if (this.host.model) answer = await this.host.model.answer(prompt, a.ctx.signal);
    else {
      a.stages.push({ stage: 'execute', decision: 'error', reasons: ['no model'] });
      throw new Error(`No model is available to answer the sampling request from '${a.ctx.server}'. Give the session a "sampling": {"reply": "…"} or use a host with a model.`);
    }
    a.detail.model = answer.model;
    const by = reply !== undefined ? a.run?.settings.sampling?.by : undefined;
    a.stages.push({ stage: 'execute', decision: 'pass', reasons: by ? [`answered by ${by}`] : [], duration_ms: Date.now() - t0 });
    return answer;
  }

  /**
   * The guarded prompt goes to the client that forwards it; its reply comes back as text and tool calls (what
   * the output guardrails read). Other content (images, audio) is refused rather than passed on unguarded.
   */
  private async forwarded(a: Attempt, prompt: SamplingPrompt, name: string, createMessage: NonNullable<RunAnswerer['createMessage']>): Promise<SamplingAnswer> {
    const { server: _server, ...params } = prompt;
    let result: CreateMessageResult | CreateMessageResultWithTools;
    try {
      result = await createMessage(params, a.ctx.signal);
    } catch (err) {
      a.stages.push({ stage: 'execute', decision: 'error', reasons: [`${name} did not answer: ${(err as Error).message}`] });
      throw new Error(`The sampling request from '${a.ctx.server}' was forwarded to ${name}, which did not answer: ${(err as Error).message}`);
    }
    const blocks = (Array.isArray(result.content) ? result.content : [result.content]) as { type: string; text?: string; id?: string; name?: string; input?: Record<string, unknown> }[];
    const other = blocks.find((b) => !(b.type === 'text' && typeof b.text === 'string') && b.type !== 'tool_use');
    if (other) {
      a.stages.push({ stage: 'execute', decision: 'error', reasons: [`${name} answered with ${other.type} content`] });
      throw new Error(`${name} answered the sampling request from '${a.ctx.server}' with ${other.type} content; the gateway passes on text and tool calls only.`);
    }
    const text = blocks.filter((b) => b.type === 'text').map((b) => b.text!).join('');
    const toolUses = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: String(b.id), name: String(b.name), input: b.input ?? {} }));
    return { text, model: result.model, ...(result.stopReason ? { stopReason: result.stopReason } : {}), ...(toolUses.length ? { toolUses } : {}) };
  }

  /** The output guardrails over the model's reply before the server gets it. */
  private guardReply(a: Attempt, reply: Reply): Reply {
    const scan = scanReply(reply, a.guardrails, a.run?.vault, 'guardrails', '$.reply');
    for (const f of scan.findings) a.findings.push(f.kind === 'injection' ? { ...f, message: f.message.replace('the tool output', "the model's reply") } : f);
    const withheld = withholdReason(a.guardrails, scan, "the model's reply");
    a.stages.push({ stage: 'guardrails', decision: withheld ? 'denied_guardrail' : 'pass', reasons: withheld ? [withheld] : [] });
    if (withheld) throw new SamplingDenied(`The model's reply to '${a.ctx.server}' was withheld: ${withheld}.`);
    return a.guardrails.mode === 'advisory' ? reply : scan.redacted;
  }

  private record(a: Attempt, prompt: SamplingPrompt, decision: 'ok' | 'denied_policy' | 'denied_guardrail' | 'error' | 'cancelled', reasons: string[], reply?: Reply, answer?: SamplingAnswer): void {
    const run = a.run;
    if (!run) return;
    // The trace always gets the redacted prompt, whatever the model was shown.
    const stored = scanValue({ systemPrompt: a.params.systemPrompt, messages: a.params.messages, maxTokens: prompt.maxTokens }, a.guardrails, run.vault, 'record', '$.args').redacted;
    const storedReply = reply === undefined ? undefined : scanReply(reply, a.guardrails, run.vault, 'record', '$.output').redacted;
    const record = featureRecord(run, this.ids.next(run, 'sampling', a.parentId), {
      kind: 'sampling',
      server: a.ctx.server,
      method: 'sampling/createMessage',
      decision,
      reasons,
      args: stored,
      ...(storedReply !== undefined ? { output: { role: 'assistant', content: storedReply.toolUses.length ? replyContent(storedReply) : { type: 'text', text: storedReply.text }, model: answer?.model } } : {}),
      parentId: a.parentId,
      startedMs: a.startedMs,
    });
    record.stages = [...a.stages, { stage: 'record', decision: 'pass', reasons: [] }];
    record.findings = a.findings;
    record.sampling = a.detail;
    if (answer) {
      record.tokens_in = answer.usage?.inputTokens ?? countTokens(JSON.stringify(stored));
      record.tokens_out = answer.usage?.outputTokens ?? countTokens(reply ? JSON.stringify(reply.toolUses.length ? reply : reply.text) : '');
      // The prompt is what the model reads (input price), the reply what it writes (output price).
      record.cost_est = estimateCost(record.tokens_out, record.tokens_in, priceFor(answer.model === SESSION_REPLY_MODEL ? undefined : answer.model, this.prices));
    }
    run.writeChild(record);
  }
}

/**
 * Scans what the model wrote — its text and its tool calls' inputs — and puts the tool calls' ids and names back
 * as they were: an id is the model's handle the server answers with (a long random one looks like a secret).
 */
function scanReply(reply: Reply, ...rest: ScanRest): { redacted: Reply; findings: ReturnType<typeof scanValue>['findings'] } & Omit<ReturnType<typeof scanValue>, 'redacted' | 'findings'> {
  const scan = scanValue({ text: reply.text, inputs: reply.toolUses.map((t) => t.input) }, ...rest);
  const r = scan.redacted as { text: string; inputs: Reply['toolUses'][number]['input'][] };
  return { ...scan, redacted: { text: r.text, toolUses: reply.toolUses.map((t, i) => ({ ...t, input: r.inputs[i] })) } };
}

type ScanRest = Parameters<typeof scanValue> extends [unknown, ...infer R] ? R : never;

/**
 * Puts back the ids that pair a tool call with its result in the conversation (tool_use `id`, tool_result
 * `toolUseId`): they are handles, not content, and a long random one looks like a secret to the scan.
 */
function keepToolCallIds(redacted: CreateMessageRequestParams['messages'], original: CreateMessageRequestParams['messages']): void {
  redacted.forEach((message, i) => {
    const blocks = (m: unknown) => (Array.isArray(m) ? m : [m]) as Record<string, unknown>[];
    const before = blocks(original[i]?.content);
    blocks(message.content).forEach((block, j) => {
      if (block?.type === 'tool_use') block.id = before[j]?.id;
      if (block?.type === 'tool_result') block.toolUseId = before[j]?.toolUseId;
    });
  });
}

