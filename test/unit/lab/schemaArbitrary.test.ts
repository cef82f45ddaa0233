import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbitraryForTool } from '../../../src/core/lab/schemaArbitrary';
import { invalidProbes, flipped, HUGE_STRING_CHARS, DEEP_NESTING_LEVELS } from '../../../src/core/lab/invalidInputs';
import { sharedSchemaCache } from '../../../src/core/guards/schema';

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 2, maxLength: 5 },
    mode: { enum: ['fast', 'slow'] },
    fixed: { const: 42 },
    n: { type: 'integer', minimum: 10, maximum: 20 },
    ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    step: { type: 'integer', minimum: 0, maximum: 100, multipleOf: 5 },
    email: { type: 'string', format: 'email' },
    when: { type: 'string', format: 'date-time' },
    id: { type: 'string', format: 'uuid' },
    code: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{2}$' },
    tags: { type: 'array', items: { type: 'string', maxLength: 3 }, minItems: 1, maxItems: 3, uniqueItems: true },
    nested: { type: 'object', properties: { deep: { $ref: '#/$defs/leaf' } }, required: ['deep'], additionalProperties: false },
    either: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
  },
  required: ['name', 'mode', 'n', 'nested'],
  additionalProperties: false,
  $defs: { leaf: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
};

describe('lab: inputs generated from an inputSchema', () => {
  it('generates only values the schema guard accepts, covering every supported keyword', () => {
    const { arbitrary, unsupported } = arbitraryForTool(SCHEMA);
    assert.deepEqual(unsupported, []);
    const values = fc.sample(arbitrary, { seed: 7, numRuns: 200 });
    const valid = values.filter((v) => sharedSchemaCache.check(SCHEMA, v).valid);
    // The generator aims at the schema itself; the few misses (e.g. grapheme strings over maxLength in code points) are filtered by the lab.
    assert.ok(valid.length >= 180, `${valid.length} of 200 valid`);
    const seen = (k: string) => values.filter((v) => k in v).length;
    for (const k of ['email', 'when', 'id', 'code', 'tags', 'either', 'step']) assert.ok(seen(k) > 0, `optional ${k} generated`);
    for (const v of values) {
      assert.ok(['fast', 'slow'].includes(v.mode as string));
      assert.ok((v.n as number) >= 10 && (v.n as number) <= 20);
      assert.equal(typeof (v.nested as { deep: { ok: unknown } }).deep.ok, 'boolean');
      if ('fixed' in v) assert.equal(v.fixed, 42);
      if ('step' in v) assert.equal((v.step as number) % 5, 0);
    }
  });

  it('is deterministic under a seed', () => {
    const { arbitrary } = arbitraryForTool(SCHEMA);
    assert.deepEqual(fc.sample(arbitrary, { seed: 3, numRuns: 5 }), fc.sample(arbitrary, { seed: 3, numRuns: 5 }));
  });

  it('lists the keywords it does not honour with their place, instead of ignoring them silently', () => {
    const { unsupported } = arbitraryForTool({
      type: 'object',
      properties: { a: { type: 'string', not: { const: 'x' } }, b: { type: 'object', patternProperties: { '^x': {} } }, c: { type: 'string', format: 'iban' }, d: { $ref: 'https://example.com/s.json' } },
      if: { required: ['a'] },
      then: { required: ['b'] },
    });
    for (const want of ['/properties/a not', '/properties/b patternProperties', 'format:iban', '/properties/d $ref:https://example.com/s.json', '/ if', '/ then']) {
      assert.ok(unsupported.includes(want), `${want} in ${JSON.stringify(unsupported)}`);
    }
  });

  it('a tool without a schema still gets objects', () => {
    for (const v of fc.sample(arbitraryForTool(undefined).arbitrary, { seed: 1, numRuns: 20 })) assert.equal(typeof v, 'object');
  });
});

describe('lab: invalid inputs', () => {
  const valid = { name: 'abc', mode: 'fast', n: 12, nested: { deep: { ok: true } } };

  it('builds type flips, missing required fields, an extra field, a huge string, deep nesting and unicode edges', () => {
    const probes = invalidProbes(SCHEMA, valid);
    const kinds = probes.map((p) => p.kind);
    for (const k of ['type_flip', 'missing_required', 'extra_field', 'huge_string', 'deep_nesting', 'unicode']) assert.ok(kinds.includes(k as never), k);
    for (const p of probes.filter((x) => x.kind !== 'unicode')) assert.equal(sharedSchemaCache.check(SCHEMA, p.args).valid, false, `${p.kind} at ${p.path} must break the schema`);
    const huge = probes.find((p) => p.kind === 'huge_string')!;
    assert.equal((huge.args[huge.path] as string).length, HUGE_STRING_CHARS);
    let depth = 0;
    for (let v = probes.find((p) => p.kind === 'deep_nesting')!.args.name as { a?: unknown }; v && typeof v === 'object'; v = v.a as { a?: unknown }) depth++;
    assert.equal(depth, DEEP_NESTING_LEVELS);
    const missing = probes.filter((p) => p.kind === 'missing_required').map((p) => p.path);
    assert.deepEqual(missing, ['name', 'mode']);
    for (const p of probes.filter((x) => x.kind === 'missing_required')) assert.ok(!(p.path in p.args));
  });

  it('no extra-field probe when the schema allows extra properties', () => {
    assert.ok(!invalidProbes({ type: 'object', properties: { a: { type: 'string' } } }, { a: 'x' }).some((p) => p.kind === 'extra_field'));
  });

  it('flips every JSON type to another one', () => {
    for (const v of ['s', 1, true, [], {}, null]) {
      const f = flipped(v);
      assert.notEqual(Array.isArray(f) ? 'array' : f === null ? 'null' : typeof f, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
    }
  });
});
