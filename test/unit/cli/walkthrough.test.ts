// A user's walk through the built CLI (dist/cli.js, copied to a private folder) on fixture workspaces: what
// each command prints, how it fails, and with which exit code. Real servers from test/fixtures/servers, a
// scripted OpenAI-compatible model on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPrivateCli, runCli, type CliRun } from '../lint/cliHelpers';

const ROOT = resolve(__dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/servers');

const stdio = (file: string, args: string[] = []) => ({ command: process.execPath, args: [join(FIXTURES, file), ...args] });

describe('CLI: a walk through the commands', function () {
  this.timeout(120_000);
  let bundle: ReturnType<typeof buildPrivateCli>;
  const dirs: string[] = [];

  /** A temp workspace with these files (objects are written as JSON). */
  const workspace = (files: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-walk-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    }
    return dir;
  };
  const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(bundle.cli, args, cwd, '', env);

  before(() => {
    bundle = buildPrivateCli();
  });
  after(() => {
    bundle.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('run', () => {
    it('runs a session\'s code steps in the sandbox, with the workspace\'s sandbox settings as their limits', async () => {
      const dir = workspace({
        '.vscode/mcp.json': { servers: { crash: stdio('crash.mjs') } },
        '.vscode/settings.json': { 'mcpHarness.trustedServers': ['crash'], 'mcpHarness.sandbox.timeoutMs': 300 },
        'code.mcp-session.json': {
          name: 'code steps',
          servers: ['crash'],
          steps: [
            { id: 'fetch', code: "const r = await tools.crash.echo({ text: 'from code' }); return r.text;", expect: { decision: 'ok', contains: 'from code' } },
            { id: 'reuse', tool: 'crash/echo', args: { text: 'got ${steps.fetch.text}' }, expect: { contains: 'got from code' } },
            { id: 'spin', code: 'while (true) {}', expect: { decision: 'timeout' } },
          ],
        },
      });
      const r = await cli(['run', 'code.mcp-session.json', '--json'], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; steps: { step_id: string; decision: string; error?: string }[] };
      assert.equal(out.status, 'passed');
      assert.deepEqual(out.steps.map((s) => [s.step_id, s.decision]), [['fetch', 'ok'], ['reuse', 'ok'], ['spin', 'timeout']]);
      // The limit is the setting's, and the advice names that setting (the CLI reads it from settings.json).
      assert.equal(out.steps[2].error, 'The code ran longer than 300 ms and was stopped. To allow more, set mcpHarness.sandbox.timeoutMs in .vscode/settings.json.');
    });
  });
});
