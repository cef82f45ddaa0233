// Answers a server's sampling request with a model picked through the Language Model API: the user's
// preferred model (mcpHarness.sampling.model), else the first model matching the server's model hints, else
// the first available one. The user consents per server (./samplingConsent) seeing the exact prompt first.
// The reply is capped at the smaller of the server's maxTokens and mcpHarness.sampling.maxTokens.
import * as vscode from 'vscode';
import type { CreateMessageRequestParams, CreateMessageResult } from '../../core/servers/serverRequests';
import type { SamplingSettings } from '../config';
import type { SamplingConsent, SamplingConsentRequest } from './samplingConsent';

/** Tokens counted with the model's own tokenizer, for the trace record (and cost). */
export interface SamplingUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface SampledReply {
  result: CreateMessageResult;
  usage: SamplingUsage;
}

/** Why a sampling request was not answered: a sentence for the server's error and the trace. */
export class SamplingRefused extends Error {}

type Block = { type: string; text?: string; mimeType?: string; id?: string; name?: string; input?: unknown; toolUseId?: string; content?: Block[]; isError?: boolean };

const blocks = (content: unknown): Block[] => (Array.isArray(content) ? content : [content]) as Block[];

/** How a content block reads in the consent modal and to a text-only model. */
function blockText(b: Block): string {
  switch (b.type) {
    case 'text':
      return b.text ?? '';
    case 'tool_use':
      return `(call of tool ${b.name} with ${JSON.stringify(b.input ?? {})})`;
    case 'tool_result':
      return `(result of tool call ${b.toolUseId}${b.isError ? ', an error' : ''}: ${(b.content ?? []).map(blockText).join(' ')})`;
    default:
      return `(${b.type}${b.mimeType ? `, ${b.mimeType}` : ''}: not sent, the Language Model API takes text)`;
  }
}

function toChatMessage(m: CreateMessageRequestParams['messages'][number]): vscode.LanguageModelChatMessage {
  const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart | vscode.LanguageModelToolResultPart)[] = blocks(m.content).map((b) => {
    if (b.type === 'tool_use' && m.role === 'assistant') return new vscode.LanguageModelToolCallPart(b.id ?? '', b.name ?? '', (b.input ?? {}) as object);
    if (b.type === 'tool_result' && m.role === 'user') {
      return new vscode.LanguageModelToolResultPart(b.toolUseId ?? '', (b.content ?? []).map((c) => new vscode.LanguageModelTextPart(blockText(c))));
    }
    return new vscode.LanguageModelTextPart(blockText(b));
  });
  return m.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(parts as never) : vscode.LanguageModelChatMessage.User(parts as never);
}

/** The prompt as the user is shown it and as it is sent. */
export function promptOf(params: CreateMessageRequestParams): Pick<SamplingConsentRequest, 'systemPrompt' | 'messages' | 'tools'> {
  return {
    systemPrompt: params.systemPrompt,
    messages: params.messages.map((m) => ({ role: m.role, text: blocks(m.content).map(blockText).join('\n') })),
    tools: params.toolChoice?.mode === 'none' ? [] : (params.tools ?? []).map((t) => t.name),
  };
}

export class LanguageModelSampler {
  constructor(
    private readonly consent: SamplingConsent,
    private readonly settings: () => SamplingSettings,
  ) {}

  /** The model for a request: the configured one, else a hinted one, else the first; undefined when there is none. */
  async pickModel(params: Pick<CreateMessageRequestParams, 'modelPreferences'>): Promise<vscode.LanguageModelChat | undefined> {
    const models = await vscode.lm.selectChatModels();
    const wanted = this.settings().model;
    if (wanted) {
      const configured = models.find((m) => `${m.vendor}/${m.id}` === wanted || m.id === wanted || m.family === wanted);
      if (!configured) throw new SamplingRefused(`No language model matches '${wanted}'. Available: ${models.map((m) => `${m.vendor}/${m.id}`).join(', ') || 'none'}.`);
      return configured;
    }
    for (const hint of params.modelPreferences?.hints ?? []) {
      const name = hint.name?.toLowerCase();
      const hinted = name ? models.find((m) => [m.id, m.family, m.name].some((s) => s.toLowerCase().includes(name))) : undefined;
      if (hinted) return hinted;
    }
    return models[0];
  }

