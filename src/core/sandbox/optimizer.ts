// The context optimizer: what code returns goes to a model or a person, so a large value is summarised
// (counts, first/last items, keys) or cut with a marker until it fits a token budget.
// The same o200k encoding src/core/tokens counts with by default; imported alone because the tokens
// module loads a second encoding too, which would double the worker's start-up time.
import { countTokens } from '../tokens';

interface Level {
  items: number;
  keys: number;
  chars: number;
}

// From "as returned" to "skeleton": each pass keeps less of every array, object and string.
const LEVELS: Level[] = [
  { items: Infinity, keys: Infinity, chars: Infinity },
  { items: 50, keys: 100, chars: 4000 },
  { items: 20, keys: 40, chars: 1000 },
  { items: 6, keys: 15, chars: 240 },
  { items: 3, keys: 8, chars: 80 },
];

export interface OptimizedValue {
  value: unknown;
  json: string;
  tokens: number;
  optimized: boolean;
}

/** Builds the tokenizer's tables now, so the first execution does not pay for it. */
export function warmUpTokenizer(): void {
  countTokens('{"warm":"up"}');
}

/** Tokens of a text, skipping the exact count when the text is plainly over `ceiling` (counting is linear but not free). */
export function tokensOf(text: string, ceiling = Infinity): number {
  if (text.length === 0) return 0;
  // A token is at least one character, usually about four: a text over 8 × ceiling chars is surely over.
  if (text.length > ceiling * 8) return Math.ceil(text.length / 4);
  return countTokens(text);
}

function shrink(value: unknown, level: Level): unknown {
  if (typeof value === 'string') {
    if (value.length <= level.chars) return value;
    return `${value.slice(0, level.chars)}… [cut: ${value.length - level.chars} more characters]`;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (value.length <= level.items) return value.map((v) => shrink(v, level));
    const head = Math.max(1, Math.ceil((level.items * 2) / 3));
    const tail = Math.max(0, level.items - head);
    const summary: Record<string, unknown> = {
      $summary: `array of ${value.length} items, showing the first ${head} and the last ${tail}`,
      count: value.length,
    };
    const keys = new Set<string>();
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item)) for (const k of Object.keys(item)) keys.add(k);
      if (keys.size > level.keys) break;
    }
    if (keys.size) summary.keys = [...keys].slice(0, level.keys);
    summary.first = value.slice(0, head).map((v) => shrink(v, level));
    if (tail) summary.last = value.slice(value.length - tail).map((v) => shrink(v, level));
    return summary;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length <= level.keys) return Object.fromEntries(entries.map(([k, v]) => [k, shrink(v, level)]));
  return {
    $summary: `object with ${entries.length} keys, showing ${level.keys}`,
    count: entries.length,
    keys: entries.slice(0, Math.min(entries.length, level.keys * 4)).map(([k]) => k),
    entries: Object.fromEntries(entries.slice(0, level.keys).map(([k, v]) => [k, shrink(v, level)])),
  };
}

/** Shrinks `value` level by level until its JSON fits `tokenBudget` tokens (the last level is kept if none fits). */
export function optimizeValue(value: unknown, tokenBudget: number): OptimizedValue {
  let last: OptimizedValue | undefined;
  for (let i = 0; i < LEVELS.length; i++) {
    const shrunk = i === 0 ? value : shrink(value, LEVELS[i]);
    const json = JSON.stringify(shrunk) ?? '';
    const tokens = tokensOf(json, tokenBudget);
    last = { value: shrunk, json, tokens, optimized: i > 0 };
    if (tokens <= tokenBudget) return last;
  }
  return last!;
}
