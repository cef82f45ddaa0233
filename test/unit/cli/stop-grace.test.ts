// How long the CLI lets a stdio server exit on its own after a command (MCP_HARNESS_STOP_GRACE_MS, default
// CLI_STOP_GRACE_MS): a server that exits within it exits cleanly; one that does not is ended, not left running.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlive } from '../../../src/core/servers/processTree';
import { CLI_STOP_GRACE_MS, envStopGrace, envTimeout, MAX_STOP_GRACE_MS, REQUEST_TIMEOUT_ENV, STOP_GRACE_ENV } from '../../../src/cli/serverHints';
import { runCli as runBuiltCli } from '../lint/cliHelpers';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const SLOW = join(ROOT, 'test/fixtures/servers/slow.mjs');

// An empty STOP_GRACE_ENV: the CLI's own default applies unless a test sets it.
const runCli = (args: string[], cwd: string, env: Record<string, string> = {}) => runBuiltCli(CLI, args, cwd, '', { [STOP_GRACE_ENV]: '', ...env });

describe('CLI: stop grace for stdio servers', function () {
  this.timeout(60_000);
  let dir: string;
  const log = () => join(dir, 'exit.log');

  /** A workspace whose server takes `exitDelayMs` to exit once its stdin ends, logging to exit.log. */
  function workspaceWith(exitDelayMs: number): void {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-grace-'));
    mkdirSync(join(dir, '.vscode'));
    const args = [SLOW, '--exit-delay', String(exitDelayMs), '--exit-log', log()];
    writeFileSync(join(dir, '.vscode/mcp.json'), JSON.stringify({ servers: { slow: { type: 'stdio', command: process.execPath, args } } }));
  }

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a server that exits within the grace finish on its own', async () => {
    workspaceWith(300);
    const run = await runCli(['tools', 'slow', '--json'], dir, { [STOP_GRACE_ENV]: '20000' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"slow"/);
    assert.match(readFileSync(log(), 'utf8'), /^pid \d+\nclean exit\n$/);
  });

  it('ends a server still running after the default grace, and leaves nothing behind', async () => {
    // Far longer than the grace: the server is signalled long before it would exit.
    workspaceWith(CLI_STOP_GRACE_MS + 30_000);
    const run = await runCli(['tools', 'slow', '--json'], dir);
    assert.equal(run.code, 0, run.stderr);
    const lines = readFileSync(log(), 'utf8').trim().split('\n');
    assert.deepEqual(lines.length, 1, `the server exited on its own: ${lines.join(' / ')}`);
    const pid = Number(/^pid (\d+)$/.exec(lines[0])?.[1]);
    assert.equal(isAlive(pid), false, `server ${pid} outlived the command`);
  });

  it('refuses a grace that is not a whole number of ms, before starting anything', async () => {
    workspaceWith(0);
    const run = await runCli(['tools', 'slow', '--json'], dir, { [STOP_GRACE_ENV]: '1.5s' });
    assert.equal(run.code, 2);
    assert.match(JSON.parse(run.stderr).error.message, /MCP_HARNESS_STOP_GRACE_MS must be a whole number of milliseconds .*got '1\.5s'/);
    assert.throws(() => readFileSync(log(), 'utf8'), /ENOENT/, 'a server was started');
  });

  it('refuses a grace too long for a timer (it would fire at once), before starting anything', async () => {
    workspaceWith(0);
    const run = await runCli(['tools', 'slow', '--json'], dir, { [STOP_GRACE_ENV]: '4294967296' });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(JSON.parse(run.stderr).error.message, `MCP_HARNESS_STOP_GRACE_MS must be a whole number of milliseconds from 0 to ${MAX_STOP_GRACE_MS} (e.g. MCP_HARNESS_STOP_GRACE_MS=2000 lets a server take 2 s to exit); got '4294967296'.`);
    assert.throws(() => readFileSync(log(), 'utf8'), /ENOENT/, 'a server was started');
  });

  it('reads the variable: unset or empty is the default, 0 ends a server right away', () => {
    assert.equal(envStopGrace({}), CLI_STOP_GRACE_MS);
    assert.equal(envStopGrace({ [STOP_GRACE_ENV]: '' }), CLI_STOP_GRACE_MS);
    assert.equal(envStopGrace({ [STOP_GRACE_ENV]: '0' }), 0);
    assert.equal(envStopGrace({ [STOP_GRACE_ENV]: ' 2500 ' }), 2500);
    assert.equal(envStopGrace({ [STOP_GRACE_ENV]: String(MAX_STOP_GRACE_MS) }), MAX_STOP_GRACE_MS);
    for (const bad of ['-1', 'abc', '1e3', '0x10', ' ', String(MAX_STOP_GRACE_MS + 1), '2147483648', '99999999999999999999']) {
      assert.throws(() => envStopGrace({ [STOP_GRACE_ENV]: bad }), /must be a whole number of milliseconds from 0 to 600000/, bad);
    }
  });

  it('reads MCP_HARNESS_REQUEST_TIMEOUT_MS the same way: unset is the default, bad or too long values are refused', () => {
    assert.equal(envTimeout({}), undefined);
    assert.equal(envTimeout({ [REQUEST_TIMEOUT_ENV]: '' }), undefined);
    assert.equal(envTimeout({ [REQUEST_TIMEOUT_ENV]: '2147483647' }), 2 ** 31 - 1);
    for (const bad of ['0', '-5', 'soon', '1.5', '2147483648', ' ']) {
      assert.throws(() => envTimeout({ [REQUEST_TIMEOUT_ENV]: bad }), /MCP_HARNESS_REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647/, bad);
    }
  });
});
