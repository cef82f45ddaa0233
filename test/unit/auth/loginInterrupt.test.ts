// Ctrl-C and SIGTERM during `mcp-harness login` (the built CLI, a real process): the CLI's shared interrupt handling
// aborts the sign-in's signal, which ends the request in flight (here a discovery the fixture never answers) at
// once; the CLI says the sign-in was cancelled, stores nothing and exits 130 / 143.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPrivateCli } from '../lint/cliHelpers';
import { settles, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';

describe('auth: Ctrl-C cancels `mcp-harness login` at once', function () {
  this.timeout(120_000);
  let built: { cli: string; dispose(): void };
  let home: string;
  let ws: string;
  let fx: OAuthFixture;

  before(() => {
    built = buildPrivateCli();
  });
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'mcp-harness-login-int-home-'));
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-login-int-ws-'));
    fx = await startOAuthFixture(['--hang', 'resource-metadata']);
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fx.url } } }));
  });
  afterEach(() => {
    stopOAuthFixtures();
    rmSync(home, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  });
  after(() => built.dispose());

  /** Starts `login remote`, sends `signal` once the fixture holds the discovery request, and waits for the exit. */
  async function interruptLogin(signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env = { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '', MCP_HARNESS_VERBOSE: '' };
    const child = spawn(process.execPath, [built.cli, 'login', 'remote', '--workspace', ws], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await fx.waitForEvent('hung', 'resource-metadata');
      child.kill(signal);
      // A spawned CLI on a loaded machine gets more than an in-process cancel; what this guards against is the 30 s request timeout.
      const code = await settles(exited, `login after ${signal}`, 15_000);
      return { code, stdout, stderr };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: the sign-in is cancelled while discovery waits; exit ${code}, nothing stored`, async () => {
      const r = await interruptLogin(signal);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`mcp-harness login: ${signal}: cancelling the sign-in`));
      assert.match(r.stderr, /remote: Sign-in was cancelled\. Run `mcp-harness login remote` to try again\./);
      assert.equal(r.stdout, '', 'no URL was printed: the sign-in never got that far');
      assert.equal(existsSync(join(home, 'config', 'mcp-harness', 'tokens.json')), false, 'no token file');
    });
  }
});
