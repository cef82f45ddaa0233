import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { CircuitBreaker, DEFAULT_RETRY_POLICY } from '../../../src/core/servers/breaker';
import type { ServerState } from '../../../src/core/servers/types';
import { cleanup, fixtureDefinition, rejectsWith, isAlive, makeDefinition, newManager, startHttpFixture, textOf, waitUntil } from './helpers';

describe('ServerManager lifecycle', () => {
  afterEach(cleanup);

  it('shares one start between concurrent callers', async () => {
    const { manager, logger } = newManager([fixtureDefinition('slow', 'slow.mjs')]);
    const [a, b, c] = await Promise.all([manager.ensureStarted('slow'), manager.ensureStarted('slow'), manager.connection('slow').listTools()]);
    assert.equal(a, b);
    assert.deepEqual(c.map((t) => t.name), ['slow']);
    assert.equal(logger.count(/Starting slow/), 1);
  });

  it('hands out a running server\'s connection without waiting, and nothing for one that is not running', async () => {
    const { manager } = newManager([fixtureDefinition('slow', 'slow.mjs')]);
    assert.equal(manager.connectionIfStarted('slow'), undefined);
    assert.equal(manager.connectionIfStarted('nope'), undefined);
    const handle = await manager.ensureStarted('slow');
    assert.equal(manager.connectionIfStarted('slow'), handle);
    await manager.stop('slow');
    assert.equal(manager.connectionIfStarted('slow'), undefined);
  });

  it('leaves no listener on a signal shared by many calls, and that signal still cancels', async () => {
    const { manager } = newManager([fixtureDefinition('echo', 'crash.mjs')]);
    const session = new AbortController();
    const conn = manager.connection('echo');
    for (let i = 0; i < 30; i++) {
      assert.equal(textOf(await conn.callTool('echo', { text: `call ${i}` }, { signal: session.signal })), `call ${i}`);
    }
    // The SDK never removes the abort listener it adds per request: it must not be on the session's signal.
    assert.equal(getEventListeners(session.signal, 'abort').length, 0);
    // Cancelled while the server is still starting: the request never goes out.
    const early = new AbortController();
    const starting = manager.connection('echo');
    await manager.stop('echo');
    const first = starting.callTool('echo', { text: 'never' }, { signal: early.signal, timeoutMs: 60_000 });
    const firstRejected = rejectsWith(first, 'cancelled');
    early.abort();
    await firstRejected;
    // Cancelled while the call runs.
    const hang = newManager([fixtureDefinition('hang', 'hang.mjs')]).manager.connection('hang');
    await hang.listTools();
    const pending = hang.callTool('hang', {}, { signal: session.signal, timeoutMs: 60_000 });
    const rejected = rejectsWith(pending, 'cancelled');
    await new Promise((r) => setTimeout(r, 200));
    session.abort();
    await rejected;
    assert.equal(getEventListeners(session.signal, 'abort').length, 0);
  });

  it('starts servers in parallel', async () => {
    const defs = ['a', 'b', 'c'].map((id) => fixtureDefinition(id, 'slow.mjs', ['--start-delay', '600']));
    const { manager } = newManager(defs);
    const events: string[] = [];
    manager.onDidChange((s) => events.push(`${s.id}:${s.status}`));
    await manager.startAll(['a', 'b', 'c']);
    // All three were starting before any was running: the starts overlapped.
    const firstRunning = events.findIndex((e) => e.endsWith(':running'));
    assert.deepEqual(events.slice(0, firstRunning).sort(), ['a:starting', 'b:starting', 'c:starting']);
    assert.ok(manager.list().every((s) => s.status === 'running'));
  });

  it('follows nextCursor through every page of tools, resources and prompts', async () => {
    const { manager } = newManager([fixtureDefinition('paged', 'paged.mjs', ['--tools', '25', '--page-size', '10'])]);
    const tools = await manager.connection('paged').listTools();
    assert.equal(tools.length, 26);
    assert.equal(tools[0].name, 'tool_000');
    assert.equal(tools[24].name, 'tool_024');
    const state = manager.state('paged')!;
    assert.equal(state.resources?.length, 12);
    assert.equal(state.prompts?.length, 12);
  });

  it('refreshes the tool list on notifications/tools/list_changed and tells listeners', async () => {
    const { manager } = newManager([fixtureDefinition('paged', 'paged.mjs', ['--tools', '3', '--page-size', '2'])]);
    const conn = manager.connection('paged');
    assert.equal((await conn.listTools()).length, 4);
    const seen: ServerState[] = [];
    const unsubscribe = manager.onDidChange((s) => seen.push(s));
    assert.equal(textOf(await conn.callTool('grow', {})), 'grown_4');
    await waitUntil(() => seen.some((s) => s.tools?.length === 5));
    assert.ok((await conn.listTools()).some((t) => t.name === 'grown_4'));
    unsubscribe();
    await conn.callTool('grow', {});
    await waitUntil(() => manager.state('paged')!.tools!.length === 6);
    assert.ok(!seen.some((s) => s.tools?.length === 6), 'an unsubscribed listener was called');
  });

  it('fails clearly on a cursor that loops, and on too many pages', async () => {
    const { manager } = newManager([
      fixtureDefinition('loop', 'paged.mjs', ['--loop-cursor']),
      fixtureDefinition('long', 'paged.mjs', ['--tools', '30', '--page-size', '1']),
    ], { maxListPages: 5 });
    await rejectsWith(manager.start('loop'), 'start_failed', /loop started but listing its tools failed: the server returned the same tools\/list cursor twice/);
    await rejectsWith(manager.start('long'), 'start_failed', /did not end after 5 pages \(the maxListPages limit\)/);
  });

  it('applies includeTools and excludeTools to the list and to calls', async () => {
    const { manager } = newManager([
      fixtureDefinition('only-echo', 'crash.mjs', [], { includeTools: ['echo', 'pid'], excludeTools: ['pid'] }),
    ]);
    const conn = manager.connection('only-echo');
    assert.deepEqual((await conn.listTools()).map((t) => t.name), ['echo']);
    await rejectsWith(conn.callTool('crash', {}), 'tool_filtered', /The tool 'crash' of only-echo is hidden by 'includeTools'\/'excludeTools'/);
    await rejectsWith(conn.callTool('pid', {}), 'tool_filtered');
  });

  it('shows cached tools while an unchanged definition restarts', async () => {
    const { manager } = newManager([fixtureDefinition('paged', 'paged.mjs', ['--tools', '3'])]);
    await manager.start('paged');
    await manager.stop('paged');
    const starting: ServerState[] = [];
    manager.onDidChange((s) => s.status === 'starting' && starting.push(s));
    await manager.start('paged');
    assert.equal(starting.length, 1);
    assert.equal(starting[0].toolsFromCache, true);
    assert.equal(starting[0].tools?.length, 4);
    assert.equal(manager.state('paged')!.toolsFromCache, undefined);
  });

  it('stops servers whose definition changed or was removed, and keeps unchanged ones', async () => {
    const keep = fixtureDefinition('keep', 'crash.mjs');
    const change = fixtureDefinition('change', 'crash.mjs');
    const remove = fixtureDefinition('remove', 'crash.mjs');
    const { manager } = newManager([keep, change, remove]);
    await manager.startAll();
    const pids = Object.fromEntries(manager.list().map((s) => [s.id, s.pid!]));
    const changed = fixtureDefinition('change', 'crash.mjs', [], { env: { X: '1' } });
    changed.hash = 'different';
    await manager.setDefinitions([{ ...keep, excludeTools: ['crash'] }, changed]);
    assert.equal(manager.state('keep')!.pid, pids.keep);
    assert.ok(!manager.state('keep')!.tools!.some((t) => t.name === 'crash'));
    assert.equal(manager.state('change')!.status, 'stopped');
    assert.equal(manager.state('remove'), undefined);
    assert.ok(!isAlive(pids.change) && !isAlive(pids.remove));
    assert.ok(isAlive(pids.keep));
  });

  it('keeps a running server whose id changed but whose launch definition did not', async () => {
    // A name defined in two folders gets folder-qualified ids; when one folder goes, the other's id drops the suffix.
    const a = fixtureDefinition('shared@vscode:a', 'crash.mjs', [], { name: 'shared' });
    const b = fixtureDefinition('shared@vscode:b', 'crash.mjs', ['--marker', 'b'], { name: 'shared' });
    const { manager } = newManager([a, b]);
    await manager.startAll();
    const pidA = manager.state(a.id)!.pid!;
    const pidB = manager.state(b.id)!.pid!;
    const seen: string[] = [];
    manager.onDidChange((st) => seen.push(`${st.id}:${st.status}`));
    await manager.setDefinitions([{ ...b, id: 'shared' }]);
    assert.equal(manager.state(b.id), undefined);
    assert.equal(manager.state(a.id), undefined);
    assert.equal(manager.state('shared')!.status, 'running');
    assert.equal(manager.state('shared')!.pid, pidB);
    assert.equal(manager.state('shared')!.id, 'shared');
    assert.ok(seen.includes('shared:running'), seen.join(', '));
    assert.ok(isAlive(pidB), 'the renamed server was restarted');
    assert.ok(!isAlive(pidA), 'the removed server was not stopped');
    // The handle under the new id reaches the same process.
    assert.equal((await manager.connection('shared').listTools()).length > 0, true);
    assert.equal(manager.state('shared')!.pid, pidB);
  });

  it('refuses definitions discovery marked as broken, unresolved or disabled, without spawning', async () => {
    const { manager, logger } = newManager([
      fixtureDefinition('broken', 'crash.mjs', [], { error: "broken uses ${env:NOPE}, which is not set. Set it or edit .vscode/mcp.json." }),
      fixtureDefinition('asks', 'crash.mjs', [], { pendingInputs: ['token'] }),
      fixtureDefinition('off', 'crash.mjs', [], { disabled: true }),
    ]);
    await rejectsWith(manager.ensureStarted('broken'), 'start_failed', /^broken uses \$\{env:NOPE\}, which is not set/);
    await rejectsWith(manager.ensureStarted('asks'), 'not_allowed', /asks needs a value for \$\{input:token\} before it can start/);
    await rejectsWith(manager.connection('off').callTool('echo', { text: 'x' }), 'not_allowed', /off is disabled \('disabled': true in .*\)\. Start it explicitly/);
    assert.equal(logger.count(/Starting/), 0);
    assert.equal(manager.state('broken')!.circuitOpen, undefined);
    // Starting a disabled server explicitly is the user's choice.
    await manager.start('off');
    assert.equal(manager.state('off')!.status, 'running');
  });

  it('names the known servers when asked for an unknown one', () => {
    const { manager } = newManager([fixtureDefinition('a', 'crash.mjs'), fixtureDefinition('b', 'crash.mjs')]);
    assert.throws(() => manager.connection('nope'), /There is no server named 'nope'\. Known servers: a, b\./);
  });
});

