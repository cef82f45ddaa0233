import * as assert from 'node:assert/strict';
import { cleanup, fixtureDefinition, rejectsWith, isAlive, makeDefinition, newManager, ROOT, textOf, waitUntil } from './helpers';

describe('ServerManager with faulty fixture servers', () => {
  afterEach(cleanup);

  it('times out a call that never answers and sends the cancellation to the server', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs')]);
    const conn = manager.connection('hang');
    await rejectsWith(conn.callTool('hang', {}, { timeoutMs: 300 }), 'timeout', /hang did not answer the tool 'hang' within 300 ms; the request was cancelled/);
    await waitUntil(() => true, 50);
    assert.equal(textOf(await conn.callTool('cancellations', {})), '1');
    assert.equal(manager.state('hang')!.status, 'running');
  });

  it('cancels a call through an AbortSignal and tells the server', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs')]);
    const conn = manager.connection('hang');
    await conn.listTools();
    const controller = new AbortController();
    const call = conn.callTool('hang', {}, { signal: controller.signal, timeoutMs: 20_000 });
    setTimeout(() => controller.abort(), 100);
    await rejectsWith(call, 'cancelled', /cancelled; the server was told to stop it/);
    assert.equal(textOf(await conn.callTool('cancellations', {})), '1');
    await rejectsWith(conn.callTool('hang', {}, { signal: controller.signal }), 'cancelled', /before it started/);
  });

  it('keeps a slow call alive while progress arrives, and enforces the total cap', async () => {
    const { manager } = newManager([fixtureDefinition('slow', 'slow.mjs')]);
    const conn = manager.connection('slow');
    const progress: number[] = [];
    const result = await conn.callTool('slow', { ms: 900, steps: 9 }, { timeoutMs: 400, onProgress: (p) => progress.push(p.progress) });
    assert.equal(textOf(result), 'slept 900 ms');
    // The last notification may race the result; everything before it must have arrived, in order.
    assert.deepEqual(progress.slice(0, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
    await rejectsWith(conn.callTool('slow', { ms: 2000, steps: 20 }, { timeoutMs: 400, maxTotalTimeoutMs: 500 }), 'timeout', /within 500 ms in total/);
    await rejectsWith(conn.callTool('slow', { ms: 1500, steps: 1 }, { timeoutMs: 300 }), 'timeout', /within 300 ms/);
  });

  it('rejects a call at once when the server dies mid-call, then restarts on next use', async () => {
    const { manager } = newManager([fixtureDefinition('crash', 'crash.mjs')], { requestTimeoutMs: 60_000 });
    const conn = manager.connection('crash');
    const firstPid = Number(textOf(await conn.callTool('pid', {})));
    // With a 60 s timeout, only the exit can end this call within mocha's limit.
    const err = await rejectsWith(conn.callTool('crash', { code: 7 }), 'connection_closed', /crash stopped while running the tool 'crash': the process exited with code 7/);
    assert.match(err.message, /restarted when next needed/);
    const state = manager.state('crash')!;
    assert.equal(state.status, 'error');
    assert.match(state.error!, /stopped unexpectedly: the process exited with code 7\. Its last output was: "crash.mjs: exiting with code 7 mid-call"/);
    assert.throws(() => process.kill(firstPid, 0), /ESRCH/);
    const secondPid = Number(textOf(await conn.callTool('pid', {})));
    assert.notEqual(secondPid, firstPid);
    assert.equal(manager.state('crash')!.status, 'running');
  });

  it('explains a server that exits during startup, with its last output', async () => {
    const stderr: string[] = [];
    const { manager } = newManager([fixtureDefinition('crashy', 'crash.mjs', ['--at-startup', '--code', '3'])], {
      onStderr: (id, chunk) => stderr.push(`${id}: ${chunk}`),
    });
    await rejectsWith(
      manager.start('crashy'),
      'start_failed',
      /^Could not start crashy: the process exited with code 3 before the MCP handshake finished\. Its last output was: "crash.mjs: failing at startup as asked \(--at-startup\)"\. Check 'command' and 'args' in .*mcp\.json/,
    );
    assert.match(stderr.join(''), /crashy: crash.mjs: failing at startup/);
    assert.equal(manager.state('crashy')!.status, 'error');
  });

  it('gives up on a server that never completes initialize, and kills it', async () => {
    let stderr = '';
    const { manager } = newManager([fixtureDefinition('stuck', 'hang.mjs', ['--at-init', '--child'])], {
      startTimeoutMs: 2000,
      onStderr: (_id, chunk) => (stderr += chunk),
    });
    await rejectsWith(manager.start('stuck'), 'start_failed', /Could not start stuck: it did not complete the MCP handshake within 2 s\. Check that the command starts an MCP server/);
    const pid = Number(/pid=(\d+)/.exec(stderr)![1]);
    const childPid = Number(/childPid=(\d+)/.exec(stderr)![1]);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await waitUntil(() => !isAlive(childPid), 3000);
  });

  it('ignores non-JSON-RPC lines on stdout, logs them, and keeps working', async () => {
    const { manager, logger } = newManager([fixtureDefinition('garbage', 'garbage.mjs', ['--at-startup'])]);
    const conn = manager.connection('garbage');
    assert.equal(textOf(await conn.callTool('garbage', {})), 'ok after garbage');
    assert.equal(textOf(await conn.callTool('echo', { text: 'still fine' })), 'still fine');
    assert.ok(logger.count(/garbage wrote a line to stdout that is not JSON-RPC \(ignored\).*Servers must log to stderr/) >= 2, logger.lines.join('\n'));
    assert.equal(manager.state('garbage')!.status, 'running');
  });

  it('closes the connection when a message exceeds maxMessageBytes, and says so', async () => {
    const { manager } = newManager([fixtureDefinition('garbage', 'garbage.mjs')], { maxMessageBytes: 64 * 1024 });
    const conn = manager.connection('garbage');
    await rejectsWith(conn.callTool('unterminated', { bytes: 200 * 1024 }), 'connection_closed', /larger than 64 KB \(the maxMessageBytes limit\)/);
    assert.match(manager.state('garbage')!.error!, /garbage stopped unexpectedly: it sent a message larger than 64 KB/);
  });

  it('receives a 5 MB tool result in full', async () => {
    const { manager } = newManager([fixtureDefinition('huge', 'huge.mjs')]);
    const text = textOf(await manager.connection('huge').callTool('huge', { mb: 5 }));
    assert.equal(text.length, 5 * 1024 * 1024);
  });

  it('says which command was not found, and where it is configured', async () => {
    const { manager } = newManager([makeDefinition({ id: 'missing', command: 'mcp-harness-no-such-command' })]);
    await rejectsWith(
      manager.start('missing'),
      'start_failed',
      /^Could not start missing: command 'mcp-harness-no-such-command' was not found\. Check 'command' in .*\.vscode\/mcp\.json/,
    );
  });

  it('reports a working directory that does not exist instead of a missing command', async () => {
    const { manager } = newManager([fixtureDefinition('nocwd', 'crash.mjs', [], { cwd: '/definitely/not/here' })]);
    await rejectsWith(manager.start('nocwd'), 'start_failed', /the working directory '\/definitely\/not\/here' does not exist\. Check 'cwd'/);
  });

  it('passes env over the default safe environment, and cwd', async () => {
    const { manager } = newManager([fixtureDefinition('env', 'crash.mjs', [], { env: { HARNESS_TEST_VALUE: 'forty-two' }, cwd: '/tmp' })]);
    process.env.HARNESS_SHOULD_NOT_LEAK = 'secret';
    try {
      const conn = manager.connection('env');
      assert.deepEqual(JSON.parse(textOf(await conn.callTool('env', { name: 'HARNESS_TEST_VALUE' }))), { value: 'forty-two', cwd: '/tmp', hasPath: true });
      assert.equal(JSON.parse(textOf(await conn.callTool('env', { name: 'HARNESS_SHOULD_NOT_LEAK' }))).value, null);
    } finally {
      delete process.env.HARNESS_SHOULD_NOT_LEAK;
    }
  });

  it('defaults cwd to the workspace folder', async () => {
    const { manager } = newManager([fixtureDefinition('env', 'crash.mjs')]);
    const out = JSON.parse(textOf(await manager.connection('env').callTool('env', { name: 'X' })));
    assert.equal(out.cwd, ROOT);
  });

  it('never logs env values', async () => {
    const { manager, logger } = newManager([fixtureDefinition('env', 'crash.mjs', [], { env: { API_TOKEN: 'tok-123456' } })]);
    await manager.start('env');
    assert.ok(logger.lines.some((l) => /env API_TOKEN/.test(l)));
    assert.ok(!logger.lines.some((l) => l.includes('tok-123456')));
  });
});
