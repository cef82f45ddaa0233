// Runs the built CLI (`node dist/cli.js`) as a child process against fixture workspaces.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli as runBuiltCli } from '../lint/cliHelpers';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const FIXTURES = join(ROOT, 'test/fixtures/servers');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const runCli = (args: string[], cwd = ROOT): Promise<Run> => runBuiltCli(CLI, args, cwd);

function stdioServer(file: string, args: string[] = []) {
  return { command: process.execPath, args: [join(FIXTURES, file), ...args] };
}

function workspace(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-cli-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

function stderrJson(stderr: string): Record<string, any>[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`stderr is not one JSON object per line:\n${stderr}`);
      }
    });
}

describe('CLI: servers and tools', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const ws = (files: Record<string, unknown>) => {
    const dir = workspace(files);
    dirs.push(dir);
    return dir;
  };

  before(() => {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('servers --json connects every server in parallel and reports tool counts', async () => {
    const dir = ws({
      '.vscode/mcp.json': { servers: { echo: stdioServer('crash.mjs'), paged: stdioServer('paged.mjs', ['--tools', '12', '--page-size', '5']) } },
      '.mcp.json': { mcpServers: { slow: stdioServer('slow.mjs') } },
    });
    const run = await runCli(['servers', '--workspace', dir, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const rows = JSON.parse(run.stdout);
    assert.deepEqual(
      rows.map((r: any) => [r.name, r.source, r.transport, r.status, r.tools, r.error]).sort(),
      [
        ['echo', '.vscode/mcp.json', 'stdio', 'running', 4, undefined],
        ['paged', '.vscode/mcp.json', 'stdio', 'running', 13, undefined],
        ['slow', '.mcp.json', 'stdio', 'running', 1, undefined],
      ],
    );
  });

  it('servers --no-connect starts nothing', async () => {
    const dir = ws({ '.vscode/mcp.json': { servers: { broken: stdioServer('crash.mjs', ['--at-startup']) } } });
    const run = await runCli(['servers', '-w', dir, '--json', '--no-connect']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [{ name: 'broken', source: '.vscode/mcp.json', transport: 'stdio', status: 'stopped', tools: null }]);
  });

  it('servers exits 3 when a server cannot start, with its error in the row and on stderr', async () => {
    const dir = ws({
      '.vscode/mcp.json': {
        servers: { ok: stdioServer('crash.mjs'), broken: stdioServer('crash.mjs', ['--at-startup']), missing: { command: 'mcp-harness-no-such-command' } },
      },
    });
    const run = await runCli(['servers', '--workspace', dir, '--json']);
    assert.equal(run.code, 3);
    const rows = JSON.parse(run.stdout);
    const byName = Object.fromEntries(rows.map((r: any) => [r.name, r]));
    assert.equal(byName.ok.status, 'running');
    assert.equal(byName.broken.status, 'error');
    assert.match(byName.broken.error, /^Could not start broken: the process exited with code 1 before the MCP handshake finished/);
    assert.match(byName.missing.error, /^Could not start missing: command 'mcp-harness-no-such-command' was not found\. Check 'command' in /);
    assert.deepEqual(stderrJson(run.stderr), [{ error: { code: 'unreachable', message: '2 of 3 servers could not be started: broken, missing.' } }]);
  });

  it('servers prints a table, and config problems as file:line:col warnings', async () => {
    const dir = ws({
      '.vscode/mcp.json': '{\n  "servers": {\n    "echo": ' + JSON.stringify(stdioServer('crash.mjs')) + ',\n    "odd": { "type": "carrier-pigeon" }\n  }\n}\n',
    });
    const run = await runCli(['servers', '--workspace', dir], dir);
    assert.equal(run.code, 3);
    const lines = run.stdout.split('\n');
    assert.match(lines[0], /^NAME\s+STATUS\s+TRANSPORT\s+TOOLS\s+SOURCE$/);
    assert.match(run.stdout, /^echo\s+running\s+stdio\s+4\s+\.vscode\/mcp\.json$/m);
    assert.match(run.stderr, /^\.vscode\/mcp\.json:4:\d+: error: .*carrier-pigeon/m);
    const json = await runCli(['servers', '--workspace', dir, '--json', '--no-connect'], dir);
    const warning = stderrJson(json.stderr)[0].warning;
    assert.equal(warning.line, 4);
    assert.equal(warning.severity, 'error');
    assert.match(warning.message, /carrier-pigeon/);
  });

  it('servers with an empty workspace says how to add a server', async () => {
    const dir = ws({ 'README.md': 'nothing here' });
    const run = await runCli(['servers', '--workspace', dir]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /No MCP servers are configured in .*Add one to \.vscode\/mcp\.json/);
    assert.deepEqual(JSON.parse((await runCli(['servers', '--workspace', dir, '--json'])).stdout), []);
  });

  it('servers exits 2 for a workspace folder that does not exist', async () => {
    const run = await runCli(['servers', '--workspace', '/definitely/not/here', '--json']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.deepEqual(stderrJson(run.stderr), [
      { error: { code: 'usage', message: "the workspace folder '/definitely/not/here' does not exist or is not a folder. Pass an existing folder with --workspace." } },
    ]);
  });

  it('tools lists names, first description lines and annotations', async () => {
    const dir = ws({ '.vscode/mcp.json': { servers: { echo: stdioServer('crash.mjs') } } });
    const run = await runCli(['tools', 'echo', '--workspace', dir, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const tools = JSON.parse(run.stdout);
    const crash = tools.find((t: any) => t.name === 'crash');
    assert.equal(crash.description, 'Exits the server process in the middle of the call.');
    assert.deepEqual(crash.annotations, { destructiveHint: true, readOnlyHint: false });
    assert.equal(crash.inputSchema.type, 'object');
    const table = await runCli(['tools', 'echo', '--workspace', dir]);
    assert.match(table.stdout, /^echo\s+\[read-only, idempotent\] Returns its text\.$/m);
    assert.match(table.stdout, /^crash\s+\[destructive\] Exits the server process in the middle of the call\.$/m);
  });

  it('tools exits 2 for an unknown server and names the known ones', async () => {
    const dir = ws({ '.vscode/mcp.json': { servers: { a: stdioServer('crash.mjs'), b: stdioServer('crash.mjs') } } });
    const run = await runCli(['tools', 'nope', '--workspace', dir, '--json']);
    assert.equal(run.code, 2);
    assert.deepEqual(stderrJson(run.stderr), [{ error: { code: 'usage', message: `unknown server 'nope'. Servers in ${dir}: a, b.` } }]);
  });

  it('tools exits 3 when the server cannot be reached', async () => {
    const dir = ws({ '.vscode/mcp.json': { servers: { broken: stdioServer('crash.mjs', ['--at-startup']) } } });
    const run = await runCli(['tools', 'broken', '--workspace', dir, '--json']);
    assert.equal(run.code, 3);
    const [{ error }] = stderrJson(run.stderr);
    assert.equal(error.code, 'unreachable');
    assert.match(error.message, /^Could not start broken: the process exited with code 1/);
    const text = await runCli(['tools', 'broken', '--workspace', dir]);
    assert.match(text.stderr, /^mcp-harness: Could not start broken/);
    assert.ok(!/\n\s+at /.test(text.stderr), 'a stack trace was printed');
  });

  it('tools needs exactly one server name', async () => {
    const run = await runCli(['tools', '--json']);
    assert.equal(run.code, 2);
    assert.equal(stderrJson(run.stderr)[0].error.code, 'usage');
  });
});