describe('ServerManager: trust and consent', () => {
  afterEach(cleanup);

  it('never spawns a workspace server when the workspace is not trusted', async () => {
    let asked = 0;
    const { manager, logger } = newManager([fixtureDefinition('ws', 'crash.mjs')], { isTrusted: () => false, consent: async () => (asked++, true) });
    const err = await rejectsWith(manager.start('ws'), 'not_allowed', /^ws was not started because the workspace is not trusted\.$/);
    assert.deepEqual(err.facts, { refusal: 'untrusted_workspace' });
    await rejectsWith(manager.connection('ws').callTool('echo', { text: 'x' }), 'not_allowed');
    assert.equal(asked, 0);
    assert.equal(logger.count(/Starting/), 0);
    assert.equal(manager.state('ws')!.pid, undefined);
  });

  it('still starts a user-level server in an untrusted workspace', async () => {
    const def = fixtureDefinition('user', 'crash.mjs');
    const { manager } = newManager([{ ...def, source: { ...def.source, kind: 'claude-desktop', workspaceFolder: undefined } }], { isTrusted: () => false });
    await manager.start('user');
    assert.equal(manager.state('user')!.status, 'running');
  });

  it('asks for consent before spawning and spawns nothing when refused', async () => {
    const asked: string[] = [];
    let answer = false;
    const { manager, logger } = newManager([fixtureDefinition('ask', 'crash.mjs')], {
      consent: async (def) => {
        asked.push(`${def.command} ${def.args!.join(' ')}`);
        return answer;
      },
    });
    const refused = await rejectsWith(manager.start('ask'), 'not_allowed', /^ask was not started because starting it was not allowed\.$/);
    assert.deepEqual(refused.facts, { refusal: 'consent_denied' });
    assert.equal(logger.count(/Starting/), 0);
    assert.equal(asked.length, 1);
    assert.match(asked[0], /crash\.mjs$/);
    answer = true;
    await manager.start('ask');
    assert.equal(manager.state('ask')!.status, 'running');
  });
});

