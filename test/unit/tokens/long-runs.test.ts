import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens as libraryCount } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens, countWithVocabulary, truncateToTokens } from '../../../src/core/tokens';
import { countingSegments, MAX_RUN_CHARS } from '../../../src/core/tokens/segments';

const PLAIN = { disallowedSpecial: new Set<string>() };
const MiB = 1024 * 1024;

// The library's merge loop is quadratic in the length of one pre-tokenizer piece (64 KiB of "x" ≈ seconds),
// so counting cuts long runs; the work is bounded by what reaches the encoder in one piece.
describe('token counting of long unbroken runs', () => {
  it('cuts a 1 MiB unbroken string into pieces of at most MAX_RUN_CHARS, and counts it piece by piece', () => {
    const text = 'x'.repeat(MiB);
    const segments = countingSegments(text);
    assert.equal(segments.length, MiB / MAX_RUN_CHARS);
    assert.ok(segments.every((s) => s.length === MAX_RUN_CHARS));
    assert.equal(segments.join(''), text);
    const perSegment = libraryCount('x'.repeat(MAX_RUN_CHARS), PLAIN);
    assert.equal(countTokens(text), perSegment * segments.length);
  });

  it('counts a run of millions of one character (the regular expression matches it in stretches) in pieces of at most MAX_RUN_CHARS', () => {
    for (const ch of ['x', ' ', '.', '😀']) {
      const text = ch.repeat((16 * 1024 * 1024) / ch.length + 7);
      const segments = countingSegments(text);
      assert.equal(segments.join(''), text);
      assert.ok(segments.every((s) => s.length <= MAX_RUN_CHARS), `a segment of ${Math.max(...segments.map((s) => s.length))} chars for ${JSON.stringify(ch)}`);
    }
    const xs = 'x'.repeat(16 * 1024 * 1024);
    assert.equal(countTokens(xs), libraryCount('x'.repeat(MAX_RUN_CHARS), PLAIN) * (xs.length / MAX_RUN_CHARS));
  });

  it('bounds whitespace and punctuation runs as well as letters, and keeps the context around the run', () => {
    for (const run of [' ', '\n', '.', 'é']) {
      const text = `before it ${run.repeat(3000)} after it`;
      const segments = countingSegments(text);
      assert.equal(segments.join(''), text);
      assert.ok(segments.length >= 6, `${JSON.stringify(run)}: ${segments.length} segments`);
      assert.ok(segments.slice(1, -1).every((s) => s.length <= MAX_RUN_CHARS), JSON.stringify(run));
      assert.ok(segments[0].startsWith('before it '), 'the text before the run stays with the run start');
      assert.ok(segments[segments.length - 1].endsWith(' after it'), 'the text after the run stays with the run end');
    }
  });

  it('counts a long run within a token per cut of the library figure', () => {
    for (const run of ['x', ' ', '.', 'ab']) {
      const text = `a ${run.repeat(2600)} z`;
      const cuts = countingSegments(text).length - 1;
      const exact = libraryCount(text, PLAIN);
      assert.ok(Math.abs(countTokens(text) - exact) <= cuts, `${JSON.stringify(run)}: ${countTokens(text)} vs ${exact} with ${cuts} cuts`);
    }
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(2000);
    for (const s of countingSegments(text)) {
      assert.ok(!/[\ud800-\udbff]$/.test(s), 'a segment ends with a high surrogate');
      assert.ok(!/^[\udc00-\udfff]/.test(s), 'a segment starts with a low surrogate');
    }
  });

  it('counts normal text exactly as the library does (one segment, both counting paths)', () => {
    const texts = [
      readFileSync(join(__dirname, '../../../README.md'), 'utf8'),
      readFileSync(join(__dirname, '../../../package.json'), 'utf8'),
      JSON.stringify({ rows: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'] })) }),
      // runs of exactly the limit: 512 letters, 512 whitespace characters, 512 dots
      `${'y'.repeat(MAX_RUN_CHARS)}${' '.repeat(MAX_RUN_CHARS - 1)}\n${'.'.repeat(MAX_RUN_CHARS)}`,
      JSON.stringify({ blob: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64') }),
      'Grüße, 世界! ¿Qué tal? 😀 \t tabs\r\nand CRLF',
    ];
    for (const text of texts) {
      assert.equal(countingSegments(text).length, 1);
      assert.equal(countTokens(text), libraryCount(text, PLAIN), text.slice(0, 40));
      if (text.length < 4096) assert.equal(countWithVocabulary(text, 'o200k_base'), libraryCount(text, PLAIN));
    }
  });

  it('truncates a 1 MiB unbroken string to its budget', () => {
    const cut = truncateToTokens('x'.repeat(MiB), 1000);
    assert.equal(cut.cut, true);
    assert.ok(cut.text.length > 0 && cut.text.length < MiB);
    assert.ok(/^x+$/.test(cut.text));
  });
});
