// `mcp-harness login/logout` and the OAuth path of the other commands, in process (main() with captured streams)
// against the OAuth fixture: the round trip, refresh, the issuer check, step-up, a revoked refresh token, --json
// exit 3, the token file's mode, and planted tokens/codes/verifiers that must never reach stdout, stderr or a trace.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/io';
import { browse, startOAuthFixture, stopOAuthFixtures, type OAuthFixture } from './helpers';
import { disposeDefaultSandboxPool } from '../../../src/core/sandbox/session-step';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('auth: CLI login, logout and sign-in errors', function () {
  this.timeout(60_000);
  let home: string;
  let folder: string;
  let fx: OAuthFixture;
  const outputs: string[] = [];

  /** Runs the CLI; a printed authorization URL is "opened" by following it, as the user's browser would. */
  async function cli(argv: string[], options: { browser?: boolean; env?: Record<string, string> } = {}): Promise<Outcome> {
    let stdout = '';
    let stderr = '';
    const browsing: Promise<void>[] = [];
    const follow = (text: string) => {
      const url = /https?:\/\/\S+\/authorize\?\S+/.exec(text)?.[0];
      if (url && options.browser !== false) browsing.push(browse(url));
    };
    const io: CliIO = {
      stdout: (t) => ((stdout += t), follow(t)),
      stderr: (t) => ((stderr += t), follow(t)),
      readStdin: async () => '',
      cwd: folder,
      env: { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), MCP_HARNESS_TOKEN_FILE: '', MCP_HARNESS_VERBOSE: '1', ...options.env },
    };
    const code = await main([...argv, '--workspace', folder], io);
    await Promise.all(browsing);
    outputs.push(stdout, stderr);
    return { code, stdout, stderr };
  }

  const tokenFile = () => join(home, 'config', 'mcp-harness', 'tokens.json');

  /** `entry`: more keys of the server entry ("oauth"); `inputs`: the file's "inputs" list. */
  async function setUp(args: string[], entry: Record<string, unknown> = {}, inputs?: unknown[]) {
    fx = await startOAuthFixture(['--prefix', 'PLANTED', ...args]);
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    writeFileSync(join(folder, '.vscode', 'mcp.json'), JSON.stringify({ ...(inputs ? { inputs } : {}), servers: { remote: { type: 'http', url: fx.url, ...entry } } }));
  }

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mcp-harness-oauth-home-'));
    folder = mkdtempSync(join(tmpdir(), 'mcp-harness-oauth-ws-'));
    outputs.length = 0;
  });
  afterEach(async () => {
    // Whatever the test did, no token, code or PKCE verifier reached stdout, stderr or a trace file.
    const verifiers = fx ? (await fx.events()).filter((e) => e.type === 'verifier').map((e) => e.verifier!) : [];
    const traces = readTraces(folder);
    for (const text of [...outputs, traces]) {
      assert.doesNotMatch(text, /PLANTED-(at|rt|code)-/, 'a planted token or code leaked');
      for (const v of verifiers) assert.ok(!text.includes(v), 'a PKCE verifier leaked');
    }
    stopOAuthFixtures();
    rmSync(home, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });

  it('--json commands never prompt: exit 3 and "run mcp-harness login SERVER" before sign-in', async () => {
    await setUp([]);
    const tools = await cli(['tools', 'remote', '--json']);
    assert.equal(tools.code, 3, tools.stderr);
    assert.match(tools.stderr, /needs sign-in/);
    assert.match(tools.stderr, /mcp-harness login remote/);
    assert.doesNotMatch(tools.stdout + tools.stderr, /\/authorize\?/, 'no authorization URL is offered');
    const call = await cli(['call', 'remote/whoami', '--json']);
    assert.equal(call.code, 3);
    assert.match(call.stdout + call.stderr, /mcp-harness login remote/);
  });

  it('exec: sandboxed code calling a server that needs sign-in exits 3 with the login hint', async () => {
    await setUp([]);
    const code = join(folder, 'whoami.js');
    writeFileSync(code, "return await mcp.call('remote/whoami', {});");
    // In process, the CLI's shared sandbox pool outlives the command: end its workers so mocha can exit.
    const exec = await cli(['exec', code, '--json']).finally(() => disposeDefaultSandboxPool());
    assert.equal(exec.code, 3, exec.stdout + exec.stderr);
    const out = JSON.parse(exec.stdout.trim().split('\n').pop()!);
    assert.equal(out.ok, false);
    assert.match(exec.stdout + exec.stderr, /mcp-harness login remote/);
    assert.doesNotMatch(exec.stdout + exec.stderr, /\/authorize\?/, 'no authorization URL is offered');
  });

  it('run: a session whose server needs sign-in exits 3 with the login hint', async () => {
    await setUp([]);
    const session = join(folder, 'whoami.mcp-session.json');
    writeFileSync(session, JSON.stringify({ name: 'whoami', steps: [{ id: 'who', tool: 'remote/whoami', args: {} }] }));
    const run = await cli(['run', session, '--json']);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /mcp-harness login remote/);
  });

  it('login round trip: prints the URL, takes the loopback redirect, stores the tokens 0600, then calls work', async () => {
    await setUp([]);
    const login = await cli(['login', 'remote', '--timeout-ms', '20000']);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Open this URL in a browser to sign in to remote:\n {2}http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
    assert.match(login.stdout, /Signed in to remote/);
    const mode = statSync(tokenFile()).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.match(readFileSync(tokenFile(), 'utf8'), /PLANTED-at-/, 'the token is in the token file (only there)');
    assert.deepEqual(readdirSync(join(home, 'config', 'mcp-harness')), ['tokens.json'], 'no temp file left behind');
    const call = await cli(['call', 'remote/whoami', '--json', '--yes']);
    assert.equal(call.code, 0, call.stdout + call.stderr);
    assert.match(call.stdout, /scopes: mcp:read/);
    const logout = await cli(['logout', 'remote', '--json']);
    assert.deepEqual(JSON.parse(logout.stdout), { server: 'remote', signedOut: true, revocation: 'revoked' });
    const revoked = (await fx.events()).filter((e) => e.type === 'revoke') as unknown as { hint: string; known: boolean }[];
    assert.deepEqual(revoked.map((e) => [e.hint, e.known]), [['refresh_token', true], ['access_token', true]], 'both tokens revoked at the authorization server');
    assert.doesNotMatch(readFileSync(tokenFile(), 'utf8'), /PLANTED-at-/);
    assert.equal((await cli(['tools', 'remote', '--json'])).code, 3, 'signed out: needs sign-in again');
  });

  it('servers --json: status "needs-sign-in" with its reason and the login hint (exit 3); "running" after login', async () => {
    await setUp([]);
    const before = await cli(['servers', '--json']);
    assert.equal(before.code, 3, before.stderr);
    const [row] = JSON.parse(before.stdout);
    assert.equal(row.status, 'needs-sign-in');
    assert.deepEqual(row.signIn, { reason: 'not_signed_in' });
    assert.equal(row.tools, null);
    assert.match(row.error, /needs sign-in: it requires OAuth and there is no stored sign-in for it\. Run `mcp-harness login remote` to sign in\.$/);
    assert.match(before.stderr, /could not be started: remote/);
    const text = await cli(['servers']);
    assert.match(text.stdout, /^remote\s+needs-sign-in\s+http/m);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const after = await cli(['servers', '--json']);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(JSON.parse(after.stdout)[0].status, 'running');
  });

  it('logout: a revocation endpoint that fails is reported on stderr; the tokens are deleted anyway (exit 0)', async () => {
    await setUp(['--revoke-status', '503']);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const logout = await cli(['logout', 'remote']);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stderr, /Signed out of remote, but revoking its tokens failed: the revocation endpoint .* answered HTTP 503 .* They were deleted from .*tokens\.json anyway/);
    assert.doesNotMatch(readFileSync(tokenFile(), 'utf8'), /PLANTED-(at|rt)-/);
    const json = await cli(['logout', 'remote', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), { server: 'remote', signedOut: false, revocation: 'nothing_stored' });
  });

  it('logout: an authorization server without a revocation endpoint: deleted here, and the user is told they stay valid there', async () => {
    await setUp(['--no-revocation']);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const logout = await cli(['logout', 'remote']);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stdout, /Signed out of remote: its tokens were deleted from .*tokens\.json\. The authorization server offers no revocation endpoint/);
  });

  it('a pre-registered client from the entry\'s "oauth" block (secret from an input) is used instead of registration', async () => {
    await setUp(['--no-dcr', '--client', 'harness-app:app-s3cret'], { oauth: { clientId: 'harness-app', clientSecret: '${input:app-secret}' } }, [
      { id: 'app-secret', type: 'promptString', password: true, description: 'client secret' },
    ]);
    const missing = await cli(['login', 'remote']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /remote cannot sign in: .*input "app-secret".*set the environment variable MCP_HARNESS_INPUT_APP_SECRET/);
    assert.deepEqual((await fx.events()).filter((e) => e.type === 'authorize'), [], 'nothing was sent without the secret');
    const env = { MCP_HARNESS_INPUT_APP_SECRET: 'app-s3cret' };
    const login = await cli(['login', 'remote'], { env });
    assert.equal(login.code, 0, login.stdout + login.stderr);
    const events = await fx.events();
    assert.deepEqual(events.filter((e) => e.type === 'register'), [], 'no dynamic registration');
    assert.equal(events.find((e) => e.type === 'authorize')?.clientId, 'harness-app');
    assert.equal(events.find((e) => e.type === 'exchange')?.clientId, 'harness-app', 'the token endpoint accepted the client secret');
    const call = await cli(['call', 'remote/whoami', '--json', '--yes'], { env });
    assert.equal(call.code, 0, call.stdout + call.stderr);
    assert.doesNotMatch(call.stdout + call.stderr + login.stdout + login.stderr, /app-s3cret/, 'the client secret is never printed');
    const logout = await cli(['logout', 'remote', '--json'], { env });
    assert.equal(JSON.parse(logout.stdout).revocation, 'revoked', 'the confidential client authenticated at the revocation endpoint');
  });

  it('a Client ID Metadata Document URL from the entry\'s "oauth" block is the client_id (no registration)', async () => {
    const cimd = 'https://client.example/mcp-harness-test.json';
    await setUp(['--cimd', cimd], { oauth: { clientMetadataUrl: cimd } });
    const login = await cli(['login', 'remote']);
    assert.equal(login.code, 0, login.stdout + login.stderr);
    const events = await fx.events();
    assert.deepEqual(events.filter((e) => e.type === 'register'), []);
    assert.equal(events.find((e) => e.type === 'authorize')?.clientId, cimd);
    assert.equal((await cli(['tools', 'remote', '--json'])).code, 0);
  });

  it('an expired access token is refreshed by the next command', async () => {
    await setUp(['--token-ttl', '0']);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const tools = await cli(['tools', 'remote', '--json']);
    assert.equal(tools.code, 0, tools.stderr);
    assert.ok((await fx.events()).some((e) => e.type === 'refresh'));
  });

  it('refuses a sign-in whose redirect names another issuer (RFC 9207) and stores nothing', async () => {
    await setUp(['--wrong-iss']);
    const login = await cli(['login', 'remote']);
    assert.equal(login.code, 1);
    assert.match(login.stderr, /Sign-in refused: .*different authorization server/);
    let stored = '';
    try {
      stored = readFileSync(tokenFile(), 'utf8');
    } catch {
      // No file at all is fine too.
    }
    assert.doesNotMatch(stored, /PLANTED-at-/);
  });

  it('403 insufficient_scope: exit 3 naming the wider scope; login again asks for it and the call works', async () => {
    await setUp([]);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const denied = await cli(['call', 'remote/admin_echo', '--args', '{"text":"hi"}', '--json', '--yes']);
    assert.equal(denied.code, 3, denied.stdout + denied.stderr);
    assert.match(denied.stdout + denied.stderr, /wider permission \(scope '[^']*mcp:admin/);
    assert.match(denied.stdout + denied.stderr, /mcp-harness login remote/);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    const ok = await cli(['call', 'remote/admin_echo', '--args', '{"text":"hi"}', '--json', '--yes']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /admin: hi/);
  });

  it('a revoked refresh token: exit 3 with "sign in again"', async () => {
    await setUp([]);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    await fx.control('revoke');
    await fx.control('expire');
    const tools = await cli(['tools', 'remote', '--json']);
    assert.equal(tools.code, 3);
    assert.match(tools.stderr, /sign in again/);
    assert.match(tools.stderr, /mcp-harness login remote/);
  });

  for (const [how, refusal, reason] of [
    ['the refresh token was revoked', 'revoke', /^http:\/\/127\.0\.0\.1:\d+\/mcp needs sign-in: the stored sign-in has expired or was revoked; sign in again\./],
    ['the client is no longer known (invalid_client)', 'invalid_client', /^http:\/\/127\.0\.0\.1:\d+\/mcp needs sign-in: its authorization server http:\/\/127\.0\.0\.1:\d+\/ no longer accepts this client's registration \(invalid_client\); sign in again\./],
    ['the token endpoint never answers', 'hang', /^http:\/\/127\.0\.0\.1:\d+\/mcp needs sign-in: the token refresh at http:\/\/127\.0\.0\.1:\d+\/ did not answer within 300 ms; sign in again\./],
  ] as const) {
    it(`a token that expires during a run, whose refresh fails (${how}): the next call needs sign-in, naming login (exit 3)`, async () => {
      await setUp([]);
      assert.equal((await cli(['login', 'remote'])).code, 0);
      const session = join(folder, 'mid.mcp-session.json');
      const steps = [
        { id: 'slow', tool: 'remote/wait', args: { ms: 1000 } },
        { id: 'who', tool: 'remote/whoami', args: {}, expect: { decision: 'ok' } },
      ];
      writeFileSync(session, JSON.stringify({ name: 'mid-run expiry', steps }));
      const running = cli(['run', session, '--json', '--yes'], { env: { MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: '300' } });
      // While the first call runs, the access token expires and its refresh is going to fail.
      await fx.waitForEvent('tool-call', 'wait');
      if (refusal === 'revoke') await fx.control('revoke');
      else if (refusal === 'hang') await fx.hang('refresh');
      else await fx.refreshAnswer('invalid_client');
      await fx.control('expire');
      const run = await running;
      assert.equal(run.code, 3, run.stdout + run.stderr);
      const out = JSON.parse(run.stdout) as { steps: { step_id: string; decision: string; error?: string }[] };
      assert.deepEqual(out.steps.map((x) => [x.step_id, x.decision]), [['slow', 'ok'], ['who', 'error']]);
      assert.match(out.steps[1].error ?? '', reason);
      assert.match(out.steps[1].error ?? '', /Run `mcp-harness login remote` to sign in\./);
      assert.match(run.stderr, /mcp-harness login remote/);
      // Said in the harness's words only: no transport error, status line or SDK code under it.
      assert.doesNotMatch(run.stdout + run.stderr, /HTTP 401|Unauthorized|invalid_token|mcp_harness_handled|OAuthError|Error POSTing/);
      const events = await fx.events();
      assert.ok(!events.some((e) => e.type === 'refresh'), 'no refresh succeeded');
      if (refusal !== 'revoke') assert.equal(events.filter((e) => e.type === (refusal === 'hang' ? 'hung' : 'refresh-refused')).length, 1, 'the refresh was tried once');
    });
  }

  it('login --request-timeout-ms: an authorization server slower than it fails the sign-in, naming the flag and the variable to raise', async () => {
    await setUp(['--hang', 'as-metadata']);
    const login = await cli(['login', 'remote', '--request-timeout-ms', '300'], { browser: false });
    assert.equal(login.code, 1);
    assert.match(login.stderr, /remote: Sign-in failed: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server did not answer within 300 ms\./);
    assert.match(login.stderr, /If the authorization server needs longer, pass --request-timeout-ms N or set MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS\./);
    const json = await cli(['login', 'remote', '--json'], { browser: false, env: { MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: '250' } });
    assert.equal(json.code, 1);
    assert.match(json.stderr, /did not answer within 250 ms/, 'the variable reaches the request too');
    assert.match(json.stderr, /"code":"request_timeout"/);
  });

  it('login/logout: a bad --request-timeout-ms or MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS is a usage error saying what is allowed', async () => {
    await setUp([]);
    for (const bad of ['0', '-5', 'soon', '1.5', '2147483648', '']) {
      const login = await cli(['login', 'remote', `--request-timeout-ms=${bad}`], { browser: false });
      assert.equal(login.code, 2, `${bad}: ${login.stderr}`);
      assert.ok(
        login.stderr.includes(`--request-timeout-ms must be a whole number of milliseconds from 1 to 2147483647 (e.g. 60000); got '${bad}'.`),
        login.stderr,
      );
    }
    const logout = await cli(['logout', 'remote', '--request-timeout-ms', '0']);
    assert.equal(logout.code, 2);
    assert.match(logout.stderr, /--request-timeout-ms must be a whole number/);
    const env = await cli(['login', 'remote'], { browser: false, env: { MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: 'abc' } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647 \(e\.g\. 60000\); got 'abc'\./);
    assert.deepEqual((await fx.events()).filter((e) => e.type !== 'hung'), [], 'nothing was sent');
    // The variable is read when a server that signs in first connects: a command that connects none is not refused.
    const listed = await cli(['servers', '--no-connect', '--json'], { env: { MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: 'abc' } });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((x) => x.name), ['remote']);
  });

  it('a token refresh that never answers: the command exits 3 naming the authorization server, the limit and login', async () => {
    await setUp(['--token-ttl', '0']);
    assert.equal((await cli(['login', 'remote'])).code, 0);
    await fx.hang('refresh');
    const tools = await cli(['tools', 'remote', '--json'], { env: { MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS: '300' } });
    assert.equal(tools.code, 3, tools.stderr);
    assert.match(tools.stderr, new RegExp(`the token refresh at http://127\\.0\\.0\\.1:${fx.port}/ did not answer within 300 ms; sign in again\\.`));
    assert.match(tools.stderr, /mcp-harness login remote/);
    assert.ok((await fx.events()).some((e) => e.type === 'hung' && e.what === 'refresh'));
  });

  it('login: unknown server and a stdio server are usage errors; a browser that never comes back times out', async () => {
    await setUp([]);
    writeFileSync(
      join(folder, '.vscode', 'mcp.json'),
      JSON.stringify({ servers: { remote: { type: 'http', url: fx.url }, local: { command: process.execPath, args: ['-v'] } } }),
    );
    const unknown = await cli(['login', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no MCP server named 'nope'/);
    const stdio = await cli(['login', 'local']);
    assert.equal(stdio.code, 2);
    assert.match(stdio.stderr, /does not use sign-in: it is a stdio server/);
    const bad = await cli(['login', 'remote', '--timeout-ms', 'soon']);
    assert.equal(bad.code, 2);
    const late = await cli(['login', 'remote', '--timeout-ms', '300'], { browser: false });
    assert.equal(late.code, 1);
    assert.match(late.stderr, /Sign-in timed out: the browser did not come back/);
    assert.match(late.stderr, /mcp-harness login remote/);
  });
});

function readTraces(folder: string): string {
  const dir = join(folder, '.mcp-harness', 'traces');
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  } catch {
    return '';
  }
}
