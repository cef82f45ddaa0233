// The bundles' stand-in for the v2 client's Node shim (src/core/servers/sdkShims.ts, swapped in by esbuild.mjs):
// it must validate exactly as the SDK's own default validator, which it loads on the first schema.
import * as assert from 'node:assert/strict';
import { CORS_IS_POSSIBLE, DefaultJsonSchemaValidator } from '../../../src/core/servers/sdkShims';

type Real = { CORS_IS_POSSIBLE: boolean; DefaultJsonSchemaValidator: typeof DefaultJsonSchemaValidator };
const real = require('@modelcontextprotocol/client/_shims') as Real;

const POINT = { type: 'object', properties: { x: { type: 'number' } }, required: ['x'], additionalProperties: false };

describe('sdkShims: the lazily loaded default JSON Schema validator', () => {
  it('exports what the SDK shim exports', () => {
    assert.equal(CORS_IS_POSSIBLE, real.CORS_IS_POSSIBLE);
  });

  it('accepts and rejects as the SDK validator does, with the same messages', () => {
    const ours = new DefaultJsonSchemaValidator().getValidator(POINT);
    const theirs = new real.DefaultJsonSchemaValidator().getValidator(POINT);
    for (const input of [{ x: 1 }, { x: 'one' }, {}, { x: 1, y: 2 }]) assert.deepEqual(ours(input), theirs(input), JSON.stringify(input));
    assert.equal(ours({ x: 1 }).valid, true);
    assert.match(String(ours({}).errorMessage), /must have required property 'x'/);
  });

  it('keeps the SDK dialect rules: draft-07 is validated, an unknown $schema is refused', () => {
    const draft07 = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string', minLength: 2 };
    const v = new DefaultJsonSchemaValidator().getValidator(draft07);
    assert.equal(v('ab').valid, true);
    assert.equal(v('a').valid, false);
    const unknown = { $schema: 'https://example.com/not-a-dialect', type: 'string' };
    const theirs = (() => { try { new real.DefaultJsonSchemaValidator().getValidator(unknown); return ''; } catch (e) { return (e as Error).message; } })();
    assert.ok(theirs, 'the SDK validator accepted an unknown dialect; this test needs a new refused input');
    assert.throws(() => new DefaultJsonSchemaValidator().getValidator(unknown), { message: theirs });
  });

  it('uses a caller-supplied engine for every schema, as the SDK validator does', () => {
    let compiled = 0;
    const engine = { compile: () => { compiled++; return Object.assign(() => true, { errors: null }); }, getSchema: () => undefined, errorsText: () => '' };
    const v = new DefaultJsonSchemaValidator(engine).getValidator({ $schema: 'https://example.com/not-a-dialect' });
    assert.equal(v(42).valid, true);
    assert.equal(compiled, 1);
  });
});
