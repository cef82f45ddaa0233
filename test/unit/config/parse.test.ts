import * as assert from 'node:assert/strict';
import { offsetToPosition, parseConfigFile, type ConfigKind } from '../../../src/core/config';
import { fixture, only, textAt } from './helpers';

const FOLDER = '/ws/app';
const parse = (text: string, kind: ConfigKind = 'vscode', env: NodeJS.ProcessEnv = {}) =>
  parseConfigFile(text, `${FOLDER}/.vscode/mcp.json`, kind, FOLDER, { env, home: '/home/me', platform: 'linux' });

describe('parseConfigFile: valid files of every format', () => {
  it('reads the VS Code format with inputs, comments and trailing commas', () => {
    const text = fixture('vscode-mcp.json');
    const { definitions, problems, inputs } = parse(text, 'vscode', { FIXTURE_TOKEN: 't0k' });
    assert.deepEqual(problems, []);
    assert.deepEqual(definitions.map((d) => [d.id, d.transport]), [['memory', 'stdio'], ['weather', 'http']]);
    const memory = definitions[0]!;
    assert.equal(memory.command, 'node');
    assert.deepEqual(memory.args, ['/ws/app/server.js', '--name', 'app']);
    assert.equal(memory.cwd, '/ws/app/tools', 'a relative cwd counts from the workspace folder');
    assert.deepEqual(memory.env, { API_KEY: '${input:api-key}', HOME_DIR: '/home/me', TOKEN: 't0k' });
    assert.deepEqual(memory.pendingInputs, ['api-key']);
    assert.deepEqual(memory.dev, { watch: 'src/**/*.ts' });
    assert.equal(memory.error, undefined);
    assert.equal(textAt(text, { range: memory.source.nameRange }), '"memory"');
    assert.ok(textAt(text, { range: memory.source.range }).startsWith('{') && textAt(text, { range: memory.source.range }).endsWith('}'));
    assert.deepEqual(inputs.map((i) => [i.id, i.type, i.password ?? false]), [['api-key', 'promptString', true], ['region', 'pickString', false]]);
    assert.deepEqual(inputs[1]!.options, ['eu', 'us']);
    assert.equal(inputs[1]!.default, 'eu');
    assert.match(textAt(text, inputs[0]!), /^\{ "id": "api-key".*\}$/);
    assert.match(memory.hash, /^[0-9a-f]{64}$/);
  });

  it('reads Claude Code .mcp.json with ${VAR} and ${VAR:-default}, inferring stdio and honouring type', () => {
    const { definitions, problems } = parse(fixture('claude-code.mcp.json'), 'mcp-json', { FIXTURE_TOKEN: 'abc' });
    assert.deepEqual(problems, []);
    const memory = definitions.find((d) => d.name === 'memory')!;
    assert.equal(memory.transport, 'stdio');
    assert.deepEqual(memory.args, ['/ws/app/server.js', '--name', 'demo']);
    assert.deepEqual(memory.env, { TOKEN: 'abc' });
    const remote = definitions.find((d) => d.name === 'remote')!;
    assert.equal(remote.transport, 'sse');
    assert.equal(remote.url, 'https://sse.example.com/sse');
  });

  it('uses the variable over the default when it is set and not empty', () => {
    const text = '{"mcpServers": {"a": {"command": "x", "args": ["${P:-d}", "${Q:-d}", "${R:-}"]}}}';
    const { definitions } = parse(text, 'mcp-json', { P: 'set', Q: '' });
    assert.deepEqual(definitions[0]!.args, ['set', 'd', '']);
  });

  it('reads Cursor: url without type is Streamable HTTP', () => {
    const { definitions, problems } = parse(fixture('cursor-mcp.json'), 'cursor', { FIXTURE_TOKEN: 'k' });
    assert.deepEqual(problems, []);
    const docs = definitions.find((d) => d.name === 'docs')!;
    assert.equal(docs.transport, 'http');
    assert.deepEqual(docs.headers, { 'X-Key': 'k' });
  });

  it('reads Gemini: httpUrl is http, url is SSE, timeout/includeTools/excludeTools kept, other settings ignored', () => {
    const { definitions, problems } = parse(fixture('gemini-settings.json'), 'gemini');
    assert.deepEqual(problems, []);
    const byName = Object.fromEntries(definitions.map((d) => [d.name, d]));
    assert.equal(byName.local!.transport, 'stdio');
    assert.equal(byName.local!.cwd, '/ws/app/py');
    assert.equal(byName.local!.timeoutMs, 15000);
    assert.deepEqual(byName.local!.includeTools, ['search']);
    assert.equal(byName.streaming!.transport, 'http');
    assert.equal(byName.streaming!.url, 'https://stream.example.com/mcp');
    assert.deepEqual(byName.streaming!.excludeTools, ['delete']);
    assert.equal(byName.legacy!.transport, 'sse');
  });

  it('reads Windsurf: serverUrl is http; disabled and disabledTools are kept', () => {
    const { definitions, problems } = parse(fixture('windsurf-mcp_config.json'), 'windsurf');
    assert.deepEqual(problems, []);
    const remote = definitions.find((d) => d.name === 'remote')!;
    assert.equal(remote.transport, 'http');
    assert.equal(remote.url, 'https://windsurf.example.com/mcp');
    const off = definitions.find((d) => d.name === 'off')!;
    assert.equal(off.disabled, true);
    assert.deepEqual(off.excludeTools, ['write']);
    assert.match(off.notes.join('\n'), /Disabled/);
  });

  it('hashes only launch-relevant fields, independent of key order', () => {
    const a = parse('{"servers": {"s": {"command": "x", "args": ["1"], "env": {"A": "1", "B": "2"}}}}').definitions[0]!;
    const b = parse('{"servers": {"s": {"env": {"B": "2", "A": "1"}, "args": ["1"], "command": "x", "dev": {"watch": "*.ts"}}}}').definitions[0]!;
    const c = parse('{"servers": {"s": {"command": "x", "args": ["2"], "env": {"A": "1", "B": "2"}}}}').definitions[0]!;
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
  });
});

