import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'jsonc-parser';
import { parseSession } from '../../../src/core/session/parse';
import { DECISIONS } from '../../../src/protocol/trace';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { ROOT } from '../guards/helpers';

// The JSON Schema VS Code validates session files with and the parser the runner uses must agree.
describe('schemas/mcp-session.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/mcp-session.schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const dir = join(ROOT, 'test/fixtures/sessions/ws');

  for (const file of readdirSync(dir).filter((f) => f.endsWith('.mcp-session.json'))) {
    it(`agrees with the parser on ${file}`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const parsed = parseSession(text);
      assert.equal(validate(parse(text)), parsed.session !== undefined, JSON.stringify([validate.errors, parsed.problems]));
    });
  }

  it('is draft-07, accepts code/codeFile steps, and lists every policy/guardrails key and decision', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(validate({ name: 'c', steps: [{ id: 'a', code: 'return 1' }, { id: 'b', codeFile: 'x.js' }] }), true);
    assert.equal(validate({ name: 'c', steps: [{ id: 'a', code: 'x', codeFile: 'y' }] }), false);
    assert.deepEqual(Object.keys(schema.properties.policy.properties).sort(), Object.keys(DEFAULT_POLICY).sort());
    assert.deepEqual(Object.keys(schema.properties.guardrails.properties).sort(), Object.keys(DEFAULT_GUARDRAILS).sort());
    const expectDecision = schema.properties.steps.items.anyOf[0].properties.expect.properties.decision.oneOf[0].enum;
    assert.deepEqual(expectDecision, [...DECISIONS]);
  });
});
