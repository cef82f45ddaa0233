import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseToxics, describeToxics, ToxicsError, NO_TOXICS, DEFAULT_TRUNCATE_PROBABILITY } from '../../../src/core/lab/chaos/toxics';
import { LineRelay, REORDER_MAX_HOLD_MS } from '../../../src/core/lab/chaos/relay';
import { ChaosProxy } from '../../../src/core/lab/chaos/proxy';
import { countsTowardDisconnect } from '../../../src/core/lab/chaos/decide';
import { EVERYTHING, FIXTURES } from '../guards/helpers';
import { join } from 'node:path';

function messages(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'echo', arguments: { text: `message ${i}` } } })).join('\n') + '\n';
}

function relay(spec: string, seed: number, input: string, admit = () => true): string[] {
  const out: string[] = [];
  const r = new LineRelay(parseToxics(spec), seed, 'to_server', (l) => out.push(l), admit);
  r.push(input);
  return out;
}

describe('lab: chaos toxics', () => {
  it('parses every toxic of the documented list', () => {
    const t = parseToxics('latency=200ms±50,drop=0.05,corrupt=0.01,truncate,disconnect-after=50,slow-read,duplicate=0.1,reorder=0.2');
    assert.deepEqual(t, { latencyMs: 200, jitterMs: 50, drop: 0.05, corrupt: 0.01, truncate: DEFAULT_TRUNCATE_PROBABILITY, duplicate: 0.1, reorder: 0.2, disconnectAfter: 50, slowRead: true });
    assert.equal(describeToxics(t), 'latency=200ms±50,drop=0.05,corrupt=0.01,truncate=0.05,duplicate=0.1,reorder=0.2,disconnect-after=50,slow-read');
    assert.deepEqual(parseToxics(''), NO_TOXICS);
  });

  it('refuses bad toxics with a message that shows the right form', () => {
    assert.throws(() => parseToxics('latency=fast'), (e: Error) => e instanceof ToxicsError && /latency=200ms/.test(e.message));
    assert.throws(() => parseToxics('drop=2'), /between 0 and 1, like drop=0.05/);
    assert.throws(() => parseToxics('disconnect-after=0'), /whole number/);
    assert.throws(() => parseToxics('explode'), /unknown toxic 'explode'. Known: latency/);
    assert.throws(() => parseToxics('slow-read=3'), /takes no value/);
  });

  it('without toxics every message passes unchanged', () => {
    const input = messages(20);
    assert.equal(relay('', 1, input).join(''), input);
  });

  it('the same seed makes the same faults; another seed other faults', () => {
    const input = messages(200);
    const a = relay('drop=0.2,corrupt=0.2,truncate=0.2,duplicate=0.2', 42, input);
    const b = relay('drop=0.2,corrupt=0.2,truncate=0.2,duplicate=0.2', 42, input);
    const c = relay('drop=0.2,corrupt=0.2,truncate=0.2,duplicate=0.2', 43, input);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('drop, corrupt, truncate and duplicate do what they say, at about their rate', () => {
    const n = 1000;
    const count = (spec: string) => {
      const r = new LineRelay(parseToxics(spec), 9, 'to_server', () => {}, () => true);
      r.push(messages(n));
      return r.counters;
    };
    const drop = count('drop=0.1').dropped;
    assert.ok(drop > 60 && drop < 140, `dropped ${drop}`);
    const out = relay('corrupt=1', 1, messages(10)).join('').trim().split('\n');
    assert.equal(out.length, 10);
    assert.ok(out.every((l, i) => l !== JSON.stringify(JSON.parse(messages(10).split('\n')[i]))));
    const cut = relay('truncate=1', 1, messages(5)).join('').trim().split('\n');
    assert.ok(cut.every((l) => l.length < 70 && !l.endsWith('}')));
    assert.equal(relay('duplicate=1', 1, messages(5)).join('').trim().split('\n').length, 10);
  });

  it('reorder swaps a held message with the next one, the same way under the same seed, and leaves the other toxics\' choices alone', () => {
    const ids = (out: string[]) => out.join('').trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
    const a = relay('reorder=0.3', 7, messages(200));
    assert.deepEqual(ids(a), ids(relay('reorder=0.3', 7, messages(200))));
    assert.notDeepEqual(ids(a), ids(relay('reorder=0.3', 8, messages(200))));
    const order = ids(a);
    assert.deepEqual([...order].sort((x, y) => x - y).slice(0, 199), Array.from({ length: 199 }, (_, i) => i + 1), 'nothing lost or duplicated');
    const swaps = order.filter((id, i) => i > 0 && id < order[i - 1]).length;
    assert.ok(swaps > 25 && swaps < 75, `${swaps} swaps`);
    // Every message that came out early is the one right after a held one: only neighbours swap.
    order.forEach((id, i) => assert.ok(Math.abs(id - (i + 1)) <= 1 || i === order.length - 1, `message ${id} at ${i + 1}`));
    const dropsAlone = ids(relay('drop=0.2', 3, messages(100))).sort((x, y) => x - y);
    const dropsWithReorder = ids(relay('drop=0.2,reorder=0.5', 3, messages(100))).sort((x, y) => x - y);
    assert.deepEqual(dropsWithReorder.filter((id) => id !== 100), dropsAlone.filter((id) => id !== 100), 'the same messages are dropped with and without reorder');
  });

  it('a held message goes out alone when no next message comes, and reorder applies after latency', async () => {
    const out: string[] = [];
    const r = new LineRelay(parseToxics('reorder=1'), 1, 'to_client', (l) => out.push(l), () => true);
    r.push(messages(1));
    assert.equal(out.length, 0);
    await new Promise((res) => setTimeout(res, REORDER_MAX_HOLD_MS + 100));
    assert.equal(out.join(''), messages(1));
    const late: string[] = [];
    const l = new LineRelay(parseToxics('latency=10ms,reorder=1'), 1, 'to_server', (x) => late.push(x), () => true);
    l.push(messages(4));
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(late.join('').trim().split('\n').map((x) => (JSON.parse(x) as { id: number }).id), [2, 1, 4, 3]);
    assert.equal(l.counters.reordered, 2);
  });

  it('spares the handshake and the listings, so a server is never faulted before it starts', () => {
    const init = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n';
    assert.equal(relay('drop=1', 1, init).join(''), init);
    assert.equal(relay('reorder=1', 1, init).join(''), init);
  });

  it('disconnect-after stops relaying once the count is reached', () => {
    let seen = 0;
    const out = relay('', 1, messages(10), () => ++seen <= 4);
    assert.equal(out.length, 4);
  });

  it('latency delays messages but keeps their order', async () => {
    const out: string[] = [];
    const r = new LineRelay(parseToxics('latency=20ms±15'), 5, 'to_client', (l) => out.push(l), () => true);
    r.push(messages(10));
    assert.equal(out.length, 0);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(out.join(''), messages(10));
    assert.equal(r.counters.delayed, 10);
  });

  it('the proxy runs a real server: an echo round trip, then the disconnect toxic ends both sides', async function () {
    this.timeout(20_000);
    const input = new PassThrough();
    const output = new PassThrough();
    const stderr = new PassThrough();
    const lines: string[] = [];
    output.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    // The handshake is not counted: the call and its answer are 2, the next call is the third.
    const proxy = new ChaosProxy(parseToxics('disconnect-after=2'), 1, { input, output, stderr });
    const ended = proxy.run({ command: process.execPath, args: [join(FIXTURES, 'crash.mjs')], env: process.env as Record<string, string> });
    input.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n');
    input.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    input.write('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"through the proxy"}}}\n');
    for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(lines[1] ?? '', /through the proxy/);
    input.write('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"cut"}}}\n');
    const end = await ended;
    assert.equal(end.reason, 'disconnect_toxic');
    assert.equal(lines.length, 2);
  });

  it('disconnect-after counts requests and answers past the handshake, not the handshake, listings or notifications', () => {
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}'), false);
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}'), false);
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}'), false);
    assert.equal(countsTowardDisconnect('{"method":"notifications/tools/list_changed","jsonrpc":"2.0"}'), false);
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"id-1","progress":1}}'), false);
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo"}}'), true);
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":4,"result":{"content":[]}}'), true);
    assert.equal(countsTowardDisconnect('[{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":5,"method":"ping"}]'), true);
    // A cut line is judged by what can be seen of it.
    assert.equal(countsTowardDisconnect('{"jsonrpc":"2.0","id":6,"method":"tools/ca'), true);
  });

  it('server-everything behind disconnect-after=8: its startup notifications do not use up the count, four calls are answered before the cut', async function () {
    // server-everything sends seven notifications/tools/list_changed while it starts; counted, they cut every
    // connection before the first call was answered (the lab's faults.disconnect.no_recovery on it).
    this.timeout(30_000);
    const input = new PassThrough();
    const output = new PassThrough();
    const stderr = new PassThrough();
    const lines: string[] = [];
    output.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const proxy = new ChaosProxy(parseToxics('disconnect-after=8'), 1, { input, output, stderr });
    const ended = proxy.run({ command: process.execPath, args: [EVERYTHING, 'stdio'], env: process.env as Record<string, string> });
    let finished = false;
    void ended.then(() => (finished = true));
    const waitFor = async (test: () => boolean) => {
      for (let i = 0; i < 200 && !test() && !finished; i++) await new Promise((r) => setTimeout(r, 25));
      return test();
    };
    const answered = (id: number) => lines.some((l) => (JSON.parse(l) as { id?: unknown }).id === id);
    input.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"t","version":"1"}}}\n');
    assert.ok(await waitFor(() => answered(1)), `initialize: ${lines.join('\n')}`);
    input.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    input.write('{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}\n');
    assert.ok(await waitFor(() => answered(2)), `tools/list: ${lines.map((l) => l.slice(0, 80)).join('\n')}`);
    const notifications = lines.filter((l) => /notifications\/tools\/list_changed/.test(l)).length;
    assert.ok(notifications >= 1, 'server-everything announces its tools while starting');
    for (let id = 3; id <= 6; id++) {
      input.write(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"get-env","arguments":{}}}\n`);
      assert.ok(await waitFor(() => answered(id)), `call ${id - 2} was not answered (proxy ended: ${finished}); after ${notifications} startup notifications`);
    }
    input.write('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get-env","arguments":{}}}\n');
    const end = await ended;
    assert.equal(end.reason, 'disconnect_toxic');
    assert.equal(answered(7), false);
  });

  it('when the client closes, what it sent still reaches the server and the answer still comes back', async function () {
    this.timeout(20_000);
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (c: Buffer) => (out += c.toString()));
    const proxy = new ChaosProxy(parseToxics('latency=30ms'), 1, { input, output, stderr: new PassThrough() });
    const ended = proxy.run({ command: process.execPath, args: [join(FIXTURES, 'crash.mjs')], env: process.env as Record<string, string> });
    input.end('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n');
    const end = await ended;
    assert.equal(end.reason, 'client_closed');
    assert.match(out, /"serverInfo":\{"name":"crash"/);
  });
});