describe('parseConfigFile: bad input lands at the exact range', () => {
  it('reports every JSON syntax error at its offset, without throwing', () => {
    const text = fixture('broken-syntax.json');
    const { problems, definitions } = parse(text);
    const syntax = problems.filter((p) => p.code === 'invalid-json');
    assert.ok(syntax.length >= 3, JSON.stringify(syntax));
    // the missing comma between "node" and "args"
    const comma = syntax.find((p) => /comma/i.test(p.message))!;
    assert.equal(text.slice(comma.range.offset, comma.range.offset + 6), '"args"');
    assert.deepEqual(offsetToPosition(text, comma.range.offset), { line: 2, character: 29 });
    // the single-quoted string
    const quote = syntax.find((p) => text[p.range.offset] === "'")!;
    assert.ok(quote, 'a problem points at the single quote');
    assert.match(quote.message, /double quotes/);
    // the unclosed object at the end
    assert.ok(syntax.some((p) => /closing brace/.test(p.message)));
    assert.ok(definitions.some((d) => d.name === 'a'), 'what could be parsed is still returned');
    for (const p of syntax) assert.equal(p.severity, 'error');
  });

  it('warns about an empty file', () => {
    const p = only(parse('  \n').problems, 'empty-file');
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /"servers"/);
  });

  it('rejects a root that is not an object', () => {
    const text = '["a"]';
    const p = only(parse(text).problems, 'invalid-root');
    assert.equal(textAt(text, p), '["a"]');
  });

  it('rejects "servers" that is not an object', () => {
    const text = '{ "servers": ["memory"] }';
    const p = only(parse(text).problems, 'invalid-servers');
    assert.equal(textAt(text, p), '["memory"]');
    assert.match(p.message, /must be an object whose keys are server names/);
  });

  it('rejects a server that is not an object and still lists it with an error', () => {
    const text = '{ "servers": { "memory": "npx server-memory" } }';
    const { problems, definitions } = parse(text);
    const p = only(problems, 'invalid-server');
    assert.equal(textAt(text, p), '"npx server-memory"');
    assert.equal(p.server, 'memory');
    assert.equal(definitions[0]!.error, p.message);
  });

  it('rejects args that is not an array, and each non-string entry', () => {
    const text = '{ "servers": { "s": { "command": "x", "args": "--port 3" }, "t": { "command": "x", "args": ["--port", 3000, true] } } }';
    const { problems, definitions } = parse(text);
    const types = problems.filter((p) => p.code === 'invalid-type');
    assert.deepEqual(types.map((p) => textAt(text, p)), ['"--port 3"', '3000', 'true']);
    assert.match(types[0]!.message, /"args" of server "s" must be an array of strings/);
    assert.match(types[1]!.message, /write "3000" in quotes/);
    assert.ok(definitions.every((d) => d.error), 'both servers are unusable');
  });

  it('rejects env that is not an object of strings', () => {
    const text = '{ "servers": { "s": { "command": "x", "env": { "PORT": 3000, "OK": "1", "=X": "2" } }, "t": { "command": "x", "env": ["A=1"] } } }';
    const { problems } = parse(text);
    const types = problems.filter((p) => p.code === 'invalid-type');
    assert.deepEqual(types.map((p) => textAt(text, p)), ['3000', '["A=1"]']);
    assert.match(types[0]!.message, /"env.PORT" of server "s" must be a string/);
    assert.equal(textAt(text, only(problems, 'invalid-env-name')), '"=X"');
  });

  it('rejects an unknown type and suggests the right one', () => {
    const text = '{ "servers": { "s": { "type": "streamable-http", "url": "https://x.example/mcp" } } }';
    const { problems, definitions } = parse(text);
    const p = only(problems, 'unknown-type');
    assert.equal(textAt(text, p), '"streamable-http"');
    assert.match(p.message, /Did you mean "http"\?/);
    assert.ok(definitions[0]!.error);
  });

  it('rejects type stdio without command and type http without url', () => {
    const text = '{ "servers": { "s": { "type": "stdio", "args": [] }, "h": { "type": "http" } } }';
    const { problems } = parse(text);
    assert.equal(textAt(text, only(problems, 'missing-command')), '"stdio"');
    assert.equal(textAt(text, only(problems, 'missing-url')), '"http"');
  });

  it('rejects a server with neither command nor url, at its name', () => {
    const text = '{ "mcpServers": { "nothing": { "args": ["x"] } } }';
    const p = only(parse(text, 'mcp-json').problems, 'missing-command-or-url');
    assert.equal(textAt(text, p), '"nothing"');
    assert.match(p.message, /add "command" to run a local server, or "url" for a remote one/);
  });

  it('rejects an empty command', () => {
    const text = '{ "servers": { "s": { "command": "  " } } }';
    assert.equal(textAt(text, only(parse(text).problems, 'missing-command')), '"  "');
  });

  it('rejects both command and url, at the url key', () => {
    const text = '{ "mcpServers": { "s": { "command": "x", "url": "https://a.example" } } }';
    const p = only(parse(text, 'cursor').problems, 'conflicting-transport');
    assert.equal(textAt(text, p), '"url"');
    assert.match(p.message, /either local .* or remote/);
  });

  it('rejects a declared type that contradicts the fields', () => {
    const text = '{ "servers": { "s": { "type": "http", "url": "https://a.example", "command": "x" } } }';
    const p = only(parse(text).problems, 'conflicting-transport');
    assert.equal(textAt(text, p), '"command"');
  });

  it('rejects two addresses in Gemini (url and httpUrl)', () => {
    const text = '{ "mcpServers": { "s": { "url": "https://a.example/sse", "httpUrl": "https://a.example/mcp" } } }';
    const p = only(parse(text, 'gemini').problems, 'conflicting-transport');
    assert.equal(textAt(text, p), '"httpUrl"');
  });

  it('rejects a URL that is not http(s), without echoing it', () => {
    const text = '{ "servers": { "s": { "type": "http", "url": "ftp://secret@host" } } }';
    const p = only(parse(text).problems, 'invalid-url');
    assert.equal(textAt(text, p), '"ftp://secret@host"');
    assert.doesNotMatch(p.message, /secret/);
  });

  it('rejects a wrong timeout in Gemini', () => {
    const text = '{ "mcpServers": { "s": { "command": "x", "timeout": "30s" }, "t": { "command": "x", "timeout": -1 } } }';
    const { problems } = parse(text, 'gemini');
    assert.equal(textAt(text, only(problems, 'invalid-type')), '"30s"');
    assert.equal(textAt(text, only(problems, 'invalid-value')), '-1');
  });

  it('warns about unknown top-level keys and unknown server fields', () => {
    const text = '{ "servers": { "s": { "command": "x", "arg": ["y"] } }, "server": {} }';
    const { problems, definitions } = parse(text);
    const unknown = problems.filter((p) => p.code === 'unknown-key');
    assert.deepEqual(unknown.map((p) => [textAt(text, p), p.severity]), [['"arg"', 'warning'], ['"server"', 'warning']]);
    assert.match(unknown[0]!.message, /check the spelling \(known fields: type, command, args/);
    assert.equal(definitions[0]!.error, undefined, 'warnings leave the server usable');
  });

  it('does not warn about the other settings of Gemini or Claude Desktop files', () => {
    assert.deepEqual(parse('{"theme": "x", "mcpServers": {}}', 'gemini').problems, []);
    assert.deepEqual(parse('{"globalShortcut": "x", "mcpServers": {}}', 'claude-desktop').problems, []);
  });

  it('says when the servers key is the other format\'s', () => {
    const text = '{ "mcpServers": { "s": { "command": "x" } } }';
    const p = only(parse(text, 'vscode').problems, 'wrong-servers-key');
    assert.equal(textAt(text, p), '"mcpServers"');
    assert.match(p.message, /rename this key to "servers"/);
    const other = '{ "servers": {} }';
    assert.match(only(parse(other, 'mcp-json').problems, 'wrong-servers-key').message, /"mcpServers", not "servers"/);
  });

  it('warns about a key given twice (the last one counts)', () => {
    const text = '{ "servers": { "s": { "command": "first", "command": "second" } } }';
    const { problems, definitions } = parse(text);
    const p = only(problems, 'duplicate-key');
    assert.equal(p.range.offset, text.indexOf('"command"'));
    assert.equal(definitions[0]!.command, 'second');
  });

  it('warns about comments in files read as strict JSON (Claude Code)', () => {
    const text = '{\n  // note\n  "mcpServers": { "s": { "command": "x" }, }\n}';
    const strict = parse(text, 'mcp-json').problems.filter((p) => p.code === 'strict-json');
    assert.deepEqual(strict.map((p) => textAt(text, p)), ['// note', ',']);
    assert.ok(strict.every((p) => p.severity === 'warning'));
    assert.match(strict[0]!.message, /Claude Code reads this file as strict JSON/);
    assert.deepEqual(parse(text.replace('mcpServers', 'servers'), 'vscode').problems, [], 'VS Code accepts JSONC');
    assert.deepEqual(parse(text, 'cursor').problems, []);
  });

  it('warns about trailing commas, not comments, in Gemini\'s settings', () => {
    const text = '{\n  // Gemini strips comments\n  "mcpServers": { "s": { "command": "x", }, }\n}';
    const strict = parse(text, 'gemini').problems;
    assert.equal(strict.length, 2);
    assert.ok(strict.every((p) => p.code === 'strict-json' && /no trailing commas/.test(p.message)));
    assert.deepEqual(strict.map((p) => textAt(text, p)), [',', ','], 'at each trailing comma');
    assert.deepEqual(strict.map((p) => p.range.offset), [text.indexOf(', }'), text.lastIndexOf(', }')]);
  });

  it('warns about headers on a stdio server', () => {
    const text = '{ "servers": { "s": { "command": "x", "headers": { "A": "b" } } } }';
    assert.equal(textAt(text, only(parse(text).problems, 'ignored-field')), '"headers"');
  });

  it('checks inputs', () => {
    const text = `{ "inputs": [
      "api-key",
      { "type": "promptString" },
      { "id": "a", "type": "command" },
      { "id": "b", "type": "pickString" },
      { "id": "c", "type": "promptString", "password": "yes" },
      { "id": "c", "type": "promptString" },
      { "id": "d", "type": "pickString", "options": ["x", {"label": "Why", "value": "y"}], "default": "z" }
    ], "servers": {} }`;
    const { problems, inputs } = parse(text);
    const at = problems.map((p) => [p.code, textAt(text, p)]);
    assert.deepEqual(at, [
      ['invalid-input', '"api-key"'],
      ['invalid-input', '{ "type": "promptString" }'],
      ['invalid-input', '"command"'],
      ['invalid-input', '"pickString"'],
      ['invalid-input', '"yes"'],
      ['duplicate-input', '"c"'],
      ['invalid-input', '"z"'],
    ]);
    const d = inputs.find((i) => i.id === 'd')!;
    assert.deepEqual(d.options, ['x', 'y']);
    assert.deepEqual(d.optionLabels, ['x', 'Why']);
  });

  it('rejects "inputs" that is not an array', () => {
    const text = '{ "inputs": {"id": "x"}, "servers": {} }';
    assert.equal(textAt(text, only(parse(text).problems, 'invalid-inputs')), '{"id": "x"}');
  });
});
