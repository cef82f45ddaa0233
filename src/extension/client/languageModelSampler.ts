// The model that answers sampling requests in VS Code, picked through the Language Model API: the user's
// preferred model (mcpHarness.sampling.model), else the first model matching the server's model hints, else
// the first available one. The core (src/core/client/sampling) has already applied the policy, capped
// maxTokens, masked the prompt and asked for consent; the reply goes back through its output guardrails.
// The reply is cut at maxTokens counted with the model's own tokenizer. The server's tools go to the model as
// LanguageModelChatTools; its tool calls come back to the core as tool uses.
import * as vscode from 'vscode';
import type { SamplingAnswer, SamplingModel, SamplingPrompt, SamplingToolUse } from '../../core/client/types';

/** A sentence for the server's error and the trace when no model can answer. */
export class NoModelError extends Error {}

type Block = { type: string; id?: string; text?: string; mimeType?: string; name?: string; input?: unknown; toolUseId?: string; content?: Block[]; isError?: boolean };

const blocks = (content: unknown): Block[] => (Array.isArray(content) ? content : [content]) as Block[];

/** How a content block reads in the consent modal and to the model (the Language Model API takes text here). */
export function blockText(b: Block): string {
  switch (b.type) {
    case 'text':
      return b.text ?? '';
    case 'tool_use':
      return `(call of tool ${b.name} with ${JSON.stringify(b.input ?? {})})`;
    case 'tool_result':
      return `(tool result${b.isError ? ', an error' : ''}: ${(b.content ?? []).map(blockText).join(' ')})`;
    default:
      return `(${b.type}${b.mimeType ? `, ${b.mimeType}` : ''} content, not sent: only text goes to the model)`;
  }
}

/** The prompt's messages as text, the way the consent modal shows them and the model gets them. */
export function promptMessages(prompt: Pick<SamplingPrompt, 'messages'>): { role: string; text: string }[] {
  return prompt.messages.map((m) => ({ role: m.role, text: blocks(m.content).map(blockText).join('\n') }));
}

/**
 * One message for the Language Model API: text as text parts, the server's tool_use and tool_result blocks as
 * tool-call and tool-result parts (so a model that called a tool sees its result), anything else as its text line.
 */
function chatMessage(role: string, content: unknown): vscode.LanguageModelChatMessage {
  if (role === 'assistant') {
    return vscode.LanguageModelChatMessage.Assistant(blocks(content).map((b) =>
      b.type === 'tool_use' ? new vscode.LanguageModelToolCallPart(b.id ?? '', b.name ?? '', (b.input ?? {}) as object) : new vscode.LanguageModelTextPart(blockText(b)),
    ));
  }
  return vscode.LanguageModelChatMessage.User(blocks(content).map((b) =>
    b.type === 'tool_result'
      ? new vscode.LanguageModelToolResultPart(b.toolUseId ?? '', (b.content ?? []).map((c) => new vscode.LanguageModelTextPart(blockText(c))))
      : new vscode.LanguageModelTextPart(blockText(b)),
  ));
}

/** The tools the model is offered: the server's, none when the server said the model must not call any. */
export function offeredTools(prompt: Pick<SamplingPrompt, 'tools' | 'toolChoice'>): NonNullable<SamplingPrompt['tools']> {
  return prompt.toolChoice?.mode === 'none' ? [] : (prompt.tools ?? []);
}

/** The server's tools as the request's tools. */
function chatTools(prompt: SamplingPrompt): Pick<vscode.LanguageModelChatRequestOptions, 'tools' | 'toolMode'> {
  const tools = offeredTools(prompt);
  if (!tools.length) return {};
  return {
    tools: tools.map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema })),
    ...(prompt.toolChoice?.mode === 'required' ? { toolMode: vscode.LanguageModelChatToolMode.Required } : {}),
  };
}

export class LanguageModelSampler implements SamplingModel {
  constructor(private readonly preferredModel: () => string) {}

  /** The model for a request: the configured one, else a hinted one, else the first. */
  async pickModel(prompt: Pick<SamplingPrompt, 'modelPreferences'>): Promise<vscode.LanguageModelChat> {
    const models = await vscode.lm.selectChatModels();
    const wanted = this.preferredModel();
    if (wanted) {
      const configured = models.find((m) => `${m.vendor}/${m.id}` === wanted || m.id === wanted || m.family === wanted);
      if (!configured) throw new NoModelError(`No language model matches '${wanted}'. Available: ${models.map((m) => `${m.vendor}/${m.id}`).join(', ') || 'none'}.`);
      return configured;
    }
    for (const hint of prompt.modelPreferences?.hints ?? []) {
      const name = hint.name?.toLowerCase();
      const hinted = name ? models.find((m) => [m.id, m.family, m.name].some((s) => s.toLowerCase().includes(name))) : undefined;
      if (hinted) return hinted;
    }
    if (!models[0]) throw new NoModelError('No language model is available in VS Code to answer the sampling request.');
    return models[0];
  }

  async answer(prompt: SamplingPrompt, signal: AbortSignal): Promise<SamplingAnswer> {
    const model = await this.pickModel(prompt);
    const messages = prompt.messages.map((m) => chatMessage(m.role, m.content));
    // The Language Model API has no system role: the system prompt goes first, as the user's instructions.
    if (prompt.systemPrompt) messages.unshift(vscode.LanguageModelChatMessage.User(prompt.systemPrompt));
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await model.sendRequest(
        messages,
        {
          justification: 'An MCP server asked for a completion (sampling) and you allowed it after seeing the prompt.',
          ...chatTools(prompt),
          modelOptions: { maxTokens: prompt.maxTokens, ...(prompt.temperature !== undefined ? { temperature: prompt.temperature } : {}), ...(prompt.stopSequences ? { stop: prompt.stopSequences } : {}) },
        },
        cts.token,
      );
      const { text, truncated, toolUses } = await this.collect(model, response, prompt.maxTokens, cts);
      const inputTokens = (await Promise.all(messages.map((m) => model.countTokens(m)))).reduce((a, b) => a + b, 0);
      const outputTokens = text ? await model.countTokens(text) : 0;
      const stopReason = truncated ? 'maxTokens' : toolUses.length ? 'toolUse' : 'endTurn';
      return { text, model: `${model.vendor}/${model.id}`, stopReason, ...(toolUses.length ? { toolUses } : {}), usage: { inputTokens, outputTokens } };
    } finally {
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  /** Reads the text and the tool calls; stops (and cancels the request) once it is over maxTokens by the model's count. */
  private async collect(model: vscode.LanguageModelChat, response: vscode.LanguageModelChatResponse, maxTokens: number, cts: vscode.CancellationTokenSource) {
    let text = '';
    const toolUses: SamplingToolUse[] = [];
    for await (const part of response.stream) {
      if (part instanceof vscode.LanguageModelToolCallPart) {
        toolUses.push({ id: part.callId, name: part.name, input: part.input as Record<string, unknown> });
        continue;
      }
      if (!(part instanceof vscode.LanguageModelTextPart)) continue;
      text += part.value;
      // A token is at least one character: only a text this long can be over the limit.
      if (text.length > maxTokens && (await model.countTokens(text)) > maxTokens) {
        cts.cancel();
        return { text: await trimToTokens(model, text, maxTokens), truncated: true, toolUses: [] };
      }
    }
    return { text, truncated: false, toolUses };
  }
}

/** The longest prefix of the text within maxTokens (binary search over the model's token count). */
async function trimToTokens(model: vscode.LanguageModelChat, text: string, maxTokens: number): Promise<string> {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await model.countTokens(text.slice(0, mid))) <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}
