import * as assert from 'node:assert/strict';
import { parseConfigFile, type ConfigKind } from '../../../src/core/config';
import { only, textAt } from './helpers';

const parse = (text: string, kind: ConfigKind, env: NodeJS.ProcessEnv = {}, extra: { folders?: string[]; platform?: NodeJS.Platform; folder?: string | null } = {}) =>
  parseConfigFile(text, '/ws/app/config.json', kind, extra.folder === null ? undefined : (extra.folder ?? '/ws/app'), {
    env,
    home: '/home/me',
    platform: extra.platform ?? 'linux',
    ...(extra.folders ? { folders: extra.folders } : {}),
  });

const args = (text: string, kind: ConfigKind, env: NodeJS.ProcessEnv = {}, extra = {}) => parse(text, kind, env, extra).definitions[0]!.args;

describe('variables', () => {
  it('resolves the predefined variables', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["${workspaceFolder}", "${workspaceFolderBasename}", "${userHome}", "a${pathSeparator}b", "c${/}d", "${env:TOKEN}"]}}}';
    assert.deepEqual(args(text, 'vscode', { TOKEN: 't' }), ['/ws/app', 'app', '/home/me', 'a/b', 'c/d', 't']);
  });

  it('uses the platform\'s separator and case-insensitive environment names on Windows', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["${pathSeparator}", "${env:path}"]}}}';
    assert.deepEqual(args(text, 'vscode', { Path: 'C:\\bin' }, { platform: 'win32' }), ['\\', 'C:\\bin']);
    const { problems } = parse(text, 'vscode', { Path: 'C:\\bin' });
    assert.equal(only(problems, 'unresolved-variable').code, 'unresolved-variable', 'names are case-sensitive elsewhere');
  });

  it('resolves ${workspaceFolder:name} among the open folders', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["${workspaceFolder:api}", "${workspaceFolder:nope}"]}}}';
    const { definitions, problems } = parse(text, 'vscode', {}, { folders: ['/ws/app', '/ws/api'] });
    assert.equal(definitions[0]!.args![0], '/ws/api');
    const p = only(problems, 'unresolved-variable');
    assert.equal(textAt(text, p), '${workspaceFolder:nope}');
    assert.match(p.message, /open folders: app, api/);
  });

  it('reports an unset ${env:NAME} at the variable itself and marks the server unusable', () => {
    const text = '{"servers": {"s": {"command": "x", "env": {"KEY": "prefix-${env:MISSING_KEY}-suffix"}}}}';
    const { definitions, problems } = parse(text, 'vscode');
    const p = only(problems, 'unresolved-variable');
    assert.equal(textAt(text, p), '${env:MISSING_KEY}');
    assert.equal(p.severity, 'error');
    assert.equal(p.server, 's');
    assert.match(p.message, /MISSING_KEY .* is not set: set it/);
    assert.equal(definitions[0]!.error, p.message);
    assert.equal(definitions[0]!.env!.KEY, undefined, 'an unresolved value is never passed on');
  });

  it('keeps the exact range when the string has escapes before or inside the variable', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["a\\"\\\\b\\u00e9 ${env:NOPE} c", "\\u0024{env:NOPE2}"]}}}';
    const { problems } = parse(text, 'vscode');
    const found = problems.filter((p) => p.code === 'unresolved-variable').map((p) => textAt(text, p));
    assert.deepEqual(found, ['${env:NOPE}', '\\u0024{env:NOPE2}']);
  });

  it('resolves Claude-style ${VAR} and ${VAR:-default} in the non-VS Code formats', () => {
    const text = '{"mcpServers": {"s": {"command": "x", "args": ["${A}", "${B:-fallback}", "${env:A}", "${workspaceFolder}"]}}}';
    for (const kind of ['mcp-json', 'cursor', 'gemini', 'windsurf', 'claude-desktop'] as const) {
      assert.deepEqual(args(text, kind, { A: 'a' }), ['a', 'fallback', 'a', '/ws/app'], kind);
    }
  });

  it('reports an unset ${VAR} with a hint about defaults', () => {
    const text = '{"mcpServers": {"s": {"command": "${NO_SUCH_VAR}"}}}';
    const p = only(parse(text, 'mcp-json').problems, 'unresolved-variable');
    assert.equal(textAt(text, p), '${NO_SUCH_VAR}');
    assert.match(p.message, /\$\{NO_SUCH_VAR:-value\}/);
  });

  it('tells VS Code users to write ${env:NAME} instead of ${NAME}', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["${TOKEN}"]}}}';
    const p = only(parse(text, 'vscode', { TOKEN: 'set' }).problems, 'unknown-variable');
    assert.equal(textAt(text, p), '${TOKEN}');
    assert.match(p.message, /write \$\{env:TOKEN\}/);
  });

  it('reports variables it cannot resolve (${config:...}, ${command:...})', () => {
    const text = '{"servers": {"s": {"command": "x", "args": ["${config:editor.tabSize}", "${command:pick}"]}}}';
    const problems = parse(text, 'vscode').problems.filter((p) => p.code === 'unknown-variable');
    assert.deepEqual(problems.map((p) => textAt(text, p)), ['${config:editor.tabSize}', '${command:pick}']);
    assert.match(problems[0]!.message, /use one of \$\{workspaceFolder\}/);
  });

  it('reports ${input:id} in a format without inputs', () => {
    const text = '{"mcpServers": {"s": {"command": "x", "env": {"K": "${input:api-key}"}}}}';
    const p = only(parse(text, 'cursor').problems, 'unknown-input');
    assert.equal(textAt(text, p), '${input:api-key}');
    assert.match(p.message, /only works in \.vscode\/mcp\.json.*\$\{API_KEY\}/);
  });

  it('reports ${input:id} whose input is not defined', () => {
    const text = '{"servers": {"s": {"command": "x", "env": {"K": "${input:nope}"}}}}';
    const p = only(parse(text, 'vscode').problems, 'unknown-input');
    assert.equal(textAt(text, p), '${input:nope}');
    assert.match(p.message, /add \{"id": "nope", "type": "promptString"/);
  });

  it('reports ${workspaceFolder} in a user-level config, which has no folder', () => {
    const text = '{"mcpServers": {"s": {"command": "x", "args": ["${workspaceFolder}/a"]}}}';
    const p = only(parse(text, 'claude-desktop', {}, { folder: null }).problems, 'unresolved-variable');
    assert.equal(textAt(text, p), '${workspaceFolder}');
    assert.match(p.message, /belongs to no workspace folder/);
  });

  it('leaves text that only looks like a variable alone', () => {
    const text = '{"mcpServers": {"s": {"command": "x", "args": ["$HOME", "${", "{x}", "$$"]}}}';
    const { definitions, problems } = parse(text, 'mcp-json');
    assert.deepEqual(problems, []);
    assert.deepEqual(definitions[0]!.args, ['$HOME', '${', '{x}', '$$']);
  });

  it('resolves Gemini CLI\'s unbraced $VAR (only in .gemini/settings.json)', () => {
    const text = '{"mcpServers": {"s": {"command": "x", "args": ["$HOME/a", "${HOME}", "$1", "$$", "x$NOPE_VAR"]}}}';
    const { definitions, problems } = parse(text, 'gemini', { HOME: '/h' });
    assert.deepEqual(definitions[0]!.args, ['/h/a', '/h', '$1', '$$', 'x$NOPE_VAR']);
    const p = only(problems, 'unresolved-variable');
    assert.equal(textAt(text, p), '$NOPE_VAR');
    assert.match(p.message, /NOPE_VAR \(used as \$NOPE_VAR\) is not set/);
    assert.deepEqual(args(text.replace('x$NOPE_VAR', 'y'), 'cursor', { HOME: '/h' }), ['$HOME/a', '/h', '$1', '$$', 'y']);
  });

  it('resolves variables in command, cwd, url and headers', () => {
    const text = '{"servers": {"s": {"command": "${workspaceFolder}/bin/srv", "cwd": "${userHome}/w"}, "h": {"type": "http", "url": "https://${env:HOST}/mcp", "headers": {"Authorization": "Bearer ${env:TOK}"}}}}';
    const { definitions, problems } = parse(text, 'vscode', { HOST: 'h.example', TOK: 'abc' });
    assert.deepEqual(problems, []);
    assert.equal(definitions[0]!.command, '/ws/app/bin/srv');
    assert.equal(definitions[0]!.cwd, '/home/me/w');
    assert.equal(definitions[1]!.url, 'https://h.example/mcp');
    assert.deepEqual(definitions[1]!.headers, { Authorization: 'Bearer abc' });
  });
});
