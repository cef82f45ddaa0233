import * as assert from 'node:assert/strict';
import { offsetToPosition, parseDotenv } from '../../../src/core/config';
import { fixture, textAt } from './helpers';

describe('parseDotenv', () => {
  it('reads the fixture: export prefix, comments, quotes, escapes, empty values', () => {
    const { values, problems } = parseDotenv(fixture('env.fixture'));
    assert.deepEqual(problems, []);
    assert.deepEqual(values, {
      FROM_FILE: 'plain value',
      QUOTED: 'line one\nline two',
      SINGLE: 'keep $literal \\n as is',
      EMPTY: '',
      TOKEN: 'from-env-file',
    });
  });

  it('handles multi-line quoted values, backticks, CRLF, colons and spaces around =', () => {
    const text = 'A="first\nsecond"\r\nB = `tick # not a comment`\r\nC: colon\r\nD=x#comment\r\nE="esc \\"q\\" \\\\ \\t"\r\n';
    const { values, problems } = parseDotenv(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(values, { A: 'first\nsecond', B: 'tick # not a comment', C: 'colon', D: 'x', E: 'esc "q" \\ \t' });
  });

  it('lets a later key override an earlier one', () => {
    assert.deepEqual(parseDotenv('A=1\nA=2\n').values, { A: '2' });
  });

  it('reports lines it cannot read at their range and keeps the rest', () => {
    const text = 'GOOD=1\njust some words\n=novalue\nOPEN="never closed\n';
    const { values, problems } = parseDotenv(text);
    assert.deepEqual(problems.map((p) => textAt(text, p)), ['just some words', '=novalue', 'OPEN="never closed']);
    assert.match(problems[0]!.message, /"just" has no "=": write just=value/);
    assert.match(problems[1]!.message, /not a KEY=value assignment/);
    assert.match(problems[2]!.message, /never closed: add the closing "/);
    assert.deepEqual(offsetToPosition(text, problems[1]!.range.offset), { line: 2, character: 0 });
    assert.equal(values.GOOD, '1');
  });

  it('reports text after a closing quote', () => {
    const text = 'A="x" junk\n';
    const { values, problems } = parseDotenv(text);
    assert.equal(values.A, 'x');
    assert.equal(problems.length, 1);
    assert.equal(textAt(text, problems[0]!), 'junk');
  });

  it('ignores a byte-order mark', () => {
    assert.deepEqual(parseDotenv('\uFEFFA=1').values, { A: '1' });
  });
});

describe('offsetToPosition', () => {
  it('counts lines across \\n, \\r\\n and \\r, and characters in UTF-16 units', () => {
    const text = 'ab\ncd\r\nef\rgh😀i';
    assert.deepEqual(offsetToPosition(text, 0), { line: 0, character: 0 });
    assert.deepEqual(offsetToPosition(text, 2), { line: 0, character: 2 });
    assert.deepEqual(offsetToPosition(text, 3), { line: 1, character: 0 });
    assert.deepEqual(offsetToPosition(text, 6), { line: 1, character: 3 }, 'the \\n of \\r\\n is still on line 1');
    assert.deepEqual(offsetToPosition(text, 7), { line: 2, character: 0 });
    assert.deepEqual(offsetToPosition(text, 10), { line: 3, character: 0 });
    assert.deepEqual(offsetToPosition(text, text.indexOf('i')), { line: 3, character: 4 });
  });

  it('clamps offsets outside the text', () => {
    assert.deepEqual(offsetToPosition('ab\nc', -5), { line: 0, character: 0 });
    assert.deepEqual(offsetToPosition('ab\nc', 99), { line: 1, character: 1 });
  });
});
