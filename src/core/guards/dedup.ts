// The results of read-only calls a run may answer again without calling the tool. Bounded: a long-lived
// run (the gateway's serves thousands of distinct calls) keeps the most recently used entries only, by
// count and by size, so memory stays flat however long the run lives. Many runs at once (a gateway's
// clients) share one budget through `scoped` views, so memory stays flat however many clients come.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LRUCache } from 'lru-cache';
import type { Finding } from '../../protocol/trace';

export const DEFAULT_DEDUP_MAX_ENTRIES = 512;
export const DEFAULT_DEDUP_MAX_BYTES = 8 * 1024 * 1024;

export interface CachedCall {
  result: CallToolResult;
  output: unknown;
  findings: Finding[];
  isError: boolean;
}

export interface DedupLimits {
  maxEntries: number;
  maxBytes: number;
}

export class DedupCache {
  private readonly cache: LRUCache<string, CachedCall>;
  /** Keys of this view start with it: runs sharing the cache never see each other's results. */
  private readonly scope: string;

  constructor(limits: DedupLimits | { shared: LRUCache<string, CachedCall>; scope: string } = { maxEntries: DEFAULT_DEDUP_MAX_ENTRIES, maxBytes: DEFAULT_DEDUP_MAX_BYTES }) {
    if ('shared' in limits) {
      this.cache = limits.shared;
      this.scope = limits.scope;
      return;
    }
    this.scope = '';
    this.cache = new LRUCache<string, CachedCall>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      // A result larger than the whole budget is not kept (lru-cache refuses it rather than evicting everything).
      // The key counts too: it is the canonical call, arguments included.
      sizeCalculation: (entry, key) => Math.max(1, 2 * key.length + approximateBytes(entry.result) + approximateBytes(entry.output)),
    });
  }

  /** A view for one run over the same entries and budget (a run's results stay its own: PII tokens are per run). */
  scoped(scope: string): DedupCache {
    return new DedupCache({ shared: this.cache, scope: `${this.scope}${scope}\u0000` });
  }

  get(fingerprint: string): CachedCall | undefined {
    return this.cache.get(this.scope + fingerprint);
  }

  set(fingerprint: string, entry: CachedCall): void {
    this.cache.set(this.scope + fingerprint, entry);
  }

  /** Entries of every view together. */
  get size(): number {
    return this.cache.size;
  }

  get bytes(): number {
    return this.cache.calculatedSize;
  }
}

/** UTF-16 string bytes of the JSON form: close enough to what the objects hold to bound them. */
function approximateBytes(value: unknown): number {
  if (value === undefined) return 0;
  return 2 * (JSON.stringify(value)?.length ?? 0);
}
