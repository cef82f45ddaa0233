import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'jsonc-parser';
import { parseSession } from '../../../src/core/session/parse';
import { ROOT } from '../guards/helpers';

/** jsonc-parser's objects have no prototype; compare them as JSON. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function problems(value: unknown): string[] {
  return parseSession(JSON.stringify(value)).problems.filter((p) => p.severity === 'error').map((p) => p.message);
}

describe('session files: client keys and resource / prompt steps', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/mcp-session.schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  it('parses sampling, elicitation and roots (paths relative to the session file)', () => {
    const parsed = parseSession(
      JSON.stringify({
        name: 's',
        sampling: { policy: 'ask', servers: { a: 'allow' }, maxTokens: 10, reply: 'r' },
        elicitation: { action: 'accept', content: { x: 1 } },
        roots: ['sub', 'file:///abs', { uri: '/tmp/x', name: 'x' }],
        steps: [{ id: 'a', tool: 's/t' }],
      }),
      '/work/s/a.mcp-session.json',
    );
    assert.deepEqual(plain(parsed.session?.client), {
      sampling: { policy: 'ask', servers: { a: 'allow' }, maxTokens: 10, reply: 'r' },
      elicitation: { action: 'accept', content: { x: 1 } },
      roots: [{ uri: pathToFileURL('/work/s/sub').href }, { uri: 'file:///abs' }, { uri: 'file:///tmp/x', name: 'x' }],
    });
  });

  it('says what is wrong with each bad client key', () => {
    const base = { name: 's', steps: [{ id: 'a', tool: 's/t' }] };
    assert.match(problems({ ...base, sampling: { policy: 'sometimes' } })[0], /sampling.policy must be "deny", "ask" or "allow"/);
    assert.match(problems({ ...base, sampling: { maxTokens: 0 } })[0], /sampling.maxTokens must be a positive whole number/);
    assert.match(problems({ ...base, sampling: { servers: { a: 'yes' } } })[0], /sampling.servers must map/);
    assert.match(problems({ ...base, sampling: { reply: 3 } })[0], /sampling.reply must be a string/);
    assert.match(problems({ ...base, elicitation: { action: 'maybe' } })[0], /elicitation.action must be/);
    assert.match(problems({ ...base, elicitation: { action: 'decline', content: {} } })[0], /only sent with "action": "accept"/);
    assert.match(problems({ ...base, roots: 'x' })[0], /"roots" must be an array/);
    assert.match(problems({ ...base, roots: [3] })[0], /Each root must be/);
    const warned = parseSession(JSON.stringify({ ...base, sampling: { polcy: 'allow' } })).problems;
    assert.deepEqual(warned.map((p) => [p.severity, p.code]), [['warning', 'unknown-sampling-key']]);
  });

  it('parses resource and prompt steps, and refuses malformed ones', () => {
    const parsed = parseSession(
      JSON.stringify({
        name: 's',
        steps: [
          { id: 'r', resource: 'srv/demo://x/{id}', args: { id: 3 } },
          { id: 'p', prompt: 'srv/greet', args: { name: '${steps.r.text}' } },
        ],
      }),
    );
    const [r, p] = parsed.session!.steps;
    assert.deepEqual(plain([r.kind, r.server, r.uri, r.args]), ['resource', 'srv', 'demo://x/{id}', { id: 3 }]);
    assert.deepEqual([p.kind, p.server, p.promptName], ['prompt', 'srv', 'greet']);
    assert.match(problems({ name: 's', steps: [{ id: 'r', resource: 'no-slash' }] })[0], /"resource" must be "SERVER\/URI"/);
    assert.match(problems({ name: 's', steps: [{ id: 'p', prompt: 'srv/x', args: { n: 1 } }] })[0], /must be a string \(prompt arguments are strings\)/);
    assert.match(problems({ name: 's', steps: [{ id: 'r', resource: 'srv/x', args: { n: {} } }] })[0], /string, number or boolean/);
    assert.match(problems({ name: 's', steps: [{ id: 'p', prompt: 'srv/x', args: { n: '${steps.later.text}' } }, { id: 'later', tool: 's/t' }] })[0], /names a later step/);
  });

  it('the JSON Schema agrees with the parser on the client fixture session and on the new keys', () => {
    const text = readFileSync(join(ROOT, 'test/fixtures/sessions/client/features.mcp-session.json'), 'utf8');
    assert.ok(parseSession(text).session);
    assert.equal(validate(parse(text)), true, JSON.stringify(validate.errors));
    assert.equal(validate({ name: 's', sampling: { policy: 'sometimes' }, steps: [] }), false);
    assert.equal(validate({ name: 's', elicitation: { content: {} }, steps: [] }), false);
    assert.equal(validate({ name: 's', steps: [{ id: 'r', resource: 'srv/u', args: { a: {} } }] }), false);
    assert.equal(validate({ name: 's', steps: [{ id: 'p', prompt: 'srv/p', args: { a: 'b' } }] }), true);
    assert.deepEqual(Object.keys(schema.properties.sampling.properties).sort(), ['maxTokens', 'policy', 'reply', 'servers']);
  });
});