describe('ServerManager: stopping leaves no processes', () => {
  afterEach(cleanup);

  it('kills the server and its children on stopAll', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs', ['--child'])], { stopGraceMs: 200 });
    const { pid, childPid } = JSON.parse(textOf(await manager.connection('hang').callTool('pids', {})));
    assert.ok(isAlive(pid) && isAlive(childPid));
    await manager.stopAll();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.ok(!isAlive(childPid), `grandchild ${childPid} survived stopAll`);
  });

  it('rejects a running call when the server is stopped, and leaves nothing behind', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs', ['--child'])], { stopGraceMs: 200 });
    const conn = manager.connection('hang');
    const { pid, childPid } = JSON.parse(textOf(await conn.callTool('pids', {})));
    const call = conn.callTool('hang', {}, { timeoutMs: 60_000 });
    // Checked from the start, so the rejection during stop() is handled as it happens.
    const rejected = rejectsWith(call, 'stopped', /hang was stopped while the tool 'hang' was running/);
    await new Promise((r) => setTimeout(r, 100));
    await manager.stop('hang');
    await rejected;
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.ok(!isAlive(childPid));
  });

  it('cleans up the children of a server killed mid-call', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs', ['--child'])]);
    const conn = manager.connection('hang');
    const { pid, childPid } = JSON.parse(textOf(await conn.callTool('pids', {})));
    const call = conn.callTool('hang', {}, { timeoutMs: 60_000 });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    await rejectsWith(call, 'connection_closed', /hang stopped while running the tool 'hang': the process was killed by SIGKILL/);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await waitUntil(() => !isAlive(childPid), 2000);
  });
});

