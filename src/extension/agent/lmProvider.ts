// The core's model interface over VS Code's Language Model API: the neutral conversation becomes
// LanguageModelChatMessages with tool-call and tool-result parts, the tools become LanguageModelChatTools,
// and the streamed answer is collected into text and tool calls. The API reports no token usage, so the
// core counts the turn with its tokenizer (recorded as usage_source 'tokenizer').
import * as vscode from 'vscode';
import type { ModelToolCall } from '../../protocol/trace';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse } from '../../core/agent/types';

/** Why the extension asks to use the model: shown in the consent dialog the API may raise. */
export const LM_JUSTIFICATION = 'MCP Harness sends your agent goal and the results of guarded MCP tool calls to this model, so it can choose the next tool call.';

export class LanguageModelProvider implements ModelProvider {
  readonly name: string;

  constructor(private readonly model: vscode.LanguageModelChat) {
    this.name = `vscode-lm/${model.vendor}`;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const source = new vscode.CancellationTokenSource();
    const cancel = () => source.cancel();
    request.signal.addEventListener('abort', cancel, { once: true });
    try {
      const response = await this.model.sendRequest(
        toLanguageModelMessages(request.system, request.messages),
        {
          justification: LM_JUSTIFICATION,
          ...(request.tools.length ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters })), toolMode: vscode.LanguageModelChatToolMode.Auto } : {}),
        },
        source.token,
      );
      return await collect(response, request.signal);
    } catch (err) {
      throw request.signal.aborted ? err : new Error(languageModelErrorMessage(err, this.model));
    } finally {
      request.signal.removeEventListener('abort', cancel);
      source.dispose();
    }
  }
}

async function collect(response: vscode.LanguageModelChatResponse, signal: AbortSignal): Promise<ModelResponse> {
  const texts: string[] = [];
  const toolCalls: ModelToolCall[] = [];
  for await (const part of response.stream) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
    if (part instanceof vscode.LanguageModelTextPart) texts.push(part.value);
    else if (part instanceof vscode.LanguageModelToolCallPart) toolCalls.push({ id: part.callId, name: part.name, arguments: JSON.stringify(part.input ?? {}) });
  }
  const text = texts.join('');
  return { ...(text ? { text } : {}), toolCalls, stopReason: toolCalls.length ? 'tool_calls' : 'stop' };
}

/**
 * The API has no system role: the instructions go first as a user message. Tool results of one turn
 * travel together in one user message, as the API's tool-calling examples do.
 */
export function toLanguageModelMessages(system: string, messages: readonly ChatMessage[]): vscode.LanguageModelChatMessage[] {
  const out: vscode.LanguageModelChatMessage[] = [];
  if (system) out.push(vscode.LanguageModelChatMessage.User(system));
  let results: vscode.LanguageModelToolResultPart[] | undefined;
  const flush = () => {
    if (results) out.push(vscode.LanguageModelChatMessage.User(results));
    results = undefined;
  };
  for (const m of messages) {
    if (m.role === 'tool') {
      (results ??= []).push(new vscode.LanguageModelToolResultPart(m.toolCallId, [new vscode.LanguageModelTextPart(m.text)]));
      continue;
    }
    flush();
    if (m.role === 'user') out.push(vscode.LanguageModelChatMessage.User(m.text));
    else {
      const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = m.text ? [new vscode.LanguageModelTextPart(m.text)] : [];
      for (const c of m.toolCalls) parts.push(new vscode.LanguageModelToolCallPart(c.id, c.name, inputOf(c.arguments)));
      out.push(vscode.LanguageModelChatMessage.Assistant(parts));
    }
  }
  flush();
  return out;
}

/** The API wants an object; arguments that are not one (the model's mistake, kept in the history) travel as { text }. */
function inputOf(args: string): object {
  try {
    const v = JSON.parse(args) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { text: args };
  }
}

/** What went wrong with the model, said so the user knows what to do. */
export function languageModelErrorMessage(err: unknown, model: Pick<vscode.LanguageModelChat, 'name' | 'vendor'>): string {
  const label = `${model.name} (${model.vendor})`;
  if (err instanceof vscode.LanguageModelError) {
    if (err.code === vscode.LanguageModelError.NoPermissions().code) return `MCP Harness may not use ${label}: allow it when VS Code asks, or manage language model access in the Accounts menu.`;
    if (err.code === vscode.LanguageModelError.Blocked().code) return `${label} refused the request (blocked or rate-limited): ${err.message}`;
    if (err.code === vscode.LanguageModelError.NotFound().code) return `${label} is no longer available: pick another model.`;
  }
  return `${label} failed: ${(err as Error)?.message ?? String(err)}`;
}
