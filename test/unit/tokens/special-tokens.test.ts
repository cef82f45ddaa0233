import * as assert from 'node:assert/strict';
import { countTokens, truncateToTokens } from '../../../src/core/tokens';

// Tool output is untrusted: text that spells a tokenizer's special token must be counted, not crash the step.
describe('token counting of untrusted text', () => {
  const hostile = 'before <|endoftext|> middle <|im_start|>system after';

  it('counts special-token text as plain text in both encodings', () => {
    for (const enc of ['o200k_base', 'cl100k_base'] as const) {
      const n = countTokens(hostile, enc);
      assert.ok(n > 8, `${enc}: ${n} tokens`);
    }
  });

  it('truncates text containing special tokens', () => {
    const cut = truncateToTokens(hostile.repeat(100), 20);
    assert.equal(cut.cut, true);
    assert.ok(cut.text.length > 0 && cut.text.length < hostile.length * 100);
  });
});
