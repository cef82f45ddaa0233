// The Anthropic Messages API through the official SDK. Tool results go back as tool_result blocks of one
// user message per turn; tool inputs are objects, kept as JSON text in the neutral conversation.
import type { ModelToolCall } from '../../../protocol/trace';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse, ThinkingBlock } from '../types';
import { loadAnthropic } from './load';
import { whereUnreachable, withoutKey, type ProviderOptions } from './openai';

type AnthropicClient = InstanceType<ReturnType<typeof loadAnthropic>['Anthropic']>;
type Block = Record<string, unknown>;
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic';
  private client: AnthropicClient | undefined;

  constructor(private readonly options: ProviderOptions) {
    if (!options.apiKey) throw new Error('The Anthropic provider needs an API key (environment variable ANTHROPIC_API_KEY).');
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.client ??= new (loadAnthropic().Anthropic)({ apiKey: this.options.apiKey, baseURL: this.options.baseURL, maxRetries: this.options.maxRetries ?? 1 });
    const budget = this.options.thinkingBudgetTokens;
    const params = {
      model: request.model,
      system: request.system,
      // Thinking tokens count against max_tokens: the answer keeps its own allowance on top of the budget.
      max_tokens: request.maxOutputTokens + (budget ?? 0),
      ...(budget ? { thinking: { type: 'enabled', budget_tokens: budget } } : {}),
      messages: toAnthropic(request.messages),
      ...(request.tools.length ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
    };
    const message = await this.client.messages.create(params as unknown as Parameters<AnthropicClient['messages']['create']>[0], { signal: request.signal }).catch((err: unknown) => {
      throw withoutKey(whereUnreachable(err, loadAnthropic().Anthropic, this.client!.baseURL), this.options.apiKey);
    });
    const { content, usage, stop_reason } = message as unknown as { content: Block[]; usage?: { input_tokens: number; output_tokens: number }; stop_reason?: string | null };
    const texts: string[] = [];
    const toolCalls: ModelToolCall[] = [];
    const thinking: ThinkingBlock[] = [];
    for (const block of content ?? []) {
      if (block.type === 'thinking' && typeof block.thinking === 'string') thinking.push({ text: block.thinking, ...(typeof block.signature === 'string' ? { signature: block.signature } : {}) });
      if (block.type === 'redacted_thinking' && typeof block.data === 'string') thinking.push({ text: '', redactedData: block.data });
      if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
      if (block.type === 'tool_use') toolCalls.push({ id: String(block.id), name: String(block.name), arguments: JSON.stringify(block.input ?? {}) });
    }
    const reasoning = thinking.map((t) => t.text).filter(Boolean).join('\n');
    return {
      ...(texts.length ? { text: texts.join('\n') } : {}),
      ...(reasoning ? { reasoning } : {}),
      ...(thinking.length ? { thinking } : {}),
      toolCalls,
      ...(usage ? { usage: { input: usage.input_tokens, output: usage.output_tokens } } : {}),
      ...(stop_reason ? { stopReason: stop_reason } : {}),
    };
  }
}

function toAnthropic(messages: readonly ChatMessage[]): Message[] {
  const out: Message[] = [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.text });
    else if (m.role === 'assistant') {
      // The API wants a turn's thinking back, unchanged and first, when the conversation goes on after its tool calls.
      const blocks: Block[] = (m.thinking ?? []).map((t): Block => (t.redactedData !== undefined ? { type: 'redacted_thinking', data: t.redactedData } : { type: 'thinking', thinking: t.text, signature: t.signature ?? '' }));
      if (m.text) blocks.push({ type: 'text', text: m.text });
      for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: inputOf(c.arguments) });
      out.push({ role: 'assistant', content: blocks });
    } else {
      const block = { type: 'tool_result', tool_use_id: m.toolCallId, content: m.text, ...(m.isError ? { is_error: true } : {}) };
      const last = out[out.length - 1];
      if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(block);
      else out.push({ role: 'user', content: [block] });
    }
  }
  return out;
}

/** The API wants an object; arguments another provider recorded as text that is not one travel as { text }. */
function inputOf(args: string): Record<string, unknown> {
  try {
    const v = JSON.parse(args) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { text: args };
  }
}
