// Token counting with a real tokenizer that ships its ranks offline (gpt-tokenizer), and cost estimates
// from a dated price table. Counting costs ~10 µs for a small call, so the guard pipeline never counts on
// the hot path: it queues the texts and the counts are filled in by `MetricsQueue.settle()`.
//
// The full tables cost ~60 MB of memory once built, more than the rest of a one-call CLI process. A
// process that counts only a few short texts (`mcp-harness call`, a short session) counts them against
// the vocabulary those texts contain, found in a compact rank table (rankTable.ts): same tokenizer, same
// counts. After SHORT_TEXT_COUNTS such counts, or for any long text, the full tables are built once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import { loadLazyModule, requireAtRuntime } from '../util/lazyModule';
import { RankTable, type BpeRanks } from './rankTable';
import { countingSegments } from './segments';

type Encodings = typeof import('./encodings');
type Encoder = Encodings['o200k'];
let encodings: Encodings | undefined;

/**
 * Loads the tokenizer tables on first use. In the bundles (extension, CLI, sandbox worker, all in dist/)
 * they are the separate dist/tokenizer.js; run from source (tests) they come from the package itself.
 */
function tables(): Encodings {
  encodings ??= loadLazyModule<Encodings>(__dirname, 'tokenizer.js', () => ({
    o200k: requireAtRuntime('gpt-tokenizer/encoding/o200k_base'),
    cl100k: requireAtRuntime('gpt-tokenizer/encoding/cl100k_base'),
  }));
  return encodings;
}

export type EncodingName = 'o200k_base' | 'cl100k_base';

function fullEncoder(encoding: EncodingName): Encoder {
  return encoding === 'cl100k_base' ? tables().cl100k : tables().o200k;
}

/**
 * Builds the full tables now (once per process; 0.2 s bundled, more from source). A caller that will count many
 * texts and must answer promptly throughout (the lab, whose calls a budget may cut) pays for it up front instead
 * of inside whichever step happens to count first.
 */
export function loadFullTables(encoding: EncodingName = 'o200k_base'): void {
  fullEncoder(encoding);
}

// Tool output is untrusted text: a special token such as <|endoftext|> in it is counted as plain text,
// never a reason to throw (gpt-tokenizer disallows special tokens by default).
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Texts up to this many characters may be counted against their own vocabulary. */
const SHORT_TEXT_CHARS = 4096;
/** After this many short counts the process evidently counts a lot: the full tables pay off. */
const SHORT_TEXT_COUNTS = 32;

const rankTables = new Map<EncodingName, RankTable | undefined>();
let shortCounts = 0;

/**
 * The compact rank table: dist/<encoding>.bpe beside the bundles (esbuild.mjs writes it), else, run from
 * source, built from the package. A bundle set without it counts everything with the full tables.
 */
export function rankTable(encoding: EncodingName): RankTable | undefined {
  if (rankTables.has(encoding)) return rankTables.get(encoding);
  const bundled = join(__dirname, `${encoding}.bpe`);
  let table: RankTable | undefined;
  if (existsSync(bundled)) table = new RankTable(readFileSync(bundled));
  else if (!existsSync(join(__dirname, 'tokenizer.js'))) table = RankTable.fromRanks(requireAtRuntime<{ default: BpeRanks }>(`gpt-tokenizer/bpeRanks/${encoding}`).default);
  rankTables.set(encoding, table);
  return table;
}

/** Counts `text` with an encoder built on the entries of the rank table that occur in it (undefined without a rank table). */
export function countWithVocabulary(text: string, encoding: EncodingName): number | undefined {
  const vocabulary = rankTable(encoding)?.vocabularyFor([text]);
  if (!vocabulary) return undefined;
  const api = GptEncoding.getEncodingApi(encoding, () => vocabulary);
  return countingSegments(text).reduce((sum, segment) => sum + api.countTokens(segment, PLAIN_TEXT), 0);
}

export interface ModelPrice {
  /** US dollars per million input tokens (what the model reads: tool results). */
  inputPerMTok: number;
  /** US dollars per million output tokens (what the model writes: tool arguments). */
  outputPerMTok: number;
}

export type PriceTable = Record<string, ModelPrice>;

/** The date the default prices were copied from the providers' public price pages. */
export const DEFAULT_PRICES_DATE = '2025-08-01';

