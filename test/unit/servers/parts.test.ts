// The parts behind ServerManager on their own: the registry, process-tree stopping, the per-call signal.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { DEFAULT_RETRY_POLICY } from '../../../src/core/servers/breaker';
import { callSignal } from '../../../src/core/servers/calls';
import { InFlightCalls } from '../../../src/core/servers/inFlight';
import { ServerError } from '../../../src/core/servers/errors';
import { descendants, stopProcessTree } from '../../../src/core/servers/processTree';
import { readFileSync } from 'node:fs';
import { ServerRegistry } from '../../../src/core/servers/registry';
import type { ServerState } from '../../../src/core/servers/types';
import { fixture, fixtureDefinition, isAlive, NODE, RecordingLogger, waitUntil } from './helpers';

function registry(logger = new RecordingLogger()) {
  let handles = 0;
  return new ServerRegistry<string>(logger, DEFAULT_RETRY_POLICY, Date.now, (id) => `${id}#${++handles}`);
}

describe('ServerRegistry', () => {
  it('names the known servers when an id is unknown', () => {
    const r = registry();
    r.add(fixtureDefinition('a', 'crash.mjs'));
    assert.throws(() => r.get('b'), (err: ServerError) => err.code === 'unknown_server' && /There is no server named 'b'\. Known servers: a\./.test(err.message));
    assert.throws(() => registry().get('x'), /No servers are configured\./);
  });

  it('removes fields patched to undefined, and a failing listener does not stop the others', () => {
    const logger = new RecordingLogger();
    const r = registry(logger);
    const m = r.add(fixtureDefinition('a', 'crash.mjs'));
    const seen: ServerState[] = [];
    r.onDidChange(() => {
      throw new Error('listener broke');
    });
    r.onDidChange((s) => seen.push(s));
    r.setState(m, { status: 'error', error: 'boom' });
    r.setState(m, { status: 'stopped', error: undefined });
    assert.deepEqual(seen.map((s) => s.status), ['error', 'stopped']);
    assert.equal('error' in r.snapshot(m), false);
    assert.equal(logger.count(/listener broke/), 2);
  });

  it('keeps an entry whose id changed but whose launch did not, with a new handle; stops the changed ones', async () => {
    const r = registry();
    const shared = fixtureDefinition('shared', 'crash.mjs', ['--marker', 'x'], { name: 'shared' });
    const gone = fixtureDefinition('gone', 'crash.mjs');
    const kept = r.add(shared);
    r.add(gone);
    r.setTools(kept, [{ name: 'echo', inputSchema: { type: 'object' } }], false);
    const stopped: string[] = [];
    await r.reconcile([{ ...shared, id: 'shared@vscode:a' }], async (m) => void stopped.push(m.definition.id));
    assert.deepEqual(stopped, ['gone']);
    assert.equal(r.find('shared'), undefined);
    assert.equal(r.get('shared@vscode:a'), kept);
    assert.equal(kept.handle, 'shared@vscode:a#3');
    // The tool cache is by definition hash: a new entry for the same launch shows the tools at once.
    assert.deepEqual(r.cachedTools(shared)?.map((t) => t.name), ['echo']);
  });
});

describe('isAlive', () => {
  it('counts a reaped or zombie process as ended, but not a zombie thread-group leader whose threads still run', async function () {
    if (process.platform !== 'linux') this.skip();
    // The main thread exits on its own (pthread_exit) while a second thread runs on: the kernel then shows
    // the process as a zombie with an empty command line that its parent cannot reap yet. A killed server
    // whose thread is stuck in disk I/O looks the same (seen on CI as a leftover with no command line).
    const script = 'import threading,time,ctypes\nthreading.Thread(target=lambda: time.sleep(1.5)).start()\nctypes.CDLL(None).pthread_exit(None)';
    const child = spawn('python3', ['-c', script], { stdio: 'ignore' });
    const reaped = new Promise<void>((r) => child.once('exit', () => r()));
    const pid = child.pid!;
    await waitUntil(() => /^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 3000);
    assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), '');
    assert.equal(isAlive(pid), true, 'a zombie leader with a running thread is still alive');
    await reaped;
    assert.equal(isAlive(pid), false);
  });
});

