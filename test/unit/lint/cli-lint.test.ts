// `mcp-harness lint` as a user runs it: the built CLI (node dist/cli.js) against the fixture workspace,
// temp workspaces and offline tools files.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, buildPrivateCli, runCli as runBuilt } from './cliHelpers';
import { main } from '../../../src/cli/main';
import { join, resolve } from 'node:path';

const FIXTURE_WS = join(ROOT, 'test/fixtures/workspaces/lint-server');
const POISONED = join(ROOT, 'test/fixtures/lint/poisoned-tools.json');


async function runInProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => '', cwd: ROOT, env: process.env });
  return { code, stdout, stderr };
}

describe('CLI: lint', function () {
  this.timeout(240_000);
  let bundle: ReturnType<typeof buildPrivateCli>;
  const runCli = (args: string[], cwd?: string) => runBuilt(bundle.cli, args, cwd);
  const dirs: string[] = [];
  const temp = (files: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-lint-cli-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    }
    return dir;
  };
  const notesServer = { command: process.execPath, args: [join(FIXTURE_WS, 'server.mjs')] };

  before(() => (bundle = buildPrivateCli()));
  after(() => {
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    bundle?.dispose();
  });

  it('lints the fixture workspace: grouped listing with source locations, exit 1 on an error finding', async () => {
    const run = await runCli(['lint', '--workspace', FIXTURE_WS]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^notes: 5 tools, 4 findings$/m);
    assert.match(run.stdout, /^  search_notes  \(server\.mjs:51:3\)$/m);
    assert.match(run.stdout, /error   hidden-unicode +the description contains 1 zero-width character: U\+200B/);
    assert.match(run.stdout, /sensitive-path +the description: mentions ~\/\.ssh\/config — /);
    assert.match(run.stdout, /1 error\(s\), 3 warning\(s\), 0 info in 5 tool\(s\) of 1 server\(s\)/);
  });

  it('--json prints exactly [{server, tool, rule, severity, message, path}]', async () => {
    const run = await runCli(['lint', '--workspace', FIXTURE_WS, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const rows = JSON.parse(run.stdout) as Record<string, string>[];
    assert.equal(rows.length, 4);
    for (const r of rows) assert.deepEqual(Object.keys(r), ['server', 'tool', 'rule', 'severity', 'message', 'path']);
    assert.deepEqual(rows.find((r) => r.rule === 'hidden-unicode'), {
      server: 'notes',
      tool: 'search_notes',
      rule: 'hidden-unicode',
      severity: 'error',
      message: 'the description contains 1 zero-width character: U+200B',
      path: '/description',
    });
  });

  it('--rule and .vscode/settings.json re-grade rules; exit 0 without error findings', async () => {
    const off = await runCli(['lint', '--workspace', FIXTURE_WS, '--json', '--rule', 'hidden-unicode=warning']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(JSON.parse(off.stdout).find((r: { rule: string }) => r.rule === 'hidden-unicode').severity, 'warning');
    const dir = temp({
      '.vscode/mcp.json': { servers: { notes: notesServer } },
      '.vscode/settings.json': '{\n  // lint settings\n  "mcpHarness.lint.rules": { "description-missing": "off", "sensitive-path": "error", "nope": "off" },\n}\n',
    });
    const run = await runCli(['lint', '--workspace', dir, '--json']);
    assert.equal(run.code, 1);
    const rows = JSON.parse(run.stdout);
    assert.deepEqual(rows.map((r: { rule: string; severity: string }) => `${r.rule}:${r.severity}`).sort(), ['hidden-unicode:error', 'sensitive-path:error']);
    assert.match(run.stderr, /\\"nope\\" is not a lint rule/);
    const bad = await runCli(['lint', '--workspace', dir, '--rule', 'hidden-unicode=loud']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rule hidden-unicode=loud is not ID=LEVEL/);
  });

  it('reports name collisions between two servers of a workspace', async () => {
    const dir = temp({ '.vscode/mcp.json': { servers: { a: notesServer, b: notesServer } } });
    const run = await runCli(['lint', '--workspace', dir, '--json', '--rule', 'hidden-unicode=off']);
    const collisions = JSON.parse(run.stdout).filter((r: { rule: string }) => r.rule === 'name-collision');
    assert.equal(collisions.length, 10, '5 tools × 2 servers');
    assert.match(collisions[0].message, /also offered by "b"/);
    assert.equal(run.code, 0);
  });

  it('lints an offline tools file: the poisoning fixtures fail with exit 1', async () => {
    const run = await runCli(['lint', '--tools-file', POISONED, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const rows = JSON.parse(run.stdout) as { server: string; tool: string; rule: string }[];
    assert.ok(rows.every((r) => r.server === 'poisoned-tools'));
    for (const rule of ['hidden-instructions', 'cross-tool-instruction', 'sensitive-path', 'exfiltration-target', 'hidden-unicode', 'urgency-pressure']) {
      assert.ok(rows.some((r) => r.rule === rule), rule);
    }
    const text = await runCli(['lint', '--tools-file', POISONED, '--server', 'evil']);
    assert.match(text.stdout, /^evil: 12 tools, \d+ findings$/m);
  });

  it('accepts a plain array and ignores unknown fields; accepts several servers in one file', async () => {
    const tool = { name: 'ok', description: 'Does ok things.', inputSchema: { type: 'object', properties: {} }, 'x-vendor': { anything: true }, _meta: { a: 1 } };
    const dir = temp({ 'array.json': [tool], 'multi.json': { one: { tools: [tool] }, two: [tool] } });
    const arr = await runCli(['lint', '--tools-file', join(dir, 'array.json'), '--json']);
    assert.equal(arr.code, 0, arr.stderr);
    assert.deepEqual(JSON.parse(arr.stdout), []);
    const multi = await runCli(['lint', '--tools-file', join(dir, 'multi.json'), '--json']);
    assert.deepEqual(JSON.parse(multi.stdout).map((r: { server: string; rule: string }) => `${r.server}:${r.rule}`).sort(), ['one:name-collision', 'two:name-collision']);
  });

  it('exits 2 with a clear message for malformed or missing tools files', async () => {
    const dir = temp({ 'broken.json': '{ "tools": [', 'wrong.json': { foo: 1 }, 'entries.json': { tools: [{ name: 'a' }, 7] } });
    const cases: [string, RegExp][] = [
      [join(dir, 'broken.json'), /broken\.json is not valid JSON .*Give a tools\/list result/],
      [join(dir, 'wrong.json'), /holds neither a tools\/list result .* nor a JSON array of tools/],
      [join(dir, 'entries.json'), /tool 1 is 7, not an object/],
      [join(dir, 'missing.json'), /cannot be read \(ENOENT\)\. Check the path/],
      [dir, /is not a file/],
    ];
    // The same command code in-process (spawning a CLI per case is slow on a busy machine); the
    // spawned runs below check the real exit code and stream handling.
    for (const [file, message] of cases) {
      const run = await runInProcess(['lint', '--tools-file', file]);
      assert.equal(run.code, 2, file);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
    const spawned = await runCli(['lint', '--tools-file', join(dir, 'entries.json')]);
    assert.equal(spawned.code, 2);
    assert.match(spawned.stderr, /^mcp-harness: .*tool 1 is 7, not an object/);
    const json = await runCli(['lint', '--tools-file', join(dir, 'broken.json'), '--json']);
    assert.equal(JSON.parse(json.stderr).error.code, 'usage');
  });

  it('lints an offline tools file under the lint settings of --workspace (no server is started)', async () => {
    const dir = temp({
      // The workspace's servers must not be started for an offline lint: this one would fail with exit 3.
      '.vscode/mcp.json': { servers: { broken: { command: join(tmpdir(), 'no-such-mcp-server-binary') } } },
      '.vscode/settings.json': '{ "mcpHarness.lint.rules": { "hidden-unicode": "off", "description-missing": "off", "sensitive-path": "warning" }, "mcpHarness.lint.descriptionTokenThreshold": 50 }',
    });
    const plain = JSON.parse((await runCli(['lint', '--tools-file', POISONED, '--json'])).stdout) as { rule: string; severity: string }[];
    assert.ok(plain.some((r) => r.rule === 'hidden-unicode') && plain.some((r) => r.rule === 'description-missing'));
    const run = await runCli(['lint', '--tools-file', POISONED, '--workspace', dir, '--json', '--rule', 'description-missing=info']);
    assert.equal(run.code, 1, run.stderr);
    const rows = JSON.parse(run.stdout) as { rule: string; severity: string }[];
    assert.ok(!rows.some((r) => r.rule === 'hidden-unicode'), 'the workspace turns hidden-unicode off');
    assert.ok(rows.filter((r) => r.rule === 'sensitive-path').every((r) => r.severity === 'warning'), 'and re-grades sensitive-path');
    assert.ok(rows.some((r) => r.rule === 'description-missing' && r.severity === 'info'), '--rule wins over the settings file');
    assert.ok(rows.filter((r) => r.rule === 'description-cost').length > plain.filter((r) => r.rule === 'description-cost').length, 'the token threshold of 50 applies');
    const missing = await runInProcess(['lint', '--tools-file', POISONED, '--workspace', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /the workspace folder .*nope does not exist or is not a folder/);
  });

  it('an empty workspace lints nothing (exit 0); a server that cannot start gives exit 3', async () => {
    const empty = temp({ 'readme.txt': 'no servers' });
    const none = await runCli(['lint', '--workspace', empty, '--json']);
    assert.equal(none.code, 0);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const dir = temp({ '.vscode/mcp.json': { servers: { broken: { command: process.execPath, args: ['-e', 'process.exit(4)'] } } } });
    const run = await runCli(['lint', '--workspace', dir]);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /server "broken" could not be started, so its tools were not linted/);
  });
});