describe('ServerManager: backoff and circuit breaker', () => {
  afterEach(cleanup);

  it('doubles the backoff up to its cap', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ ...DEFAULT_RETRY_POLICY, backoffInitialMs: 100, backoffMaxMs: 350, breakerFailures: 99 }, () => now);
    assert.equal(breaker.backoffRemainingMs(), 0);
    breaker.recordFailure();
    assert.equal(breaker.backoffRemainingMs(), 100);
    breaker.recordFailure();
    assert.equal(breaker.backoffRemainingMs(), 200);
    now = 150;
    assert.equal(breaker.backoffRemainingMs(), 50);
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.backoffRemainingMs(), 350);
    breaker.recordSuccess();
    assert.equal(breaker.backoffRemainingMs(), 0);
  });

  it('waits out the backoff before reconnecting on next use', async () => {
    const { manager } = newManager([fixtureDefinition('crash', 'crash.mjs')], { retry: { backoffInitialMs: 400 } });
    const conn = manager.connection('crash');
    await rejectsWith(conn.callTool('crash', {}), 'connection_closed');
    const before = Date.now();
    await conn.callTool('echo', { text: 'back' });
    assert.ok(Date.now() - before >= 350, 'reconnected without waiting for the backoff');
  });

  it('stops retrying after 3 failures in 60 s, says so, and Restart resets it', async () => {
    let now = 1_000_000;
    const { manager, logger } = newManager([fixtureDefinition('broken', 'crash.mjs', ['--at-startup'])], {
      now: () => now,
      retry: { backoffInitialMs: 0, breakerFailures: 3, breakerWindowMs: 60_000, breakerCooldownMs: 300_000 },
    });
    await rejectsWith(manager.ensureStarted('broken'), 'start_failed');
    // The first start's process died during the 2026 probe, so it was given one more start with the 2025
    // handshake (./launcher); it died again, and later starts are single spawns.
    assert.equal(logger.count(/Starting broken/), 2);
    now += 10_000;
    await rejectsWith(manager.ensureStarted('broken'), 'start_failed');
    now += 10_000;
    const third = await rejectsWith(manager.ensureStarted('broken'), 'circuit_open');
    assert.match(third.message, /^Stopped retrying broken after 3 failures in 60 s; fix it and use Restart\. Last error: Could not start broken: the process exited with code 1/);
    assert.equal(manager.state('broken')!.circuitOpen, true);
    assert.equal(logger.count(/Starting broken/), 4);
    // Open: no further spawn, the same sentence.
    await rejectsWith(manager.connection('broken').callTool('echo', { text: 'x' }), 'circuit_open', /Stopped retrying broken after 3 failures in 60 s/);
    assert.equal(logger.count(/Starting broken/), 4);
    // After the cool-down one trial is allowed.
    now += 300_001;
    await rejectsWith(manager.ensureStarted('broken'), 'circuit_open');
    assert.equal(logger.count(/Starting broken/), 5);
    // Restart clears the breaker and tries at once.
    await rejectsWith(manager.restart('broken'), 'start_failed', /^Could not start broken/);
    assert.equal(logger.count(/Starting broken/), 6);
  });

  it('counts failures only inside the window', async () => {
    let now = 0;
    const { manager } = newManager([fixtureDefinition('broken', 'crash.mjs', ['--at-startup'])], { now: () => now });
    for (let i = 0; i < 4; i++) {
      await rejectsWith(manager.ensureStarted('broken'), 'start_failed');
      now += 31_000;
    }
    assert.equal(manager.state('broken')!.circuitOpen, undefined);
  });
});

