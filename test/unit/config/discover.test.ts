import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  configFileCandidates,
  discover,
  envInputResolver,
  inputEnvName,
  type InputDefinition,
  type InputRequest,
  userConfigCandidates,
} from '../../../src/core/config';
import { fixture, only, TempDirs, textAt, write } from './helpers';

const MULTI = path.resolve(__dirname, '../../fixtures/workspaces/discovery-multiroot');
const ALPHA = path.join(MULTI, 'alpha');
const BETA = path.join(MULTI, 'beta');

describe('discover: the multi-root fixture workspace', () => {
  const env = { FIXTURE_TOKEN: 'tok-from-env', MCP_HARNESS_INPUT_API_KEY: 'k-123' };
  const run = () => discover({ folders: [ALPHA, BETA], env, home: '/home/me', platform: 'linux' });

  it('lists every candidate file of both folders with whether it exists', async () => {
    const { files } = await run();
    assert.deepEqual(
      files.map((f) => [path.relative(MULTI, f.path), f.kind, f.exists]),
      [
        ['alpha/.vscode/mcp.json', 'vscode', true],
        ['alpha/.mcp.json', 'mcp-json', true],
        ['alpha/.cursor/mcp.json', 'cursor', true],
        ['alpha/.gemini/settings.json', 'gemini', true],
        ['alpha/.windsurf/mcp_config.json', 'windsurf', true],
        ['beta/.vscode/mcp.json', 'vscode', true],
        ['beta/.mcp.json', 'mcp-json', false],
        ['beta/.cursor/mcp.json', 'cursor', false],
        ['beta/.gemini/settings.json', 'gemini', false],
        ['beta/.windsurf/mcp_config.json', 'windsurf', false],
      ],
    );
    assert.equal(files[0]!.workspaceFolder, ALPHA);
  });

  it('keeps every definition of a repeated name with unique ids', async () => {
    const { definitions } = await run();
    assert.deepEqual(definitions.map((d) => d.id), [
      'memory@vscode:alpha', 'weather',
      'memory@mcp-json', 'remote@mcp-json',
      'memory@cursor', 'docs',
      'local', 'streaming', 'legacy',
      'remote@windsurf', 'off',
      'memory@vscode:beta', 'broken',
    ]);
    assert.equal(new Set(definitions.map((d) => d.id)).size, definitions.length);
  });

  it('notes where same-named definitions differ', async () => {
    const { definitions } = await run();
    const byId = Object.fromEntries(definitions.map((d) => [d.id, d]));
    assert.deepEqual(byId['memory@cursor']!.notes, [
      'differs from alpha/.vscode/mcp.json: args, env, cwd',
      'differs from alpha/.mcp.json: args, env',
      'differs from beta/.vscode/mcp.json: args',
    ]);
    assert.deepEqual(byId['memory@mcp-json']!.notes, [
      'differs from alpha/.vscode/mcp.json: args, env, cwd',
      'differs from alpha/.cursor/mcp.json: args, env',
      'differs from beta/.vscode/mcp.json: env',
    ]);
    assert.deepEqual(byId['remote@mcp-json']!.notes, ['differs from alpha/.windsurf/mcp_config.json: transport, url']);
  });

  it('resolves inputs from MCP_HARNESS_INPUT_<ID> (or the default), merges the envFile and lets env override it', async () => {
    const { definitions, problems } = await run();
    const memory = definitions.find((d) => d.id === 'memory@vscode:alpha')!;
    assert.equal(memory.error, undefined, JSON.stringify(problems.filter((p) => p.server === memory.id)));
    assert.deepEqual(memory.env, {
      FROM_FILE: 'plain value',
      QUOTED: 'line one\nline two',
      SINGLE: 'keep $literal \\n as is',
      EMPTY: '',
      TOKEN: 'tok-from-env',
      API_KEY: 'k-123',
      HOME_DIR: '/home/me',
    });
    assert.equal(memory.envFile, path.join(ALPHA, '.env'));
    assert.equal(memory.cwd, path.join(ALPHA, 'tools'));
    const weather = definitions.find((d) => d.id === 'weather')!;
    assert.equal(weather.url, 'https://weather.example.com/eu/mcp');
    assert.deepEqual(weather.headers, { Authorization: 'Bearer k-123' });
  });

  it('reports beta\'s problems at their ranges, under the definition id', async () => {
    const { problems, definitions } = await run();
    const text = readFileSync(path.join(BETA, '.vscode/mcp.json'), 'utf8');
    const missing = only(problems, 'envfile-missing');
    assert.equal(missing.file, path.join(BETA, '.vscode/mcp.json'));
    assert.equal(textAt(text, missing), '"missing.env"');
    assert.equal(missing.server, 'memory@vscode:beta');
    assert.match(missing.message, /The envFile "missing.env" of server "memory" does not exist: create it/);
    const type = only(problems, 'unknown-type');
    assert.equal(textAt(text, type), '"websocket"');
    assert.equal(type.server, 'broken');
    assert.ok(definitions.find((d) => d.id === 'memory@vscode:beta')!.error);
    assert.ok(definitions.find((d) => d.id === 'broken')!.error);
    assert.deepEqual(definitions.find((d) => d.id === 'memory@vscode:beta')!.args, [path.join(ALPHA, 'server.js'), '--name', 'demo']);
  });

  it('returns the input definitions so the editor can prompt', async () => {
    const { inputs } = await run();
    assert.deepEqual(inputs.map((i) => [i.id, i.file, i.workspaceFolder]), [
      ['api-key', path.join(ALPHA, '.vscode/mcp.json'), ALPHA],
      ['region', path.join(ALPHA, '.vscode/mcp.json'), ALPHA],
    ]);
  });
});

