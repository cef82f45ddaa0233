// What leaves the pipeline: the text a model would read of a result (for token counts and expectations),
// the maxOutputTokens cut, and the size cap on what a trace stores.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { truncateToTokens } from '../tokens/index';
import { MAX_TRACE_STRING_CHARS } from './defaults';
import { mapStrings } from './redact';

/** What the model would read of a result: its text parts, or the structured content when there is no text. */
export function textForTokens(value: unknown): string {
  if (value === undefined || value === null) return '';
  const r = value as CallToolResult;
  if (Array.isArray(r.content)) {
    let text = '';
    for (const c of r.content) {
      if (c.type === 'text') text += (text ? '\n' : '') + c.text;
      else if (c.type === 'resource' && 'text' in c.resource) text += (text ? '\n' : '') + String(c.resource.text);
    }
    if (text) return text;
    if (r.structuredContent !== undefined) return JSON.stringify(r.structuredContent);
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/** Cuts the text parts of a result to maxTokens in total, with a marker; undefined when it fits. */
export function truncateResult(result: CallToolResult, maxTokens: number, encoding: 'o200k_base' | 'cl100k_base'): { result: CallToolResult; tokens: number } | undefined {
  if (!Array.isArray(result.content) || !(maxTokens > 0)) return undefined;
  // Cheap bound first: a token is at least one UTF-16 unit, so text no longer than maxTokens always fits.
  let chars = 0;
  for (const c of result.content) if (c.type === 'text') chars += c.text.length;
  if (chars <= maxTokens) return undefined;
  let budget = maxTokens;
  let total = 0;
  let changed = false;
  const content = result.content.map((c) => {
    if (c.type !== 'text') return c;
    if (budget <= 0) {
      total += truncateToTokens(c.text, 1, encoding).tokens;
      changed = true;
      return { ...c, text: marker(maxTokens) };
    }
    const t = truncateToTokens(c.text, budget, encoding);
    total += t.tokens;
    if (!t.cut) {
      budget -= t.tokens;
      return c;
    }
    changed = true;
    budget = 0;
    return { ...c, text: t.text + '\n' + marker(maxTokens) };
  });
  if (!changed) return undefined;
  return { result: { ...result, content }, tokens: total };
}

function marker(maxTokens: number): string {
  return `[… output truncated by MCP Harness at ${maxTokens} tokens (guardrails.maxOutputTokens) …]`;
}

/** Stored copies of huge strings are capped so a trace stays readable; the caller's result is not affected. */
export function capForTrace(value: unknown): unknown {
  const r = value as CallToolResult;
  const tooBig = (c: CallToolResult['content'][number]) => (c.type === 'image' || c.type === 'audio') && c.data.length > MAX_TRACE_STRING_CHARS;
  if (r && Array.isArray(r.content) && r.content.some(tooBig)) {
    // Base64 media up to the stored-string cap is kept (the trace detail shows it); a bigger item would be cut
    // by that cap into base64 that does not decode, so only its size and type are stored.
    value = {
      ...r,
      content: r.content.map((c) => (tooBig(c) && (c.type === 'image' || c.type === 'audio') ? { ...c, data: `[${Math.floor((c.data.length * 3) / 4)} bytes of ${c.mimeType} not stored in the trace]` } : c)),
    };
  }
  return mapStrings(value, (s: string) => (s.length > MAX_TRACE_STRING_CHARS ? `${s.slice(0, MAX_TRACE_STRING_CHARS)}[… ${s.length - MAX_TRACE_STRING_CHARS} more characters not stored in the trace …]` : s));
}