describe('ServerManager over HTTP', () => {
  afterEach(cleanup);

  it('connects with Streamable HTTP', async () => {
    const { port } = await startHttpFixture(['--mode', 'streamable']);
    const { manager } = newManager([makeDefinition({ id: 'web', transport: 'http', url: `http://127.0.0.1:${port}/mcp` })]);
    const conn = manager.connection('web');
    assert.equal(textOf(await conn.callTool('transport', {})), 'streamable');
    assert.equal(manager.state('web')!.transportUsed, 'streamable-http');
    assert.equal(textOf(await conn.callTool('echo', { text: 'over http' })), 'over http');
  });

  it('falls back to SSE when an http server answers Streamable HTTP with 4xx', async () => {
    const { port } = await startHttpFixture(['--mode', 'sse']);
    const { manager, logger } = newManager([makeDefinition({ id: 'legacy', transport: 'http', url: `http://127.0.0.1:${port}/mcp` })]);
    assert.equal(textOf(await manager.connection('legacy').callTool('transport', {})), 'sse');
    assert.equal(manager.state('legacy')!.transportUsed, 'sse');
    assert.equal(logger.count(/answered 405; trying the older HTTP\+SSE transport/), 1);
  });

  it('uses SSE directly for type sse', async () => {
    const { port } = await startHttpFixture(['--mode', 'sse']);
    const { manager } = newManager([makeDefinition({ id: 'sse', transport: 'sse', url: `http://127.0.0.1:${port}/mcp` })]);
    assert.equal(textOf(await manager.connection('sse').callTool('echo', { text: 'over sse' })), 'over sse');
  });

  it('sends the configured headers, and explains a 401', async () => {
    const { port } = await startHttpFixture(['--mode', 'streamable', '--require-header', 'Authorization=Bearer t0ken']);
    const url = `http://127.0.0.1:${port}/mcp`;
    const { manager } = newManager([
      makeDefinition({ id: 'authed', transport: 'http', url, headers: { Authorization: 'Bearer t0ken' } }),
      makeDefinition({ id: 'anon', transport: 'http', url }),
    ]);
    assert.equal(textOf(await manager.connection('authed').callTool('echo', { text: 'ok' })), 'ok');
    await rejectsWith(manager.start('anon'), 'start_failed', /Could not connect to anon at .*: the server answered HTTP 401 \(unauthorized\)\. Check 'headers' in /);
  });

  it('sends the headers on the SSE stream too', async () => {
    const { port } = await startHttpFixture(['--mode', 'sse', '--require-header', 'X-Key=abc']);
    const { manager } = newManager([makeDefinition({ id: 'sse', transport: 'sse', url: `http://127.0.0.1:${port}/mcp`, headers: { 'X-Key': 'abc' } })]);
    assert.equal(textOf(await manager.connection('sse').callTool('echo', { text: 'keyed' })), 'keyed');
  });

  it('notices an HTTP server that went away, and reconnects when it is back', async () => {
    const first = await startHttpFixture(['--mode', 'streamable']);
    const { manager } = newManager([makeDefinition({ id: 'web', transport: 'http', url: `http://127.0.0.1:${first.port}/mcp` })]);
    const conn = manager.connection('web');
    assert.equal(textOf(await conn.callTool('echo', { text: 'one' })), 'one');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await rejectsWith(conn.callTool('echo', { text: 'two' }), 'connection_closed', /web could not be reached at http:\/\/127\.0\.0\.1:\d+\/mcp while running the tool 'echo': the connection was refused/);
    assert.equal(manager.state('web')!.status, 'error');
    await startHttpFixture(['--mode', 'streamable', '--port', String(first.port)]);
    assert.equal(textOf(await conn.callTool('echo', { text: 'three' })), 'three');
    assert.equal(manager.state('web')!.status, 'running');
  });

  it('explains a refused connection and a bad URL', async () => {
    const { port, child } = await startHttpFixture([]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { manager } = newManager([
      makeDefinition({ id: 'down', transport: 'http', url: `http://127.0.0.1:${port}/mcp` }),
      makeDefinition({ id: 'bad', transport: 'http', url: 'not a url' }),
      makeDefinition({ id: 'nourl', transport: 'sse' }),
    ]);
    await rejectsWith(manager.start('down'), 'start_failed', /Could not connect to down at http:\/\/127\.0\.0\.1:\d+\/mcp: the connection was refused\. Start the server, or check 'url'/);
    await rejectsWith(manager.start('bad'), 'start_failed', /'not a url' is not a valid URL\. Check 'url' in /);
    await rejectsWith(manager.start('nourl'), 'start_failed', /nourl: it has no 'url'\. Add one in /);
  });
});
