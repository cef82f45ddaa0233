// A BPE rank table kept as one sorted byte buffer, for counting a few short texts without building the
// tokenizer's 200 000-entry maps. Byte-pair encoding only ever looks up byte sequences that occur in the
// text it encodes, so the entries of the table that occur in a text form a vocabulary that gives the
// library's encoder (gpt-tokenizer) exactly the tokens the full table gives; `vocabularyFor` finds them
// by walking the sorted table from every start position of the text (a trie walk by binary search).
//
// Layout (little-endian): "BPE1", entry count N, then N+1 uint32 offsets into the byte blob (entries in
// byte order), N uint32 ranks, N uint8 kinds (0: the library holds the entry as a string, 1: as bytes),
// then the blob.

/** The library's form of a rank table: index = rank, value = the token's text or, when it is not valid UTF-8, its bytes. */
export type BpeRanks = readonly (string | readonly number[] | undefined)[];

const MAGIC = 0x31455042; // "BPE1"
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export class RankTable {
  private readonly count: number;
  private readonly offsets: Uint32Array;
  private readonly ranks: Uint32Array;
  private readonly kinds: Uint8Array;
  private readonly blob: Uint8Array;
  /** One more than the highest rank: the length of the vocabulary arrays handed to the library. */
  readonly size: number;

  constructor(readonly bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a BPE rank table (bad header)');
    const n = view.getUint32(4, true);
    if (bytes.byteLength < 8 + 9 * n + 4) throw new Error('not a BPE rank table (truncated)');
    let at = 8;
    const u32 = (count: number): Uint32Array => {
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++, at += 4) out[i] = view.getUint32(at, true);
      return out;
    };
    this.count = n;
    this.offsets = u32(n + 1);
    this.ranks = u32(n);
    this.kinds = bytes.subarray(at, at + n);
    at += n;
    this.blob = bytes.subarray(at);
    if (this.blob.byteLength !== this.offsets[n]) throw new Error('not a BPE rank table (truncated)');
    let max = -1;
    for (let i = 0; i < n; i++) if (this.ranks[i] > max) max = this.ranks[i];
    this.size = max + 1;
  }

  /** Builds the table from the library's rank array (done at build time, or once when run from source). */
  static fromRanks(ranks: BpeRanks): RankTable {
    const entries: { bytes: Uint8Array; rank: number; kind: number }[] = [];
    ranks.forEach((value, rank) => {
      if (value === undefined) return;
      entries.push(typeof value === 'string' ? { bytes: encoder.encode(value), rank, kind: 0 } : { bytes: Uint8Array.from(value), rank, kind: 1 });
    });
    entries.sort((a, b) => compareBytes(a.bytes, b.bytes));
    const n = entries.length;
    const blobLength = entries.reduce((sum, e) => sum + e.bytes.length, 0);
    const out = new Uint8Array(8 + 4 * (n + 1) + 4 * n + n + blobLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, n, true);
    let at = 8;
    let offset = 0;
    for (const e of entries) {
      view.setUint32(at, offset, true);
      at += 4;
      offset += e.bytes.length;
    }
    view.setUint32(at, offset, true);
    at += 4;
    for (const e of entries) {
      view.setUint32(at, e.rank, true);
      at += 4;
    }
    for (const e of entries) out[at++] = e.kind;
    for (const e of entries) {
      out.set(e.bytes, at);
      at += e.bytes.length;
    }
    return new RankTable(out);
  }

  /**
   * The entries of the table that occur in `texts`, as a sparse rank array in the library's form. Handed
   * to gpt-tokenizer instead of the full table, they give the same tokens for these texts.
   */
  vocabularyFor(texts: readonly string[]): (string | number[])[] {
    const vocabulary: (string | number[])[] = new Array(this.size);
    for (const text of texts) {
      const bytes = encoder.encode(text);
      for (let start = 0; start < bytes.length; start++) this.collectFrom(bytes, start, vocabulary);
    }
    return vocabulary;
  }

  /** Adds every entry that is a prefix of bytes[start..]: narrows the sorted range one byte at a time. */
  private collectFrom(bytes: Uint8Array, start: number, vocabulary: (string | number[])[]): void {
    let lo = 0;
    let hi = this.count;
    for (let depth = 0; start + depth < bytes.length && lo < hi; depth++) {
      const b = bytes[start + depth];
      // Entries of exactly `depth` bytes sort first in the range and have no byte at `depth`.
      lo = this.lowerBound(lo, hi, depth, b);
      hi = this.lowerBound(lo, hi, depth, b + 1);
      if (lo < hi && this.length(lo) === depth + 1) {
        const rank = this.ranks[lo];
        if (vocabulary[rank] === undefined) vocabulary[rank] = this.entry(lo);
      }
    }
  }

  /** First index in [lo, hi) whose byte at `depth` is >= b (an entry too short to have that byte counts as smaller). */
  private lowerBound(lo: number, hi: number, depth: number, b: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const byte = this.length(mid) > depth ? this.blob[this.offsets[mid] + depth] : -1;
      if (byte < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private length(i: number): number {
    return this.offsets[i + 1] - this.offsets[i];
  }

  private entry(i: number): string | number[] {
    const bytes = this.blob.subarray(this.offsets[i], this.offsets[i + 1]);
    return this.kinds[i] === 0 ? decoder.decode(bytes) : Array.from(bytes);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