/** List prices per million tokens as of DEFAULT_PRICES_DATE. Override with the `mcpHarness.prices` setting. */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  o1: { inputPerMTok: 15, outputPerMTok: 60 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'gpt-4-turbo': { inputPerMTok: 10, outputPerMTok: 30 },
  'gpt-4': { inputPerMTok: 30, outputPerMTok: 60 },
  'gpt-3.5-turbo': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
};

export const DEFAULT_MODEL = 'gpt-4o';

/**
 * The model's encoding. gpt-4 / gpt-3.5 use cl100k; gpt-4o, 4.1, 5 and the o-series use o200k. Other vendors'
 * tokenizers are not published offline, so their counts are o200k estimates.
 */
export function encodingForModel(model: string | undefined): EncodingName {
  const m = (model ?? DEFAULT_MODEL).toLowerCase();
  if (/^gpt-4o|^gpt-4\.1|^gpt-5|^o\d/.test(m)) return 'o200k_base';
  if (/^gpt-4|^gpt-3\.5|^text-embedding/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}

export function countTokens(text: string, encoding: EncodingName = 'o200k_base'): number {
  if (!text) return 0;
  if (!encodings && text.length <= SHORT_TEXT_CHARS && shortCounts < SHORT_TEXT_COUNTS) {
    shortCounts++;
    const counted = countWithVocabulary(text, encoding);
    if (counted !== undefined) return counted;
  }
  const encoder = fullEncoder(encoding);
  return countingSegments(text).reduce((sum, segment) => sum + encoder.countTokens(segment, PLAIN_TEXT), 0);
}

/** Cuts text to at most maxTokens tokens; returns the kept text and how many tokens there were. */
export function truncateToTokens(text: string, maxTokens: number, encoding: EncodingName = 'o200k_base'): { text: string; tokens: number; cut: boolean } {
  // A token is at least one UTF-16 unit and rarely more than a few dozen, so tokenising a bounded prefix
  // keeps a 1 MB output cheap to cut.
  const window = text.length > maxTokens * 32 ? text.slice(0, maxTokens * 32) : text;
  const tokens = countingSegments(window).flatMap((segment) => fullEncoder(encoding).encode(segment, PLAIN_TEXT));
  if (tokens.length <= maxTokens && window.length === text.length) return { text, tokens: tokens.length, cut: false };
  if (tokens.length <= maxTokens) return { text: window, tokens: tokens.length, cut: true };
  const kept = tokens.slice(0, maxTokens);
  return { text: fullEncoder(encoding).decode(kept), tokens: tokens.length, cut: true };
}

/** Finds the price for a model: exact name, else the longest table key the model name starts with. */
export function priceFor(model: string | undefined, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  const m = (model ?? DEFAULT_MODEL).toLowerCase();
  if (table[m]) return table[m];
  let best: string | undefined;
  for (const key of Object.keys(table)) if (m.startsWith(key.toLowerCase()) && (!best || key.length > best.length)) best = key;
  return best ? table[best] : undefined;
}

/**
 * Cost of one tool call as seen from the model: the arguments are tokens the model wrote (output price),
 * the result is tokens it will read (input price).
 */
export function estimateCost(tokensIn: number, tokensOut: number, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const usd = (tokensIn * price.outputPerMTok + tokensOut * price.inputPerMTok) / 1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}

export interface MetricsTarget {
  tokens_in: number;
  tokens_out: number;
  cost_est: number;
  reused?: boolean;
}

/**
 * Token counts that are filled in later, off the hot path. `enqueue` keeps only references; `settle`
 * serialises and counts everything queued. The trace writer settles before it writes a line.
 */
export class MetricsQueue {
  private pending: { target: MetricsTarget; input: () => string; output: () => string }[] = [];
  readonly encoding: EncodingName;
  private readonly price: ModelPrice | undefined;

  constructor(model?: string, prices: PriceTable = DEFAULT_PRICES) {
    this.encoding = encodingForModel(model);
    this.price = priceFor(model, prices);
  }

  enqueue(target: MetricsTarget, input: () => string, output: () => string): void {
    this.pending.push({ target, input, output });
  }

  get size(): number {
    return this.pending.length;
  }

  settle(): void {
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    for (const { target, input, output } of batch) {
      target.tokens_in = countTokens(input(), this.encoding);
      target.tokens_out = countTokens(output(), this.encoding);
      target.cost_est = target.reused ? 0 : estimateCost(target.tokens_in, target.tokens_out, this.price);
    }
  }
}
