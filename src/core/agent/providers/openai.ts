// Any OpenAI-compatible Chat Completions endpoint (OpenAI, or a local server by base URL) through the
// official SDK. The key comes from the caller (the CLI reads OPENAI_API_KEY) and is never logged.
import type { ModelToolCall } from '../../../protocol/trace';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse } from '../types';
import { loadOpenAI } from './load';

export interface ProviderOptions {
  apiKey?: string;
  baseURL?: string;
  /** Retries of a failed request (the SDK's own backoff). */
  maxRetries?: number;
  /** Anthropic only: lets the model think with this many tokens; its thinking is recorded as the turn's reasoning. */
  thinkingBudgetTokens?: number;
}

type OpenAIClient = InstanceType<ReturnType<typeof loadOpenAI>['OpenAI']>;

export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai';
  private client: OpenAIClient | undefined;

  constructor(private readonly options: ProviderOptions) {
    if (!options.apiKey && !options.baseURL) {
      throw new Error('The OpenAI provider needs an API key (environment variable OPENAI_API_KEY) or the base URL of an OpenAI-compatible server.');
    }
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    // A local OpenAI-compatible server may take no key; the SDK insists on one, so it gets a placeholder.
    this.client ??= new (loadOpenAI().OpenAI)({ apiKey: this.options.apiKey || 'no-key', baseURL: this.options.baseURL, maxRetries: this.options.maxRetries ?? 1 });
    const params = {
      model: request.model,
      messages: [{ role: 'system' as const, content: request.system }, ...request.messages.map(toOpenAI)],
      ...(request.tools.length ? { tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) } : {}),
      max_completion_tokens: request.maxOutputTokens,
    };
    const completion = await this.client.chat.completions.create(params, { signal: request.signal }).catch((err: unknown) => {
      throw withoutKey(whereUnreachable(err, loadOpenAI().OpenAI, this.client!.baseURL), this.options.apiKey);
    });
    const choice = completion.choices[0];
    if (!choice) throw new Error('The model returned no choice.');
    const toolCalls: ModelToolCall[] = [];
    for (const c of choice.message.tool_calls ?? []) {
      if (c.type === 'function') toolCalls.push({ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' });
    }
    const reasoning = reasoningOf(choice.message);
    return {
      ...(choice.message.content ? { text: choice.message.content } : {}),
      ...(reasoning ? { reasoning } : {}),
      toolCalls,
      ...(completion.usage ? { usage: { input: completion.usage.prompt_tokens, output: completion.usage.completion_tokens } } : {}),
      ...(choice.finish_reason ? { stopReason: choice.finish_reason } : {}),
    };
  }
}

/**
 * Chat Completions has no reasoning field of its own; OpenAI-compatible servers that expose the model's
 * reasoning put it in `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama).
 */
function reasoningOf(message: object): string | undefined {
  const m = message as { reasoning_content?: unknown; reasoning?: unknown };
  const value = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : undefined;
  return value?.trim() ? value : undefined;
}

/** The connection errors an SDK client class carries (OpenAI and Anthropic alike). */
interface ConnectionErrors {
  APIConnectionError: abstract new (...args: never[]) => object;
  APIConnectionTimeoutError: abstract new (...args: never[]) => object;
}

/**
 * The SDKs say only "Connection error." when no connection could be made: the model server is named, with the
 * system's reason (ECONNREFUSED, ENOTFOUND…). A timeout keeps its own message.
 */
export function whereUnreachable(err: unknown, sdk: ConnectionErrors, baseURL: string): unknown {
  if (!(err instanceof sdk.APIConnectionError) || err instanceof sdk.APIConnectionTimeoutError) return err;
  const failed = err as Error;
  let why = failed.message;
  const seen = new Set<unknown>();
  for (let e: unknown = failed.cause; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      why = code;
      break;
    }
  }
  const clear = new Error(`could not reach the model server at ${baseURL} (${why.replace(/\.$/, '')})`, { cause: failed });
  clear.name = failed.name;
  return clear;
}

/** An API error says what went wrong; some servers quote the key they got, which must not reach a log or trace. */
export function withoutKey(err: unknown, key: string | undefined): unknown {
  if (!key || !(err instanceof Error) || !err.message.includes(key)) return err;
  const clean = new Error(err.message.split(key).join('[API key]'));
  clean.name = err.name;
  return clean;
}

function toOpenAI(m: ChatMessage) {
  if (m.role === 'user') return { role: 'user' as const, content: m.text };
  if (m.role === 'tool') return { role: 'tool' as const, tool_call_id: m.toolCallId, content: m.text };
  return {
    role: 'assistant' as const,
    content: m.text ?? null,
    ...(m.toolCalls.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
  };
}
