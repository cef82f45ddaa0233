// The per-server "protocol" key ("auto" | "2025" | "2026"): read in every config format, part of the
// definition's hash only when present, and a clear error for anything else.
import * as assert from 'node:assert/strict';
import { parseConfigFile, type ConfigKind } from '../../../src/core/config';
import { textAt } from './helpers';

const FOLDER = '/ws/app';
const parse = (text: string, kind: ConfigKind = 'vscode') =>
  parseConfigFile(text, `${FOLDER}/.vscode/mcp.json`, kind, FOLDER, { env: {}, home: '/home/me', platform: 'linux' });
const server = (extra: string, key = 'servers') => `{ "${key}": { "s": { "command": "node", "args": ["s.js"]${extra} } } }`;

describe('config: the per-server "protocol" key', () => {
  it('reads "auto", "2025" and "2026" in the VS Code, .mcp.json and Cursor formats', () => {
    for (const [kind, key] of [['vscode', 'servers'], ['mcp-json', 'mcpServers'], ['cursor', 'mcpServers']] as const) {
      for (const value of ['auto', '2025', '2026']) {
        const { definitions, problems } = parse(server(`, "protocol": "${value}"`, key), kind);
        assert.deepEqual(problems, [], `${kind} ${value}`);
        assert.equal(definitions[0]!.protocol, value);
        assert.equal(definitions[0]!.error, undefined);
      }
    }
  });

  it('leaves the hash of a definition without it unchanged, and changes it when set', () => {
    const plain = parse(server('')).definitions[0]!;
    assert.equal(plain.protocol, undefined);
    const forced = parse(server(', "protocol": "2026"')).definitions[0]!;
    const auto = parse(server(', "protocol": "auto"')).definitions[0]!;
    assert.notEqual(forced.hash, plain.hash);
    assert.notEqual(auto.hash, forced.hash);
    // The hash of a definition without the key is what it was before the key existed.
    assert.equal(plain.hash, parse(server('')).definitions[0]!.hash);
  });

  it('refuses any other value with an error at the value, and the server cannot start', () => {
    for (const [value, shown] of [['"2024"', '"2024"'], ['2026', 'a number'], ['"latest"', '"latest"']]) {
      const text = server(`, "protocol": ${value}`);
      const { definitions, problems } = parse(text);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.severity, 'error');
      assert.equal(problems[0]!.code, 'invalid-value');
      assert.equal(problems[0]!.message, `"protocol" of server "s" must be "auto" (negotiate), "2025" or "2026"; it is ${shown}.`);
      assert.equal(textAt(text, problems[0]!), value);
      assert.match(definitions[0]!.error ?? '', /"protocol" of server "s" must be/);
      assert.equal(definitions[0]!.protocol, undefined);
    }
  });
});
