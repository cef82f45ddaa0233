// The stdio Transport the connection layer owns: spawn, exit facts, the message size cap, bad lines.
import * as assert from 'node:assert/strict';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { EarlyOutputTooLargeError, inheritedEnvironment, MessageTooLargeError, StdioProcessTransport } from '../../../src/core/servers/stdioTransport';
import { fixture, isAlive, NODE, waitUntil } from './helpers';

const initialize: JSONRPCMessage = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
};

function open(file: string, args: string[] = [], maxMessageBytes = 1024 * 1024) {
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let stderr = '';
  let closes = 0;
  const transport = new StdioProcessTransport({ command: NODE, args: [fixture(file), ...args], maxMessageBytes, onStderr: (t) => (stderr += t) });
  transport.onmessage = (m) => void messages.push(m);
  transport.onerror = (e) => void errors.push(e);
  transport.onclose = () => void closes++;
  return { transport, messages, errors, stderr: () => stderr, closes: () => closes };
}

async function call(t: StdioProcessTransport, messages: JSONRPCMessage[], id: number, name: string, args: Record<string, unknown> = {}): Promise<void> {
  await t.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  await waitUntil(() => messages.some((m) => 'id' in m && m.id === id), 5000);
}

async function handshake(t: StdioProcessTransport, messages: JSONRPCMessage[]): Promise<void> {
  await t.send(initialize);
  await waitUntil(() => messages.some((m) => 'id' in m && m.id === 1), 5000);
  await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

describe('StdioProcessTransport', () => {
  it('exposes the pid, and the exit code once the server exits', async () => {
    const s = open('crash.mjs');
    await s.transport.start();
    const pid = s.transport.pid!;
    assert.ok(isAlive(pid));
    await handshake(s.transport, s.messages);
    await s.transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'crash', arguments: { code: 5 } } });
    await s.transport.exited;
    assert.deepEqual(s.transport.exit, { code: 5, signal: null });
    await waitUntil(() => s.closes() === 1);
    assert.match(s.stderr(), /exiting with code 5 mid-call/);
  });

  it('ends stdin on close and resolves once a well-behaved server has exited', async () => {
    const s = open('crash.mjs');
    await s.transport.start();
    await handshake(s.transport, s.messages);
    await s.transport.close();
    assert.ok(s.transport.exit, 'the server has exited');
    assert.equal(isAlive(s.transport.pid!), false);
    await assert.rejects(s.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' }), /Not connected/);
  });

  it('reports a line that is not JSON-RPC and keeps delivering the messages after it', async () => {
    const s = open('garbage.mjs', ['--at-startup']);
    await s.transport.start();
    await handshake(s.transport, s.messages);
    await call(s.transport, s.messages, 2, 'garbage');
    assert.ok(s.errors.length >= 1, 'the bad line was reported');
    assert.ok(!s.errors.some((e) => e instanceof MessageTooLargeError));
    await call(s.transport, s.messages, 3, 'echo', { text: 'after' });
    await s.transport.close();
  });

  it('stops delivering and ends the server when a message exceeds the cap', async () => {
    const s = open('garbage.mjs', [], 64 * 1024);
    await s.transport.start();
    await handshake(s.transport, s.messages);
    const before = s.messages.length;
    await s.transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'unterminated', arguments: { bytes: 200 * 1024 } } });
    await s.transport.exited;
    const tooLarge = s.errors.find((e) => e instanceof MessageTooLargeError) as MessageTooLargeError | undefined;
    assert.ok(tooLarge, 'a MessageTooLargeError was reported');
    assert.deepEqual(tooLarge.limit, { name: 'maxMessageBytes', value: 64 * 1024 });
    assert.equal(s.transport.failure, tooLarge);
    assert.equal(s.transport.exit?.signal, 'SIGTERM');
    assert.equal(s.messages.length, before, 'nothing after the oversized message was delivered');
  });

  /** A server that writes `script`'s output in one burst after start, then waits on stdin. */
  function burst(script: string, maxMessageBytes: number) {
    const messages: JSONRPCMessage[] = [];
    const errors: Error[] = [];
    const transport = new StdioProcessTransport({ command: NODE, args: ['-e', `${script}; process.stdin.resume()`], maxMessageBytes });
    transport.onmessage = (m) => void messages.push(m);
    transport.onerror = (e) => void errors.push(e);
    return { transport, messages, errors };
  }

  it('applies the cap to each line, not to a chunk holding many complete lines', async () => {
    // 2 000 notifications of ~110 bytes in one write: the pipe hands them over in chunks far over a 4 KB cap.
    const line = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'y'.repeat(50) } });
    const s = burst(`process.stdout.write(${JSON.stringify(line + '\n')}.repeat(2000))`, 4 * 1024);
    await s.transport.start();
    await waitUntil(() => s.messages.length === 2000, 10000);
    assert.deepEqual(s.errors, []);
    assert.equal(s.transport.failure, undefined);
    await s.transport.close();
  });

  it('refuses a complete line over the cap that arrives inside a chunk with short ones', async () => {
    const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'short' } });
    const long = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'z'.repeat(8 * 1024) } });
    const s = burst(`process.stdout.write(${JSON.stringify(`${note}\n${long}\n${note}\n`)})`, 4 * 1024);
    await s.transport.start();
    await s.transport.exited;
    assert.ok(s.errors.some((e) => e instanceof MessageTooLargeError), 'a MessageTooLargeError was reported');
    assert.equal(s.messages.length, 1, 'the short line before it was delivered, nothing after');
  });

  it('rejects start for a missing command, and close does not wait for a process that never ran', async () => {
    const t = new StdioProcessTransport({ command: 'mcp-harness-no-such-command', args: [], maxMessageBytes: 1024 });
    const errors: Error[] = [];
    t.onerror = (e) => void errors.push(e);
    await assert.rejects(t.start(), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    await t.exited;
    await t.close();
    assert.equal(t.pid, undefined);
    assert.equal(errors.length, 1);
  });

  it('holds what a server spawned early writes, and its exit, for the client start() serves', async () => {
    // The launcher spawns before it builds the client; here the server speaks and exits before start().
    const note = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'early' } };
    const t = new StdioProcessTransport({ command: NODE, args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(note) + '\n')}); process.exitCode = 4`], maxMessageBytes: 1024 });
    await t.spawn();
    await t.exited;
    const seen: string[] = [];
    t.onmessage = (m) => void seen.push(`message ${JSON.stringify(m)}`);
    t.onclose = () => void seen.push('close');
    await t.start();
    await waitUntil(() => seen.includes('close'), 5000);
    assert.deepEqual(seen, [`message ${JSON.stringify(note)}`, 'close']);
    assert.deepEqual(t.exit, { code: 4, signal: null });
    await assert.rejects(t.start(), /already started/);
  });

  it('holds at most maxMessageBytes of what a server writes before start(): a flood ends the server, and start() reports the limit', async () => {
    // 2 MiB of complete lines, written before the server reads its first request, against a 64 KiB cap.
    const s = open('garbage.mjs', ['--flood-at-startup', String(2 * 1024 * 1024)], 64 * 1024);
    await s.transport.spawn();
    await waitUntil(() => s.transport.exit !== undefined || s.stderr().includes('flooded'), 10_000);
    await s.transport.start();
    const early = s.errors.find((e) => e instanceof EarlyOutputTooLargeError) as EarlyOutputTooLargeError | undefined;
    assert.ok(early, `the held output hit the cap (errors: ${s.errors.map((e) => e.message).join('; ')})`);
    assert.deepEqual(early.limit, { name: 'maxMessageBytes', value: 64 * 1024 });
    assert.match(early.message, /wrote more than 64 KB to stdout before the client had started \(the maxMessageBytes limit\)/);
    assert.equal(s.transport.failure, early);
    await s.transport.exited;
    assert.equal(s.transport.exit?.signal, 'SIGTERM', 'the flooding server was ended');
    assert.deepEqual(s.messages, [], 'nothing of the flood was delivered');
    await waitUntil(() => s.closes() === 1, 5000);
  });

  it('delivers what a server writes before start() when it stays under the cap', async () => {
    const s = open('garbage.mjs', ['--flood-at-startup', String(20 * 1024)], 64 * 1024);
    await s.transport.spawn();
    await waitUntil(() => s.stderr().includes('flooded'), 10_000);
    await s.transport.start();
    assert.deepEqual(s.errors, []);
    assert.equal(s.messages.length, Math.ceil((20 * 1024) / (JSON.stringify(s.messages[0]).length + 1)));
    await handshake(s.transport, s.messages);
    await s.transport.close();
  });

  it("gives a server the SDK's inherited environment without loading the SDK", () => {
    const saved = { TERM: process.env.TERM, USER: process.env.USER };
    try {
      // An exported shell function is not passed on; an unset variable is left out.
      process.env.TERM = '() { echo pwned; }';
      delete process.env.USER;
      assert.deepEqual(inheritedEnvironment(), getDefaultEnvironment());
      process.env.USER = 'someone';
      assert.deepEqual(inheritedEnvironment(), getDefaultEnvironment());
      assert.equal(inheritedEnvironment().USER, 'someone');
      assert.equal('TERM' in inheritedEnvironment(), false);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