describe('discover: duplicates, inputs and envFile in temp folders', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('notes identical definitions and suffixes the ids with the kind', async () => {
    const root = temp.make();
    write(root, '.mcp.json', '{"mcpServers": {"mem": {"command": "npx", "args": ["-y", "m"], "env": {"A": "1"}}}}');
    write(root, '.cursor/mcp.json', '{"mcpServers": {"mem": {"env": {"A": "1"}, "args": ["-y", "m"], "command": "npx"}}}');
    write(root, '.vscode/mcp.json', '{"servers": {"solo": {"command": "x"}}}');
    const { definitions } = await discover({ folders: [root], env: {} });
    assert.deepEqual(definitions.map((d) => [d.id, d.notes]), [
      ['solo', []],
      ['mem@mcp-json', ['same as .cursor/mcp.json']],
      ['mem@cursor', ['same as .mcp.json']],
    ]);
    assert.equal(definitions[1]!.hash, definitions[2]!.hash);
  });

  it('numbers ids that still collide (two folders with the same name)', async () => {
    const one = path.join(temp.make(), 'app');
    const two = path.join(temp.make(), 'app');
    write(one, '.vscode/mcp.json', '{"servers": {"s": {"command": "a"}}}');
    write(two, '.vscode/mcp.json', '{"servers": {"s": {"command": "b"}}}');
    const { definitions } = await discover({ folders: [one, two], env: {} });
    assert.deepEqual(definitions.map((d) => d.id), ['s@vscode:app', 's@vscode:app#2']);
  });

  it('reads each folder once even when it is given twice', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', '{"servers": {"s": {"command": "a"}}}');
    const { definitions, files } = await discover({ folders: [root, root + path.sep], env: {} });
    assert.deepEqual(definitions.map((d) => d.id), ['s']);
    assert.equal(files.length, 5);
  });

  it('asks an input once for all the servers that use it, with its definition', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', JSON.stringify({
      inputs: [{ id: 'key', type: 'promptString', description: 'The key', password: true }],
      servers: {
        a: { command: 'x', env: { K: '${input:key}' } },
        b: { type: 'http', url: 'https://b.example/mcp', headers: { Authorization: 'Bearer ${input:key}' } },
      },
    }));
    const calls: Array<[InputDefinition, InputRequest]> = [];
    const { definitions, problems } = await discover({
      folders: [root],
      env: {},
      resolveInput: async (input, request) => {
        calls.push([input, request]);
        return 's3cret';
      },
    });
    assert.deepEqual(problems, []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]![0].password, true);
    assert.equal(calls[0]![0].description, 'The key');
    assert.equal(calls[0]![1].server, 'a');
    assert.equal(definitions[0]!.env!.K, 's3cret');
    assert.equal(definitions[1]!.headers!.Authorization, 'Bearer s3cret');
  });

  it('marks servers unusable when an input gets no value, at each use, naming the CLI variable', async () => {
    const root = temp.make();
    const text = JSON.stringify({
      inputs: [{ id: 'api-key', type: 'promptString' }],
      servers: { a: { command: 'x', args: ['--key=${input:api-key}'] }, b: { command: 'y', env: { K: '${input:api-key}' } } },
    }, null, 2);
    const file = write(root, '.vscode/mcp.json', text);
    const { definitions, problems } = await discover({ folders: [root], env: {} });
    const unresolved = problems.filter((p) => p.code === 'unresolved-variable');
    assert.deepEqual(unresolved.map((p) => [p.file, textAt(text, p), p.server]), [
      [file, '${input:api-key}', 'a'],
      [file, '${input:api-key}', 'b'],
    ]);
    assert.match(unresolved[0]!.message, /MCP_HARNESS_INPUT_API_KEY/);
    assert.ok(definitions.every((d) => d.error !== undefined));
  });

  it('uses a resolver\'s error message, and rejects a pickString value outside its options', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', JSON.stringify({
      inputs: [{ id: 'a', type: 'promptString' }, { id: 'b', type: 'pickString', options: ['x', 'y'] }],
      servers: { s: { command: 'x', args: ['${input:a}'] }, t: { command: 'x', args: ['${input:b}'] } },
    }));
    const { problems } = await discover({
      folders: [root],
      resolveInput: async (input) => {
        if (input.id === 'a') throw new Error('The secret store is locked: unlock it and try again.');
        return 'z';
      },
    });
    const messages = problems.filter((p) => p.code === 'unresolved-variable').map((p) => p.message);
    assert.deepEqual(messages, [
      'The secret store is locked: unlock it and try again.',
      'The value given for the input "b" is not one of its options: choose one of "x", "y".',
    ]);
  });

  it('defers inputs when asked, without calling the resolver', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', JSON.stringify({
      inputs: [{ id: 'k', type: 'promptString' }],
      servers: { s: { command: 'x', env: { K: '${input:k}' } }, t: { command: 'y', env: { K: '${input:k}' } } },
    }));
    let calls = 0;
    const resolveInput = async () => {
      calls++;
      return 'v';
    };
    const deferred = await discover({ folders: [root], resolveInput, deferInputs: true });
    assert.equal(calls, 0);
    assert.deepEqual(deferred.problems, []);
    assert.deepEqual(deferred.definitions.map((d) => [d.pendingInputs, d.env!.K, d.error]), [[['k'], '${input:k}', undefined], [['k'], '${input:k}', undefined]]);
    const one = await discover({ folders: [root], resolveInput, deferInputs: (s) => s.id !== 't' });
    assert.equal(calls, 1);
    assert.deepEqual(one.definitions.map((d) => d.env!.K), ['${input:k}', 'v']);
  });

  it('does not ask inputs for a server that is broken anyway', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', JSON.stringify({
      inputs: [{ id: 'k', type: 'promptString' }],
      servers: { s: { type: 'stdio', env: { K: '${input:k}' } } },
    }));
    let calls = 0;
    await discover({ folders: [root], resolveInput: async () => (calls++, 'v') });
    assert.equal(calls, 0);
  });

  it('reports envFile syntax problems in the env file itself and keeps its readable lines', async () => {
    const root = temp.make();
    write(root, '.vscode/mcp.json', '{"servers": {"s": {"command": "x", "envFile": "${workspaceFolder}/conf/dev.env", "env": {"B": "from-env"}}}}');
    const envText = 'A=1\nnot an assignment\nB=from-file\n';
    const envPath = write(root, 'conf/dev.env', envText);
    const { definitions, problems } = await discover({ folders: [root], env: {} });
    const p = only(problems, 'envfile-syntax');
    assert.equal(p.file, envPath);
    assert.equal(p.severity, 'warning');
    assert.equal(textAt(envText, p), 'not an assignment');
    assert.equal(p.server, 's');
    assert.deepEqual(definitions[0]!.env, { A: '1', B: 'from-env' });
    assert.equal(definitions[0]!.error, undefined);
  });

  it('reads envFile for Cursor too, relative to the folder', async () => {
    const root = temp.make();
    write(root, '.cursor/mcp.json', '{"mcpServers": {"s": {"command": "x", "envFile": ".env.local"}}}');
    write(root, '.env.local', 'export X="y"\n');
    const { definitions } = await discover({ folders: [root], env: {} });
    assert.deepEqual(definitions[0]!.env, { X: 'y' });
  });

  it('reports an envFile that is a folder instead of a file', async () => {
    const root = temp.make();
    const text = '{"servers": {"s": {"command": "x", "envFile": "envdir"}}}';
    write(root, '.vscode/mcp.json', text);
    mkdirSync(path.join(root, 'envdir'));
    const { problems } = await discover({ folders: [root], env: {} });
    const p = only(problems, 'envfile-unreadable');
    assert.equal(textAt(text, p), '"envdir"');
    assert.match(p.message, /is a folder, not a file/);
  });

  it('reports a config path that is a folder, and a reader that fails, without throwing', async () => {
    const root = temp.make();
    mkdirSync(path.join(root, '.mcp.json'));
    const folderCase = await discover({ folders: [root], env: {} });
    const p = only(folderCase.problems, 'read-error');
    assert.equal(p.file, path.join(root, '.mcp.json'));
    assert.match(p.message, /\.mcp\.json is a folder, not a file/);
    assert.equal(folderCase.files.find((f) => f.kind === 'mcp-json')!.exists, true);

    const failing = await discover({
      folders: [root],
      readFile: async (file) => {
        if (file.endsWith('mcp.json')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return undefined;
      },
    });
    assert.equal(failing.problems.filter((x) => x.code === 'read-error').length, 3, '.vscode/mcp.json, .mcp.json and .cursor/mcp.json');
    assert.match(failing.problems[0]!.message, /permission denied.*allow read access/);
  });

  it('uses an injected reader (unsaved editor text) and survives binary garbage', async () => {
    const root = '/virtual/ws';
    const texts: Record<string, string> = {
      [path.join(root, '.vscode/mcp.json')]: '{"servers": {"unsaved": {"command": "z"}}}',
      [path.join(root, '.mcp.json')]: '\u0000\u0001\uFFFD{{{]]]"',
    };
    const result = await discover({ folders: [root], env: {}, readFile: async (file) => texts[file] });
    assert.deepEqual(result.definitions.map((d) => d.id), ['unsaved']);
    assert.ok(result.problems.some((p) => p.code === 'invalid-json' && p.file === path.join(root, '.mcp.json')));
  });

  it('reads the user\'s Claude Desktop config only when asked', async () => {
    const home = temp.make();
    const folder = temp.make();
    write(home, '.config/Claude/claude_desktop_config.json', fixture('claude_desktop_config.json'));
    const off = await discover({ folders: [folder], home, env: { HOME: home }, platform: 'linux' });
    assert.equal(off.definitions.length, 0);
    assert.ok(off.files.every((f) => f.kind !== 'claude-desktop'));
    const on = await discover({ folders: [folder], home, env: { HOME: home }, platform: 'linux', includeUserConfigs: true });
    assert.deepEqual(on.definitions.map((d) => [d.id, d.source.kind, d.source.workspaceFolder]), [['desktop-memory', 'claude-desktop', undefined]]);
    assert.deepEqual(on.definitions[0]!.env, { MEMORY_FILE: `${home}/memory.json` });
    assert.deepEqual(on.problems, []);
  });

  it('names user-config duplicates with ~ in notes', async () => {
    const home = temp.make();
    const folder = temp.make();
    write(home, '.config/Claude/claude_desktop_config.json', '{"mcpServers": {"m": {"command": "a"}}}');
    write(folder, '.mcp.json', '{"mcpServers": {"m": {"command": "b"}}}');
    const { definitions } = await discover({ folders: [folder], home, env: {}, platform: 'linux', includeUserConfigs: true });
    assert.deepEqual(definitions.map((d) => [d.id, d.notes]), [
      ['m@mcp-json', ['differs from ~/.config/Claude/claude_desktop_config.json: command']],
      ['m@claude-desktop', ['differs from .mcp.json: command']],
    ]);
  });

  it('returns nothing, and no problems, for a folder without config files', async () => {
    const result = await discover({ folders: [temp.make()], env: {} });
    assert.deepEqual(result.definitions, []);
    assert.deepEqual(result.problems, []);
    assert.ok(result.files.every((f) => !f.exists));
  });
});

