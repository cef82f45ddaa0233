// Ctrl-C and SIGTERM in `mcp-harness login` (the built CLI against the OAuth fixture): while it waits for the browser,
// the first signal cancels the sign-in through the shared handling — exit 130 / 143, the sign-in's own "cancelled"
// message, no token stored.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPrivateCli } from '../lint/cliHelpers';
import { startOAuthFixture, stopOAuthFixtures } from '../auth/helpers';

interface Cancelled {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `login remote` and sends `signal` once it has printed the URL and waits for the browser (never opened). */
function cancelLogin(cli: string, cwd: string, env: NodeJS.ProcessEnv, signal: NodeJS.Signals): Promise<Cancelled> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, 'login', 'remote'], { cwd, env: { ...process.env, MCP_HARNESS_VERBOSE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (c) => {
      stdout += c;
      if (!sent && /Waiting for the browser to come back/.test(stdout)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (c) => (stderr += c));
    // Left alone, the sign-in would wait 5 minutes for the browser.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`login had not ended 20 s after it started; stdout: ${stdout} stderr: ${stderr}`));
    }, 20_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

describe('CLI: Ctrl-C and SIGTERM cancel `login` while it waits for the browser', function () {
  this.timeout(60_000);
  let built: { cli: string; dispose(): void };
  let home: string;
  let folder: string;

  before(() => {
    built = buildPrivateCli();
  });
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'mcp-harness-login-interrupt-home-'));
    folder = mkdtempSync(join(tmpdir(), 'mcp-harness-login-interrupt-ws-'));
    const fx = await startOAuthFixture([]);
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(join(folder, '.vscode', 'mcp.json'), JSON.stringify({ servers: { remote: { type: 'http', url: fx.url } } }));
  });
  afterEach(() => {
    stopOAuthFixtures();
    rmSync(home, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });
  after(() => built.dispose());

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: cancels the sign-in, exits ${code}, stores no token`, async () => {
      const r = await cancelLogin(built.cli, folder, { XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '' }, signal);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stdout, /^Open this URL in a browser to sign in to remote:\n {2}http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+\nWaiting for the browser to come back…\n$/);
      assert.equal(
        r.stderr,
        `mcp-harness login: ${signal}: cancelling the sign-in (press Ctrl-C again to exit at once)\n` +
          'mcp-harness: remote: Sign-in was cancelled. Run `mcp-harness login remote` to try again.\n',
      );
      // Discovery and the client registration are kept before the browser step; no token may be.
      const file = join(home, 'config', 'mcp-harness', 'tokens.json');
      const keys = Object.keys(existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {});
      assert.deepEqual(keys.filter((k) => k.startsWith('mcp-harness.oauth.tokens:')), []);
    });
  }
});
