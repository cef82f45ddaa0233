// A user's walk through the built CLI (dist/cli.js, copied to a private folder) on fixture workspaces: what
// each command prints, how it fails, and with which exit code. Real servers from test/fixtures/servers, a
// scripted OpenAI-compatible model on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPrivateCli, runCli, type CliRun } from '../lint/cliHelpers';
import { cleanup, startHttpFixture } from '../servers/helpers';

const ROOT = resolve(__dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/servers');

const stdio = (file: string, args: string[] = []) => ({ command: process.execPath, args: [join(FIXTURES, file), ...args] });

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

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

    it('lines its table up when a step id or tool name is longer than the usual column', async () => {
      const dir = workspace({
        '.vscode/mcp.json': { servers: { crash: stdio('crash.mjs') } },
        '.vscode/settings.json': { 'mcpHarness.trustedServers': ['crash'] },
        'long.mcp-session.json': {
          name: 'long names',
          servers: ['crash'],
          steps: [
            { id: 'short', tool: 'crash/echo', args: { text: 'a' } },
            { id: 'a-step-whose-id-is-rather-long', tool: 'crash/echo', args: { text: 'b' } },
            { id: 'last', tool: 'crash/echo', args: { text: 'c' } },
          ],
        },
      });
      const r = await cli(['run', 'long.mcp-session.json'], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const rows = r.stdout.split('\n').filter((l) => l.startsWith('✓'));
      assert.equal(rows.length, 3, r.stdout);
      const at = rows.map((l) => [l.indexOf('crash/'), l.indexOf(' ok ') + 1]);
      assert.deepEqual(at, [at[0], at[0], at[0]], r.stdout);
    });
  });

  describe('login', () => {
    afterEach(cleanup);

    /** A workspace whose `web` server is at this URL, and a token file of its own. */
    const httpWorkspace = (url: string) => {
      const dir = workspace({ '.vscode/mcp.json': { servers: { web: { type: 'http', url } } } });
      return { dir, env: { MCP_HARNESS_TOKEN_FILE: join(dir, 'tokens.json') } };
    };

    it('to a server that uses no OAuth says it needs no sign-in and stores nothing (exit 0), also over HTTP+SSE', async () => {
      const { port } = await startHttpFixture(['--port', '0']);
      const url = `http://127.0.0.1:${port}/mcp`;
      const { dir, env } = httpWorkspace(url);
      // What an earlier login (before this fix) left: the SDK's discovery cached as if it were a sign-in.
      const stale = `mcp-harness.oauth.resource:${url}`;
      writeFileSync(env.MCP_HARNESS_TOKEN_FILE, JSON.stringify({ [stale]: JSON.stringify({ discovery: { authorizationServerUrl: `http://127.0.0.1:${port}/` } }) }));
      const r = await cli(['login', 'web'], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(
        r.stdout,
        'web needs no sign-in: the server answered a request without credentials with HTTP 200, not 401, so it does not ask for OAuth. Nothing was stored; use it as it is.\n',
      );
      assert.deepEqual(JSON.parse(readFileSync(env.MCP_HARNESS_TOKEN_FILE, 'utf8')), {}, 'the stale discovery is gone and nothing new was written');
      rmSync(env.MCP_HARNESS_TOKEN_FILE);
      const json = await cli(['login', 'web', '--json'], dir, env);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), { server: 'web', signedIn: false, signInNeeded: false });
      assert.ok(!existsSync(env.MCP_HARNESS_TOKEN_FILE), 'no token file was written');

      const sse = await startHttpFixture(['--port', '0', '--mode', 'sse']);
      for (const type of ['sse', 'http']) {
        const legacy = workspace({ '.vscode/mcp.json': { servers: { old: { type, url: `http://127.0.0.1:${sse.port}/mcp` } } } });
        const tokens = join(legacy, 'tokens.json');
        const r2 = await cli(['login', 'old'], legacy, { MCP_HARNESS_TOKEN_FILE: tokens });
        assert.equal(r2.code, 0, r2.stderr);
        assert.match(r2.stdout, /^old needs no sign-in: .* with HTTP 200, not 401/, type);
        assert.ok(!existsSync(tokens), type);
      }
    });

    it('to a server that answers 401 but publishes no OAuth fails in one line saying a client must be configured (exit 1)', async () => {
      const { port } = await startHttpFixture(['--port', '0', '--require-header', 'X-Key=k']);
      const { dir, env } = httpWorkspace(`http://127.0.0.1:${port}/mcp`);
      const r = await cli(['login', 'web'], dir, env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^mcp-harness: web: Sign-in failed: the authorization server did not register MCP Harness as a client \(its registration endpoint answered HTTP 401: missing or wrong X-Key\)\. /);
      assert.match(r.stderr, /needs a client registered for you: give its entry "oauth": \{"clientId": "…"\}\. Run `mcp-harness login web` to try again\.\n$/);
      const stored = existsSync(env.MCP_HARNESS_TOKEN_FILE) ? readFileSync(env.MCP_HARNESS_TOKEN_FILE, 'utf8') : '';
      assert.ok(!/client_id|access_token/.test(stored), stored);
      const json = await cli(['login', 'web', '--json'], dir, env);
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stderr).error.code, 'oauth_error');
    });

    it('to a server that cannot be reached names the endpoint and the reason (exit 3)', async () => {
      const port = await closedPort();
      const { dir, env } = httpWorkspace(`http://127.0.0.1:${port}/mcp`);
      const r = await cli(['login', 'web', '--json'], dir, env);
      assert.equal(r.code, 3, r.stderr);
      const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      assert.equal(error.code, 'unreachable');
      assert.match(error.message, new RegExp(`^web: Sign-in failed: could not reach http://127\\.0\\.0\\.1:${port}/mcp \\(ECONNREFUSED\\)\\. Check that the server is running and its URL is right\\.`));
      assert.ok(!/internal error|\n\s+at /.test(r.stderr), r.stderr);
    });
  });

  describe('agent', () => {
    const agentWorkspace = () =>
      workspace({
        '.vscode/mcp.json': { servers: { crash: stdio('crash.mjs', ['--at-startup']) } },
        '.vscode/settings.json': { 'mcpHarness.trustedServers': ['crash'] },
      });

    it('refuses a --base-url (or OPENAI_BASE_URL) that is not an http(s) URL before a server starts (exit 2)', async () => {
      const dir = agentWorkspace();
      const flag = await cli(['agent', '--goal', 'x', '--base-url', 'localhost:8080/v1'], dir, { OPENAI_API_KEY: 'sk-test' });
      assert.equal(flag.code, 2, flag.stderr);
      assert.equal(flag.stderr, "mcp-harness: --base-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1 (got 'localhost:8080/v1').\n");
      assert.equal(flag.stdout, '');
      const env = await cli(['agent', '--goal', 'x', '--json'], dir, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'ftp://models' });
      assert.equal(env.code, 2);
      assert.deepEqual(JSON.parse(env.stderr), { error: { code: 'usage', message: "OPENAI_BASE_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1 (got 'ftp://models')." } });
      // The crash server exits at start-up: had it been started, the run would have said so; nothing was traced either.
      assert.ok(!existsSync(join(dir, '.mcp-harness')), 'no trace, nothing written');
    });

    it('a model server that cannot be reached is named, with the reason', async () => {
      const dir = workspace({ '.vscode/mcp.json': { servers: { crash: stdio('crash.mjs') } }, '.vscode/settings.json': { 'mcpHarness.trustedServers': ['crash'] } });
      const url = `http://127.0.0.1:${await closedPort()}/v1`;
      const r = await cli(['agent', '--goal', 'x', '--base-url', url, '--json'], dir, { OPENAI_API_KEY: 'sk-test' });
      assert.equal(r.code, 1, r.stderr);
      const run = (JSON.parse(r.stdout) as { runs: { outcome: string; message: string }[] }).runs[0];
      assert.equal(run.outcome, 'error');
      assert.equal(run.message, `The model failed: could not reach the model server at ${url} (ECONNREFUSED)`);
    });

    it('the Anthropic provider without a key does not suggest --base-url, which would not help', async () => {
      const r = await cli(['agent', '--goal', 'x', '--provider', 'anthropic', '--base-url', 'http://127.0.0.1:9/'], agentWorkspace(), { ANTHROPIC_API_KEY: '' });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'mcp-harness: The Anthropic provider needs an API key (environment variable ANTHROPIC_API_KEY). Set it in the environment.\n');
    });
  });
});