describe('candidates and the CLI input resolver', () => {
  it('lists the workspace config files of a folder', () => {
    assert.deepEqual(configFileCandidates('/ws').map((c) => [c.kind, c.path]), [
      ['vscode', path.join('/ws', '.vscode', 'mcp.json')],
      ['mcp-json', path.join('/ws', '.mcp.json')],
      ['cursor', path.join('/ws', '.cursor', 'mcp.json')],
      ['gemini', path.join('/ws', '.gemini', 'settings.json')],
      ['windsurf', path.join('/ws', '.windsurf', 'mcp_config.json')],
    ]);
  });

  it('finds Claude Desktop\'s config on each platform', () => {
    assert.equal(userConfigCandidates('/home/me', 'linux', {})[0]!.path, '/home/me/.config/Claude/claude_desktop_config.json');
    assert.equal(userConfigCandidates('/home/me', 'linux', { XDG_CONFIG_HOME: '/xdg' })[0]!.path, '/xdg/Claude/claude_desktop_config.json');
    assert.equal(userConfigCandidates('/Users/me', 'darwin', {})[0]!.path, '/Users/me/Library/Application Support/Claude/claude_desktop_config.json');
    assert.equal(userConfigCandidates('C:\\Users\\me', 'win32', { APPDATA: 'D:\\Roaming' })[0]!.path, 'D:\\Roaming\\Claude\\claude_desktop_config.json');
    assert.equal(userConfigCandidates('C:\\Users\\me', 'win32', {})[0]!.path, 'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
  });

  it('reads inputs from MCP_HARNESS_INPUT_<ID>, falling back to the default', async () => {
    assert.equal(inputEnvName('api-key'), 'MCP_HARNESS_INPUT_API_KEY');
    assert.equal(inputEnvName('db.password'), 'MCP_HARNESS_INPUT_DB_PASSWORD');
    const resolve = envInputResolver({ MCP_HARNESS_INPUT_API_KEY: 'v', MCP_HARNESS_INPUT_EMPTY: '' });
    const base = { type: 'promptString' as const, file: 'f', range: { offset: 0, length: 0 } };
    const request = { server: 's', file: 'f' };
    assert.equal(await resolve({ ...base, id: 'api-key' }, request), 'v');
    assert.equal(await resolve({ ...base, id: 'empty' }, request), '');
    assert.equal(await resolve({ ...base, id: 'other', default: 'd' }, request), 'd');
    await assert.rejects(resolve({ ...base, id: 'other', description: 'the other one' }, request), /^Error: No value was given for the input "other" \(the other one\): set the environment variable MCP_HARNESS_INPUT_OTHER\.$/);
  });
});
