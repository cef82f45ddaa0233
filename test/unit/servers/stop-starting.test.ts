// stop() during a start ends it at once, at whichever wait it is: a stdio server that never answers initialize
// (its whole tree is ended), an HTTP or SSE server that never answers (the handshake's request is aborted), a start
// waiting out its reconnect backoff or the user's consent (dropped without spawning). The start says it was stopped
// and the state is 'stopped', not 'error'. Left alone, each of these starts would wait out the 30 s start timeout.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fixtureDefinition, isAlive, makeDefinition, newManager, rejectsWith, waitUntil } from './helpers';

/** Far below the 30 s start timeout: a start that ended by the timeout, not by the stop, fails this. */
const NOT_THE_TIMEOUT_MS = 20_000;
const STOPPED = /^(stuck|web|crash|asked) was stopped while it was starting\.$/;

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('ServerManager: stop() while a server is starting', function () {
  this.timeout(60_000);
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mcp-harness-stop-starting-'))));
  afterEach(async () => {
    await cleanup();
    server?.closeAllConnections();
    server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('stdio: ends a server that never answers initialize, and its child, at once; the state is stopped', async () => {
    const log = join(dir, 'calls');
    let stderr = '';
    const { manager, logger } = newManager([fixtureDefinition('stuck', 'hang.mjs', ['--at-init', '--child', '--call-log', log])], {
      startTimeoutMs: 30_000,
      onStderr: (_id, chunk) => (stderr += chunk),
    });
    // Counted after a turn: mocha arms the test's own timeout once the test function has returned its promise.
    await new Promise((r) => setImmediate(r));
    const before = timers();
    const starting = manager.start('stuck');
    const rejected = rejectsWith(starting, 'stopped', STOPPED);
    // The server has the first handshake request (the 2026 probe) and will never answer it.
    await waitUntil(() => existsSync(log) && /pid=\d+ childPid=\d+/.test(stderr), 15_000);
    const [, pid, childPid] = /pid=(\d+) childPid=(\d+)/.exec(stderr)!.map(Number);
    assert.ok(isAlive(pid) && isAlive(childPid));
    assert.equal(manager.state('stuck')!.status, 'starting');
    const since = Date.now();
    await manager.stop('stuck');
    await rejected;
    assert.ok(Date.now() - since < NOT_THE_TIMEOUT_MS, `the stop waited ${Date.now() - since} ms: the start timeout, not the stop, ended it`);
    assert.ok(!isAlive(pid), `the server ${pid} is still running`);
    assert.equal(timers(), before, `timers left: ${process.getActiveResourcesInfo().join(', ')}`);
    await waitUntil(() => !isAlive(childPid), 5000).catch(() => assert.fail(`its child ${childPid} outlived it`));
    const state = manager.state('stuck')!;
    assert.deepEqual([state.status, state.error, state.pid], ['stopped', undefined, undefined]);
    // Not counted as a failure of the server, and not taken for a 2025 server that exits on the probe.
    assert.equal(logger.count(/^warn /), 0, logger.lines.join('\n'));
    assert.equal(logger.count(/exited on the 2026 protocol probe/), 0);
    assert.equal(logger.count(/Starting stuck/), 1);
    assert.match(readFileSync(log, 'utf8'), /server\/discover|initialize/);
  });

  for (const transport of ['http', 'sse'] as const) {
    it(`${transport}: aborts the handshake request of a server that never answers; the state is stopped`, async () => {
      const requests: IncomingMessage[] = [];
      let arrived!: () => void;
      const firstRequest = new Promise<void>((r) => (arrived = r));
      server = createServer((req) => {
        // Takes the request and never answers it.
        requests.push(req);
        arrived();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      // The 2026 probe alone gets half the start time (30 s here): the stop must not wait for it to give up either.
      const { manager } = newManager([makeDefinition({ id: 'web', transport, url: `http://127.0.0.1:${port}/mcp` })], { startTimeoutMs: 60_000 });
      const before = timers();
      const rejected = rejectsWith(manager.start('web'), 'stopped', STOPPED);
      await firstRequest;
      const request = requests[0];
      const aborted = request.socket.destroyed ? Promise.resolve() : once(request.socket, 'close');
      const since = Date.now();
      await manager.stop('web');
      await rejected;
      await aborted;
      assert.ok(Date.now() - since < NOT_THE_TIMEOUT_MS, `the stop waited ${Date.now() - since} ms`);
      assert.equal(requests.length, 1, 'no fallback transport was tried after the stop');
      assert.equal(timers(), before, `timers left: ${process.getActiveResourcesInfo().join(', ')}`);
      const state = manager.state('web')!;
      assert.deepEqual([state.status, state.error], ['stopped', undefined]);
    });
  }

  it('drops a start waiting out its reconnect backoff, without spawning and without leaving its timer', async () => {
    const { manager, logger } = newManager([fixtureDefinition('crash', 'crash.mjs')], { retry: { backoffInitialMs: 60_000 } });
    const conn = manager.connection('crash');
    await rejectsWith(conn.callTool('crash', {}), 'connection_closed');
    assert.equal(manager.state('crash')!.status, 'error');
    const before = timers();
    const call = conn.callTool('echo', { text: 'never' });
    const rejected = rejectsWith(call, 'stopped', STOPPED);
    await waitUntil(() => logger.count(/crash: waiting .* before reconnecting/) === 1);
    assert.equal(timers(), before + 1, 'the backoff is a timer');
    // The state says it waits, when it will try and which attempt that is (the Servers view shows it).
    const waiting = manager.state('crash')!;
    assert.equal(waiting.status, 'error');
    assert.equal(waiting.reconnect?.attempt, 1);
    assert.ok(waiting.reconnect!.at > Date.now() + 25_000 && waiting.reconnect!.at <= Date.now() + 30_000, `capped at backoffMaxMs (30 s): reconnect at ${waiting.reconnect!.at - Date.now()} ms from now`);
    const since = Date.now();
    await manager.stop('crash');
    await rejected;
    assert.ok(Date.now() - since < NOT_THE_TIMEOUT_MS, `the stop waited ${Date.now() - since} ms: it waited out the backoff`);
    assert.equal(logger.count(/Starting crash/), 1, 'nothing was spawned after the stop');
    assert.equal(timers(), before, 'the backoff timer was cleared');
    const state = manager.state('crash')!;
    assert.equal(state.status, 'stopped');
    assert.equal(state.reconnect, undefined, 'no longer waiting to reconnect');
  });

  it('drops a start waiting for consent; an answer given later spawns nothing', async () => {
    let answer!: (allowed: boolean) => void;
    let asked!: () => void;
    const askedOnce = new Promise<void>((r) => (asked = r));
    const { manager, logger } = newManager([fixtureDefinition('asked', 'crash.mjs')], {
      consent: () => {
        asked();
        return new Promise<boolean>((r) => (answer = r));
      },
    });
    const rejected = rejectsWith(manager.start('asked'), 'stopped', STOPPED);
    await askedOnce;
    await manager.stop('asked');
    await rejected;
    answer(true);
    await new Promise((r) => setImmediate(r));
    assert.equal(logger.count(/Starting asked/), 0, 'nothing was spawned');
    assert.deepEqual([manager.state('asked')!.status, manager.state('asked')!.error], ['stopped', undefined]);
  });
});
