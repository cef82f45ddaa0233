import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { toolDocument, literalRange } from '../../../src/core/lint/document';
import { scanHidden, mapRange } from '../../../src/core/lint/unicode';
import { parsePointer, pointerOf, valueAt } from '../../../src/core/lint/pointer';

const tool = {
  name: 'read/file',
  description: 'Line one\n"quoted" \\ tab\there \u0001 end',
  inputSchema: { type: 'object', properties: { 'a/b~c': { type: 'string', description: 'x' } }, required: ['a/b~c', 'zz'] },
};

describe('tool documents', () => {
  const doc = toolDocument(tool);
  const text = (r: { offset: number; length: number }) => doc.text.slice(r.offset, r.offset + r.length);

  it('is the pretty JSON (2 spaces) of the definition', () => {
    assert.equal(doc.text, JSON.stringify(tool, null, 2) + '\n');
  });

  it('gives the value range of a string, number and array element, with pointer escapes', () => {
    assert.equal(text(doc.rangeOf('/name')), '"read/file"');
    assert.equal(text(doc.rangeOf('/inputSchema/required/1')), '"zz"');
    assert.equal(text(doc.rangeOf('/inputSchema/properties/a~1b~0c/description')), '"x"');
    assert.equal(text(doc.rangeOf('/inputSchema/properties/a~1b~0c/description', { key: true })), '"description"');
  });

  it('gives the property name for objects, the tool name for the root, and the nearest ancestor for missing pointers', () => {
    assert.equal(text(doc.rangeOf('/inputSchema/properties/a~1b~0c')), '"a/b~c"');
    assert.equal(text(doc.rangeOf('')), '"read/file"');
    assert.equal(text(doc.rangeOf('/inputSchema/properties/a~1b~0c/maxLength')), '"a/b~c"');
    assert.equal(doc.has('/inputSchema/properties/a~1b~0c/maxLength'), false);
    assert.equal(doc.has('/inputSchema/required/0'), true);
  });

  it('maps substrings across JSON escapes exactly', () => {
    const d = tool.description;
    for (const needle of ['"quoted"', '\\', 'tab\there', '\u0001', 'end', 'Line one\n"']) {
      const offset = d.indexOf(needle);
      const r = doc.rangeOf('/description', { substring: { offset, length: needle.length } });
      assert.equal(JSON.parse('"' + text(r) + '"'), needle, needle);
    }
  });

  it('maps any substring of any string exactly (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(), fc.nat(), (s, a, b) => {
        // Findings never split a surrogate pair, so neither does the property.
        const splitsPair = (i: number) => i > 0 && i < s.length && /[\ud800-\udbff]/.test(s[i - 1]) && /[\udc00-\udfff]/.test(s[i]);
        let start = s.length ? a % (s.length + 1) : 0;
        let end = start + (s.length - start ? b % (s.length - start + 1) : 0);
        if (splitsPair(start)) start--;
        if (splitsPair(end)) end++;
        const d = toolDocument({ name: 't', description: s });
        const r = d.rangeOf('/description', { substring: { offset: start, length: end - start } });
        const literal = d.text.slice(r.offset, r.offset + r.length);
        assert.equal(literal, JSON.stringify(s.slice(start, end)).slice(1, -1));
      }),
      { numRuns: 100 },
    );
  });

  it('literalRange clamps out-of-range input', () => {
    assert.deepEqual(literalRange('abc', 10, { offset: 2, length: 50 }), { offset: 13, length: 1 });
  });
});

describe('pointers', () => {
  it('round-trips segments with / and ~', () => {
    assert.deepEqual(parsePointer(pointerOf(['a/b', '~x', 0])), ['a/b', '~x', '0']);
    assert.equal(valueAt({ a: [{ 'b/c': 1 }] }, '/a/0/b~1c'), 1);
    assert.throws(() => parsePointer('a'), /must be empty or start with '\/'/);
  });
});

describe('hidden characters', () => {
  it('decodes tag characters and maps normalised ranges back', () => {
    const tags = [...'hi there'].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('');
    const s = `ok${tags}!`;
    const scan = scanHidden(s);
    assert.equal(scan.runs.length, 1);
    assert.deepEqual({ kind: scan.runs[0].kind, offset: scan.runs[0].offset, length: scan.runs[0].length, decoded: scan.runs[0].decoded }, { kind: 'tag', offset: 2, length: 16, decoded: 'hi there' });
    assert.equal(scan.normalized, 'okhi there!');
    assert.equal(scan.cleaned, 'ok!');
    const at = scan.normalized.indexOf('there');
    const r = mapRange(scan, at, at + 5);
    assert.deepEqual(r, { offset: 2 + 3 * 2, length: 10 });
  });

  it('finds zero-width, bidi, ANSI and control characters; keeps emoji ZWJ and subdivision flags', () => {
    const kinds = (s: string) => scanHidden(s).runs.map((r) => r.kind);
    assert.deepEqual(kinds('a\u200bb\u2060c\ufeff'), ['zero-width', 'zero-width', 'zero-width']);
    assert.deepEqual(kinds('x\u202ey\u2066'), ['bidi', 'bidi']);
    assert.deepEqual(kinds('x\u001b[31mred\u001b[0m'), ['ansi', 'ansi']);
    assert.deepEqual(kinds('bell\u0007'), ['control']);
    assert.deepEqual(kinds('line\nnext\ttab\r'), []);
    assert.deepEqual(kinds('👩‍💻 🏴󠁧󠁢󠁥󠁮󠁧󠁿'), []);
    assert.deepEqual(kinds('a\u200db'), ['zero-width'], 'ZWJ between letters is hidden');
  });

  it('reports concealed ANSI text', () => {
    const scan = scanHidden('Lists.\u001b[8msecret\u001b[0m');
    assert.match(scan.runs.map((r) => r.decoded).join(' '), /concealed: "secret"/);
    assert.equal(scan.cleaned, 'Lists.secret');
  });
});
