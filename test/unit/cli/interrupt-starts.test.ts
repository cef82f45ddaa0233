// Ctrl-C and SIGTERM in the built CLI while servers are still starting: a server that never answers its handshake
// (or its tools/list) is ended at once with its child process (the manager alone would wait out its 30 s start
// timeout), the servers already running are stopped, and the CLI exits 130 / 143. `servers`, `tools`, `lint` and
// `pin` print nothing on stdout; `call` says nothing ran; `run` and `exec` print their cancelled result. An HTTP
// server that never answers initialize is stopped the same way (its request aborted): there is no process to signal.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, signalAll, waitForExit } from '../../../src/core/servers/processTree';
import { FIXTURES } from '../guards/helpers';
import { buildPrivateCli } from '../lint/cliHelpers';
import { interruptCli, type Interrupted } from './interruptHelpers';

/** Resolves once the file exists (a fixture server's call log). */
async function waitFor(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20));
}

describe('CLI: Ctrl-C and SIGTERM while servers are starting', function () {
  this.timeout(120_000);
  let built: { cli: string; dispose(): void };
  let ws: string;
  /** The last run: its processes are killed after the test, so a failing one leaves nothing behind. */
  let last: Interrupted | undefined;
  const log = (name: string) => join(ws, `${name}.calls`);

  before(() => {
    built = buildPrivateCli();
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-servers-interrupt-'));
    mkdirSync(join(ws, '.vscode'));
    const hang = (flag: string, name: string) => ({ command: process.execPath, args: [join(FIXTURES, 'hang.mjs'), flag, '--child', '--call-log', log(name)] });
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
      servers: {
        // Starts at once and would list its tools: stopped the ordinary way.
        echo: { command: process.execPath, args: [join(FIXTURES, 'crash.mjs')] },
        // Never answers initialize (nor the 2026 probe); its call log gets each request's method.
        'stuck-init': hang('--at-init', 'stuck-init'),
        // Answers initialize, never tools/list: its start never ends either.
        'stuck-list': hang('--at-list', 'stuck-list'),
      },
    }));
  });
  beforeEach(() => {
    for (const name of ['stuck-init', 'stuck-list']) rmSync(log(name), { force: true });
  });
  afterEach(() => {
    if (last) signalAll(last.children, 'SIGKILL');
    last = undefined;
  });
  after(() => {
    rmSync(ws, { recursive: true, force: true });
    built.dispose();
  });

  const interrupt = async (args: string[], signal: NodeJS.Signals, waitFor: string) =>
    (last = await interruptCli(built.cli, args, {
      cwd: ws,
      callLog: log(waitFor),
      signal,
      env: { XDG_CACHE_HOME: join(ws, 'cache') },
      // Left to itself the stuck start ends by the 30 s start timeout; the signal must end it, not that.
      endWithinMs: 20_000,
    }));

  /** The stuck server and its child were running when the signal went out; none of the CLI's processes outlived it. */
  async function assertNothingLeft(r: Interrupted): Promise<void> {
    assert.ok(r.children.length >= 2, `the stuck server and its child were running: ${r.children.join(', ')}`);
    assert.ok(await waitForExit(r.children, 5000), `still running after the CLI exited: ${r.children.filter(isAlive).join(', ')}`);
  }

  it('servers, SIGINT while a server never answers initialize: ends it and its child, prints nothing, exits 130', async () => {
    const r = await interrupt(['servers', '--json'], 'SIGINT', 'stuck-init');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '', 'no table of servers the signal stopped');
    assert.equal(r.stderr, 'mcp-harness servers: SIGINT: stopping the servers (press Ctrl-C again to exit at once)\n');
    await assertNothingLeft(r);
  });

  it('servers, SIGTERM while a server never answers tools/list: the same, exit 143', async () => {
    const r = await interrupt(['servers'], 'SIGTERM', 'stuck-list');
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^mcp-harness servers: SIGTERM: stopping the servers/);
    await assertNothingLeft(r);
  });

  it('tools, SIGTERM while the server never answers tools/list: ends it and its child, prints nothing, exits 143', async () => {
    const r = await interrupt(['tools', 'stuck-list', '--json'], 'SIGTERM', 'stuck-list');
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'mcp-harness tools: SIGTERM: stopping the server (press Ctrl-C again to exit at once)\n', 'no "could not be started" for a start the signal ended');
    await assertNothingLeft(r);
  });

  it('lint, SIGINT while servers start: no findings for tools that were never listed, exit 130', async () => {
    const r = await interrupt(['lint', '--json'], 'SIGINT', 'stuck-init');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'mcp-harness lint: SIGINT: stopping the servers (press Ctrl-C again to exit at once)\n');
    await assertNothingLeft(r);
  });

  it('pin, SIGTERM while servers start: pins nothing (no lockfile), exit 143', async () => {
    const r = await interrupt(['pin'], 'SIGTERM', 'stuck-list');
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'mcp-harness pin: SIGTERM: stopping the servers; nothing is pinned (press Ctrl-C again to exit at once)\n');
    assert.ok(!existsSync(join(ws, '.mcp-harness', 'tools.lock.json')), 'no lockfile was written');
    await assertNothingLeft(r);
  });

  it('call, SIGINT while its server never answers initialize: "nothing ran" on stderr, no record, exit 130', async () => {
    const r = await interrupt(['call', 'stuck-init/hang', '--yes', '--json', '--trace-dir', join(ws, 'traces')], 'SIGINT', 'stuck-init');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'mcp-harness call: SIGINT: cancelling the call and stopping the server (press Ctrl-C again to exit at once)\n' +
        '{"error":{"code":"interrupted","message":"stopped before the call reached the server; nothing ran."}}\n',
    );
    await assertNothingLeft(r);
  });

  it('run, SIGTERM while its server never answers initialize: the cancelled summary says the server was stopped, exit 143', async () => {
    writeFileSync(join(ws, 'stuck.mcp-session.json'), JSON.stringify({ name: 'stuck', steps: [{ id: 'one', tool: 'stuck-init/hang' }] }));
    const r = await interrupt(['run', 'stuck.mcp-session.json', '--yes', '--json', '--trace-dir', join(ws, 'traces')], 'SIGTERM', 'stuck-init');
    assert.equal(r.code, 143, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; steps: unknown[]; error?: string };
    assert.deepEqual([out.status, out.steps], ['cancelled', []]);
    // Not "the process was killed … check 'command' and 'args'": the server did nothing wrong.
    assert.match(out.error ?? '', /stuck-init was stopped while it was starting\.$/);
    await assertNothingLeft(r);
  });

  it('exec, SIGINT while the code waits for a server that never answers initialize: ok false, exit 130', async () => {
    writeFileSync(join(ws, 'stuck.mcp.js'), "return await mcp.call('stuck-init/hang', {});");
    const r = await interrupt(['exec', 'stuck.mcp.js', '--servers', 'stuck-init', '--yes', '--json', '--trace-dir', join(ws, 'traces')], 'SIGINT', 'stuck-init');
    assert.equal(r.code, 130, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; error?: { message: string } };
    assert.equal(out.ok, false);
    assert.match(out.error?.message ?? '', /stuck-init was stopped while it was starting\.$/);
    await assertNothingLeft(r);
  });

  describe('with an HTTP server that never answers initialize', () => {
    let web: Server;
    let wsHttp: string;
    /** Set when the server has the CLI's initialize request, which it never answers. */
    const webLog = () => join(wsHttp, 'web.calls');
    before(async () => {
      wsHttp = mkdtempSync(join(tmpdir(), 'mcp-harness-http-interrupt-'));
      mkdirSync(join(wsHttp, '.vscode'));
      web = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const message = body ? (JSON.parse(body) as { id?: number; method?: string }) : {};
          // Says it speaks 2025 (no server/discover), so the client goes on to a 2025 initialize: left to itself
          // the start would end only by the 30 s start timeout.
          if (message.method === 'server/discover') {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }));
            return;
          }
          // The stdio server is told to hang first, so both starts are stuck when the signal goes out.
          if (message.method === 'initialize') waitFor(log('stuck-init')).then(() => appendFileSync(webLog(), 'initialize\n'));
        });
      });
      web.listen(0, '127.0.0.1');
      await once(web, 'listening');
      const { port } = web.address() as AddressInfo;
      writeFileSync(join(wsHttp, '.vscode/mcp.json'), JSON.stringify({
        servers: {
          web: { type: 'http', url: `http://127.0.0.1:${port}/mcp` },
          'stuck-init': { command: process.execPath, args: [join(FIXTURES, 'hang.mjs'), '--at-init', '--child', '--call-log', log('stuck-init')] },
        },
      }));
    });
    after(() => {
      web.closeAllConnections();
      web.close();
      rmSync(wsHttp, { recursive: true, force: true });
    });

    it('servers, SIGINT while it and a stdio server are stuck in their handshakes: both stopped at once, exit 130', async () => {
      rmSync(webLog(), { force: true });
      const r = (last = await interruptCli(built.cli, ['servers', '--json'], {
        cwd: wsHttp,
        callLog: webLog(),
        signal: 'SIGINT',
        env: { XDG_CACHE_HOME: join(wsHttp, 'cache') },
        endWithinMs: 20_000,
      }));
      assert.equal(r.code, 130, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'mcp-harness servers: SIGINT: stopping the servers (press Ctrl-C again to exit at once)\n');
      await assertNothingLeft(r);
    });
  });

  it('tools, SIGINT while the server never answers initialize: exits 130, nothing left running', async () => {
    const r = await interrupt(['tools', 'stuck-init'], 'SIGINT', 'stuck-init');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^mcp-harness tools: SIGINT: stopping the server \(press Ctrl-C again to exit at once\)\n$/);
    await assertNothingLeft(r);
  });
});
