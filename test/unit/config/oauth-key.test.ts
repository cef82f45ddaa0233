// The per-server "oauth" key: a pre-registered client (clientId, clientSecret best as an ${input:…}) or a Client ID
// Metadata Document URL, read in every format, not part of the hash, each mistake an exact problem.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parseConfigFile, type ConfigKind } from '../../../src/core/config';
import { CLIENT_METADATA_URL_PATTERN } from '../../../src/core/config/parseOAuth';
import { oauthClientFor } from '../../../src/core/auth/forServer';
import { ROOT } from '../guards/helpers';
import { textAt } from './helpers';

const FOLDER = '/ws/app';
const parse = (text: string, kind: ConfigKind = 'vscode') =>
  parseConfigFile(text, `${FOLDER}/.vscode/mcp.json`, kind, FOLDER, { env: {}, home: '/home/me', platform: 'linux' });
const server = (extra: string, key = 'servers') => `{ "${key}": { "s": { "type": "http", "url": "https://mcp.example/mcp"${extra} } } }`;

describe('config: the per-server "oauth" key', () => {
  it('reads a pre-registered client id and secret, in the VS Code, .mcp.json and Cursor formats', () => {
    for (const [kind, key] of [['vscode', 'servers'], ['mcp-json', 'mcpServers'], ['cursor', 'mcpServers']] as const) {
      const text = server(`, "oauth": { "clientId": "my-app", "clientSecret": "\${env:APP_SECRET}" }`, key);
      const { definitions, problems } = parseConfigFile(text, `${FOLDER}/.vscode/mcp.json`, kind, FOLDER, { env: { APP_SECRET: 'shh' }, home: '/home/me', platform: 'linux' });
      assert.deepEqual(problems, [], kind);
      assert.deepEqual(definitions[0]!.oauth, { clientId: 'my-app', clientSecret: 'shh' });
      assert.deepEqual(oauthClientFor(definitions[0]!, 'https://host.example/cimd.json'), { preRegistered: { client_id: 'my-app', client_secret: 'shh' } }, 'the entry wins over the host CIMD');
    }
  });

  it('reads a Client ID Metadata Document URL; without the key the host CIMD (if any) is used; the hash is unchanged', () => {
    const cimd = 'https://client.example/mcp-harness.json';
    const withKey = parse(server(`, "oauth": { "clientMetadataUrl": "${cimd}" }`)).definitions[0]!;
    assert.deepEqual(withKey.oauth, { clientMetadataUrl: cimd });
    assert.deepEqual(oauthClientFor(withKey), { clientMetadataUrl: cimd });
    const plain = parse(server('')).definitions[0]!;
    assert.deepEqual(oauthClientFor(plain), {});
    assert.deepEqual(oauthClientFor(plain, cimd), { clientMetadataUrl: cimd });
    assert.equal(withKey.hash, plain.hash, 'how the client identifies itself does not change how the server is reached');
  });

  it('a secret as ${input:…} waits for its input like any other; a secret written in the file is a warning', () => {
    const withInput = `{ "inputs": [{ "id": "app-secret", "type": "promptString", "password": true }], ${server(', "oauth": { "clientId": "my-app", "clientSecret": "${input:app-secret}" }').slice(1)}`;
    const pending = parse(withInput).definitions[0]!;
    assert.deepEqual(pending.pendingInputs, ['app-secret'], 'asked for (VS Code) or read from MCP_HARNESS_INPUT_APP_SECRET (CLI) before a sign-in');
    assert.equal(pending.oauth?.clientSecret, '${input:app-secret}');
    const text = server(', "oauth": { "clientId": "my-app", "clientSecret": "literal-secret" }');
    const { problems } = parse(text);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.severity, 'warning');
    assert.equal(problems[0]!.code, 'secret-in-config');
    assert.equal(textAt(text, problems[0]!), '"literal-secret"');
  });

  it('refuses mistakes with an error at the exact place', () => {
    const cases: [string, string, RegExp, string][] = [
      ['"oauth": "my-app"', 'invalid-type', /"oauth" of server "s" must be an object/, '"my-app"'],
      ['"oauth": { "clientId": 42 }', 'invalid-type', /"oauth.clientId" of server "s" must be a non-empty string; it is a number/, '42'],
      ['"oauth": { "clientId": "" }', 'invalid-type', /it is empty/, '""'],
      ['"oauth": { "clientId": "a", "clientMetadataUrl": "https://c.example/c.json" }', 'invalid-value', /gives both "clientId" and "clientMetadataUrl"/, '{ "clientId": "a", "clientMetadataUrl": "https://c.example/c.json" }'],
      ['"oauth": { "clientSecret": "${input:x}" }', 'invalid-value', /needs the "clientId" it belongs to/, '"${input:x}"'],
      ['"oauth": { "clientMetadataUrl": "http://c.example/c.json" }', 'invalid-url', /must be an https:\/\/ URL with a path/, '"http://c.example/c.json"'],
      ['"oauth": { "clientMetadataUrl": "https://c.example/" }', 'invalid-url', /must be an https:\/\/ URL with a path/, '"https://c.example/"'],
    ];
    for (const [extra, code, message, at] of cases) {
      const text = server(`, ${extra}`);
      const { definitions, problems } = parse(text);
      assert.equal(problems.length, 1, `${extra}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]!.code, code, extra);
      assert.match(problems[0]!.message, message);
      assert.equal(textAt(text, problems[0]!), at);
      assert.ok(definitions[0]!.error, `${extra}: the server cannot start`);
      assert.equal(definitions[0]!.oauth, undefined);
    }
  });

  it('clientMetadataUrl: schemas/mcp-config.schema.json and the parser apply one rule and agree on every case', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/mcp-config.schema.json'), 'utf8'));
    assert.equal(schema.definitions.server.properties.oauth.properties.clientMetadataUrl.pattern, CLIENT_METADATA_URL_PATTERN);
    const validate = new Ajv({ strict: false }).compile(schema);
    const env = { CIMD_URL: 'https://c.example/c.json', CIMD_HOST: 'c.example' };
    const cases: [string, boolean][] = [
      ['https://c.example/c.json', true],
      ['https://c.example/clients/harness.json', true],
      ['https://c.example/c.json?v=2', true],
      ['https://c.example/dir/', true],
      ['https://c.example:8443/.well-known/client', true],
      ['${env:CIMD_URL}', true],
      ['https://${env:CIMD_HOST}/c.json', true],
      ['https://c.example/?x', false],
      ['https://c.example?x', false],
      ['https://c.example/', false],
      ['https://c.example', false],
      ['https://c.example/c.json#frag', false],
      ['https://c.example/#x', false],
      ['https://c.example/.', false],
      ['https://c.example/./', false],
      ['https://c.example/a/../b.json', false],
      ['https://c.example//c.json', false],
      ['http://c.example/c.json', false],
      ['https://c example/c.json', false],
      ['c.example/c.json', false],
      ['https://u:p@c.example/c.json', false],
      ['https://u@c.example/c.json', false],
    ];
    for (const [url, ok] of cases) {
      const inSchema = validate({ servers: { s: { oauth: { clientMetadataUrl: url } } } });
      const text = server(`, "oauth": { "clientMetadataUrl": ${JSON.stringify(url)} }`);
      const { definitions, problems } = parseConfigFile(text, `${FOLDER}/.vscode/mcp.json`, 'vscode', FOLDER, { env, home: '/home/me', platform: 'linux' });
      assert.equal(inSchema, ok, `schema on ${url}: ${JSON.stringify(validate.errors)}`);
      assert.equal(problems.length === 0, ok, `parser on ${url}: ${JSON.stringify(problems)}`);
      if (!ok) assert.match(problems[0]!.message, /must be an https:\/\/ URL with a path .*no fragment, no "\." or "\.\." segment/);
      if (ok && !url.includes('${')) assert.equal(definitions[0]!.oauth?.clientMetadataUrl, url);
    }
  });

  it('warns about unknown keys in the block and about "oauth" on a stdio server', () => {
    const typo = parse(server(', "oauth": { "client_id": "a" }')).problems;
    assert.deepEqual(typo.map((p) => [p.severity, p.code]), [['warning', 'unknown-key']]);
    assert.match(typo[0]!.message, /"oauth.client_id" of server "s" is not a key MCP Harness reads \(known: clientId, clientSecret, clientMetadataUrl\)/);
    const stdio = parse('{ "servers": { "s": { "command": "node", "oauth": { "clientId": "a" } } } }').problems;
    assert.deepEqual(stdio.map((p) => [p.severity, p.code]), [['warning', 'oauth-on-stdio']]);
  });
});
