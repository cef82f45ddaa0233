import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, hashCanonical, sha256Hex } from '../../../src/core/util/canonical';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the insertion order', () => {
    const one = { command: 'npx', args: ['a'], env: { B: '2', A: '1' } };
    const two = { env: { A: '1', B: '2' }, args: ['a'], command: 'npx' };
    assert.equal(canonicalJson(one), canonicalJson(two));
  });

  it('keeps array order (it is meaningful for args)', () => {
    assert.notEqual(canonicalJson(['a', 'b']), canonicalJson(['b', 'a']));
  });

  it('follows JSON.stringify for undefined, non-finite numbers, escapes and toJSON', () => {
    assert.equal(canonicalJson({ a: undefined, b: null, c: [undefined, NaN, Infinity], d: 'é"\n' }), '{"b":null,"c":[null,null,null],"d":"é\\"\\n"}');
    assert.equal(canonicalJson(undefined), 'null');
    assert.equal(canonicalJson(new Date(0)), '"1970-01-01T00:00:00.000Z"');
  });

  it('agrees with JSON.stringify when keys are already sorted', () => {
    const value = { a: [1, 2, { b: true, c: 'x' }], d: { e: null } };
    assert.equal(canonicalJson(value), JSON.stringify(value));
  });

  it('refuses cycles and BigInt with a TypeError instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalJson(cyclic), TypeError);
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('sha256Hex', () => {
  it('is the lower-case hex sha256 of the UTF-8 text', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256Hex('é'), createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });

  it('hashCanonical does not depend on key order', () => {
    assert.equal(hashCanonical({ a: 1, b: 2 }), hashCanonical({ b: 2, a: 1 }));
    assert.notEqual(hashCanonical({ a: 1, b: 2 }), hashCanonical({ a: 1, b: 3 }));
  });
});
