// Counting a short text against its own vocabulary (the entries of the compact rank table that occur
// in it) must give exactly the full tokenizer's count: checked on gpt-tokenizer's own tiktoken test
// plans, untrusted-output shapes and random Unicode, for both encodings.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { countWithVocabulary, rankTable, type EncodingName } from '../../../src/core/tokens';
import { RankTable } from '../../../src/core/tokens/rankTable';

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
type Full = { countTokens(text: string, options: typeof PLAIN_TEXT): number };
const full: Record<EncodingName, Full> = {
  o200k_base: require('gpt-tokenizer/encoding/o200k_base'),
  cl100k_base: require('gpt-tokenizer/encoding/cl100k_base'),
};

/** The samples of gpt-tokenizer's tiktoken-compatibility test plans for one encoding. */
function testPlanSamples(encoding: EncodingName): string[] {
  const text = readFileSync(require.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');
  const out: string[] = [];
  for (const block of text.split(/\n\n(?=EncodingName: )/)) {
    const m = /^EncodingName: (\S+)\nSample: ([\s\S]*?)\nEncoded: /.exec(block);
    if (m && m[1] === encoding) out.push(m[2]);
  }
  return out;
}

function randomText(seed: number, length: number): string {
  let x = seed;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  const pools = ['abc xyz ', 'ÄÖÜ éè ', '日本語テキスト', '🎉🌍👍🏽', '\n\t  ', '<|endoftext|>', '{"a":[1,2]}', 'ıİ ß', '\ud800', '\u0000\u001b[31m'];
  let s = '';
  while (s.length < length) {
    const pool = pools[rnd(pools.length)];
    s += pool.slice(rnd(pool.length));
  }
  return s;
}

describe('token counts from the compact rank table', function () {
  this.timeout(60_000);

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`${encoding}: the same count as the full tokenizer on the tiktoken test plans, hostile and random text`, () => {
      const samples = testPlanSamples(encoding);
      assert.ok(samples.length > 20, `test plans for ${encoding}: ${samples.length}`);
      const texts = [
        ...samples,
        '{"message":"hi"}',
        'Echo: hi',
        'before <|endoftext|> middle <|im_start|>system after',
        'lone surrogates \ud800 and \udfff inside',
        JSON.stringify({ content: [{ type: 'text', text: 'Line 1\nLine 2\twith tab' }], isError: false }),
        'x'.repeat(3000),
        ...Array.from({ length: 40 }, (_, i) => randomText(i + 1, 10 + i * 30)),
      ];
      for (const text of texts) {
        assert.equal(countWithVocabulary(text, encoding), full[encoding].countTokens(text, PLAIN_TEXT), JSON.stringify(text.slice(0, 80)));
      }
    });
  }

  it('round-trips every entry of the library\'s table through the compact form', () => {
    const ranks: (string | number[])[] = require('gpt-tokenizer/bpeRanks/cl100k_base').default;
    const table = rankTable('cl100k_base')!;
    assert.equal(table.size, ranks.length);
    const again = new RankTable(table.bytes);
    // Every string entry is found as its own vocabulary, with its own rank.
    for (let rank = 0; rank < ranks.length; rank += 97) {
      const entry = ranks[rank];
      if (typeof entry !== 'string') continue;
      assert.equal(again.vocabularyFor([entry])[rank], entry, `rank ${rank}`);
    }
    assert.ok(ranks.some((r) => typeof r !== 'string'), 'the table also holds byte entries');
  });

  it('refuses a file that is not a rank table, with the reason', () => {
    assert.throws(() => new RankTable(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not a BPE rank table \(bad header\)/);
    const cut = rankTable('cl100k_base')!.bytes.subarray(0, 100_000);
    assert.throws(() => new RankTable(cut), /not a BPE rank table/);
  });
});