describe('stopProcessTree', () => {
  it('ends a server that ignores stdin and its child after the grace period', async () => {
    const server = spawn(NODE, [fixture('hang.mjs'), '--at-init', '--child'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (c) => (stderr += c));
    await waitUntil(() => /childPid=\d+/.test(stderr));
    const childPid = Number(/childPid=(\d+)/.exec(stderr)![1]);
    assert.deepEqual(descendants(server.pid!), [childPid]);
    const reaped = new Promise<void>((r) => server.once('exit', () => r()));
    server.stdin!.end();
    await stopProcessTree({ pid: server.pid!, known: [], graceMs: 200, reaped });
    assert.equal(isAlive(server.pid!), false);
    assert.equal(isAlive(childPid), false);
    assert.equal(server.signalCode, 'SIGTERM');
  });

  it('also ends children seen earlier that were re-parented after their parent died', async () => {
    const orphan = spawn(NODE, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore', detached: true });
    const parent = spawn(NODE, ['-e', 'setTimeout(() => {}, 30)'], { stdio: 'ignore' });
    const reaped = new Promise<void>((r) => parent.once('exit', () => r()));
    await stopProcessTree({ pid: parent.pid!, known: [orphan.pid!], graceMs: 1000, reaped });
    await waitUntil(() => !isAlive(orphan.pid!), 3000);
  });
});

describe('callSignal', () => {
  it('puts one listener on the caller however many calls are in flight, removes it with the last, aborts them all', async () => {
    const outer = new AbortController();
    let listeners = 0;
    const add = outer.signal.addEventListener.bind(outer.signal);
    const remove = outer.signal.removeEventListener.bind(outer.signal);
    outer.signal.addEventListener = ((...a: Parameters<typeof add>) => (listeners++, add(...a))) as typeof add;
    outer.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (listeners--, remove(...a))) as typeof remove;
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 100; i++) callSignal(outer.signal).release();
      assert.equal(listeners, 0, 'no listener stays behind once the calls are released');
      const inFlight = Array.from({ length: 64 }, () => callSignal(outer.signal));
      const released = inFlight.pop()!;
      released.release();
      assert.equal(listeners, 1);
      outer.abort(new Error('stop'));
      for (const call of inFlight) {
        assert.equal(call.signal!.aborted, true);
        assert.equal((call.signal!.reason as Error).message, 'stop');
      }
      assert.equal(released.signal!.aborted, false, 'a released call no longer follows the caller');
      // Node reports too many listeners as a process warning on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.map((w) => w.name), []);
  });

  it('is already aborted when the caller cancelled before the call went out, and absent without a caller signal', () => {
    const outer = new AbortController();
    outer.abort();
    assert.equal(callSignal(outer.signal).signal!.aborted, true);
    assert.equal(callSignal(undefined).signal, undefined);
  });
});

describe('InFlightCalls', () => {
  it('ties a server request to the one call in flight, and its signal ends with the call whenever it was asked for', () => {
    const calls = new InFlightCalls();
    const a = calls.begin('step-a');
    assert.equal(calls.sole()?.origin, 'step-a');
    const early = a.call.signal;
    assert.equal(early.aborted, false);
    const b = calls.begin('step-b');
    assert.equal(calls.sole(), undefined, 'two calls in flight: no guess');
    a.end();
    assert.equal(early.aborted, true);
    assert.match((early.reason as Error).message, /the call that caused this request has ended/);
    assert.equal(a.call.signal.aborted, true, 'asked for after the call ended, the signal is already aborted');
    assert.equal(calls.sole()?.origin, 'step-b');
    calls.endAll();
    assert.match((b.call.signal.reason as Error).message, /the connection closed/);
    assert.equal(calls.size, 0);
    assert.equal(calls.closed.aborted, true);
  });
});