  async answer(server: string, params: CreateMessageRequestParams, signal?: AbortSignal): Promise<SampledReply> {
    const settings = this.settings();
    const policy = settings.servers[server] ?? settings.policy;
    if (policy === 'deny') throw new SamplingRefused(`Sampling is denied for the server '${server}' by the sampling policy.`);
    const model = await this.pickModel(params);
    if (!model) throw new SamplingRefused('No language model is available to answer the sampling request.');
    const maxTokens = Math.min(params.maxTokens, settings.maxTokens);
    const prompt = promptOf(params);
    const modelName = `${model.name} (${model.vendor}/${model.id})`;
    if (policy === 'ask' && !(await this.consent.ask({ server, model: modelName, maxTokens, ...prompt }))) {
      throw new SamplingRefused(`The user declined the sampling request of '${server}'.`);
    }
    return this.send(model, params, maxTokens, signal);
  }

  private async send(model: vscode.LanguageModelChat, params: CreateMessageRequestParams, maxTokens: number, signal?: AbortSignal): Promise<SampledReply> {
    const messages = params.messages.map(toChatMessage);
    // The Language Model API has no system role: the system prompt goes first, as the user's instructions.
    if (params.systemPrompt) messages.unshift(vscode.LanguageModelChatMessage.User(params.systemPrompt));
    const tools = params.toolChoice?.mode === 'none' ? [] : (params.tools ?? []).map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema }));
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await model.sendRequest(
        messages,
        {
          justification: 'An MCP server asked for a completion (sampling); you allowed it after seeing the prompt.',
          modelOptions: { maxTokens, ...(params.temperature !== undefined ? { temperature: params.temperature } : {}), ...(params.stopSequences ? { stop: params.stopSequences } : {}) },
          tools,
          toolMode: params.toolChoice?.mode === 'required' ? vscode.LanguageModelChatToolMode.Required : vscode.LanguageModelChatToolMode.Auto,
        },
        cts.token,
      );
      const { text, calls, truncated } = await this.collect(model, response, maxTokens, cts);
      const inputTokens = (await Promise.all(messages.map((m) => model.countTokens(m)))).reduce((a, b) => a + b, 0);
      const outputTokens = text ? await model.countTokens(text) : 0;
      const content = calls.length
        ? [...(text ? [{ type: 'text' as const, text }] : []), ...calls.map((c) => ({ type: 'tool_use' as const, id: c.callId, name: c.name, input: c.input as Record<string, unknown> }))]
        : { type: 'text' as const, text };
      const result = { role: 'assistant', content, model: `${model.vendor}/${model.id}`, stopReason: truncated ? 'maxTokens' : calls.length ? 'toolUse' : 'endTurn' } as CreateMessageResult;
      return { result, usage: { model: `${model.vendor}/${model.id}`, inputTokens, outputTokens } };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  /** Reads the stream; stops (and cancels the request) once the text is over maxTokens by the model's count. */
  private async collect(model: vscode.LanguageModelChat, response: vscode.LanguageModelChatResponse, maxTokens: number, cts: vscode.CancellationTokenSource) {
    let text = '';
    const calls: vscode.LanguageModelToolCallPart[] = [];
    for await (const part of response.stream) {
      if (part instanceof vscode.LanguageModelToolCallPart) calls.push(part);
      else if (part instanceof vscode.LanguageModelTextPart) text += part.value;
      // A token is at least one character: only a text this long can be over the limit.
      if (text.length > maxTokens && (await model.countTokens(text)) > maxTokens) {
        cts.cancel();
        return { text: await this.trim(model, text, maxTokens), calls, truncated: true };
      }
    }
    return { text, calls, truncated: false };
  }

  private async trim(model: vscode.LanguageModelChat, text: string, maxTokens: number): Promise<string> {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((await model.countTokens(text.slice(0, mid))) <= maxTokens) lo = mid;
      else hi = mid - 1;
    }
    return text.slice(0, lo);
  }
}
