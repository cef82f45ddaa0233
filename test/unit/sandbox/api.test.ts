import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { GuardPipeline } from '../../../src/core/guards/pipeline';
import type { ToolGateway } from '../../../src/core/guards/types';
import { Sandbox } from '../../../src/core/sandbox/sandbox';
import { loadSkills } from '../../../src/core/sandbox/skills';
import { SessionWorkspace } from '../../../src/core/sandbox/workspace';
import { DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { EVERYTHING, pipelineFor, startServer, type RealServer } from './helpers';

const FIXTURE_WORKSPACE = join(__dirname, '..', '..', 'fixtures', 'skills');

describe('sandbox: guest API over the real pipeline and server-everything', function () {
  this.timeout(30000);
  let server: RealServer;
  let gateway: GuardPipeline;
  const sandbox = new Sandbox();
  const run = (code: string, extra: Partial<Parameters<Sandbox['execute']>[0]> = {}) =>
    sandbox.execute({ code, gateway, parentStepId: 'code-1', limits: { timeoutMs: 5000 }, ...extra });

  before(async () => {
    server = await startServer('everything', EVERYTHING);
    gateway = pipelineFor([server]);
    await sandbox.start();
  });
  after(async () => {
    await sandbox.dispose();
    await server?.close();
  });

  it('returns the value of the async function body, and undefined as no value', async () => {
    const r = await run('const x = await Promise.resolve(20); return { answer: x + 22, list: [1, "two", null] };');
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.value, { answer: 42, list: [1, 'two', null] });
    const none = await run('let y = 1;');
    assert.equal(none.ok, true);
    assert.equal('value' in none, false);
  });

  it('lists servers, searches and describes tools with a TypeScript stub', async () => {
    const r = await run(`
      const servers = await mcp.servers();
      const found = await mcp.search('sum numbers');
      const d = await mcp.describe('everything/get-sum');
      return { servers, first: found[0], d };`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const v = r.value as { servers: { name: string; tools: number }[]; first: { name: string }; d: { description: string; inputSchema: unknown; stub: string } };
    assert.equal(v.servers[0].name, 'everything');
    assert.ok(v.servers[0].tools >= 10);
    assert.equal(v.first.name, 'everything/get-sum');
    assert.equal(v.d.description, 'Returns the sum of two numbers');
    assert.match(v.d.stub, /export type EverythingGetSumInput = \{/);
    assert.match(v.d.stub, /\/\*\*\n \* First number\n \*\/\n  a: number;|First number/);
    assert.match(v.d.stub, /declare function get_sum\(args: EverythingGetSumInput\): Promise<ToolResult<unknown>>/);
  });

  it('calls tools through mcp.call and tools.<server>.<tool> (names sanitised), in parallel, as child steps', async () => {
    const r = await run(`
      const [a, b, c] = await Promise.all([
        tools.everything.echo({ message: 'one' }),
        tools.everything.get_sum({ a: 2, b: 3 }),
        mcp.call('everything/get-structured-content', { location: 'Chicago' }),
      ]);
      return { a, b: b.text, c: c.structured };`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const v = r.value as { a: { text: string; isError: boolean; content: unknown[] }; b: string; c: { temperature: number } };
    assert.equal(v.a.text, 'Echo: one');
    assert.equal(v.a.isError, false);
    assert.deepEqual(v.a.content, [{ type: 'text', text: 'Echo: one' }]);
    assert.equal(v.b, 'The sum of 2 and 3 is 5.');
    assert.equal(typeof v.c.temperature, 'number');
    assert.equal(r.metrics.tool_calls, 3);
    assert.equal(r.childSteps.length, 3);
    for (const s of r.childSteps) {
      assert.equal(s.parent_id, 'code-1');
      assert.equal(s.decision, 'ok');
      assert.match(s.step_id, /^code-1\.\d$/);
    }
    assert.deepEqual(r.childSteps.map((s) => s.tool).sort(), ['echo', 'get-structured-content', 'get-sum']);
    assert.ok(r.metrics.tokens_raw > 10, `tokens_raw ${r.metrics.tokens_raw}`);
    assert.ok(r.metrics.tokens_returned > 5);
    assert.ok(r.metrics.heap_bytes_peak >= 16 * 1024 * 1024);
  });

  it('rejects a schema-invalid call as a catchable ToolDeniedError carrying decision and reasons', async () => {
    const r = await run(`
      try { await tools.everything.get_sum({ a: 'not a number' }); return 'no error'; }
      catch (e) { return { name: e.name, decision: e.decision, reasons: e.reasons, isError: e instanceof Error, step: e.step_id }; }`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const v = r.value as { name: string; decision: string; reasons: string[]; isError: boolean; step: string };
    assert.equal(v.name, 'ToolDeniedError');
    assert.equal(v.decision, 'denied_schema');
    assert.ok(v.reasons.length > 0);
    assert.equal(v.isError, true);
    assert.equal(v.step, 'code-1.1');
    assert.equal(r.childSteps[0].decision, 'denied_schema');
  });

  it('ends with kind denied when a policy denial is not caught', async () => {
    const denying = pipelineFor([server], { policy: { ...DEFAULT_POLICY, deny: ['everything/echo'] } });
    const r = await sandbox.execute({ code: 'await tools.everything.echo({ message: "x" }); return 1;', gateway: denying, parentStepId: 'c' });
    assert.equal(r.ok, false);
    assert.equal(r.error?.kind, 'denied');
    assert.equal(r.error?.decision, 'denied_policy');
    assert.ok(r.error?.reasons?.some((x) => x.includes('everything/echo')), JSON.stringify(r.error));
  });

  it('turns a host failure into a guest error instead of a hang, and unknown tools into a clear error', async () => {
    const failing: ToolGateway = { listTools: () => gateway.listTools(), callTool: () => Promise.reject(new Error('the connection broke')) };
    const r = await sandbox.execute({
      code: `
        let first, second;
        try { await mcp.call('everything/echo', { message: 'x' }); } catch (e) { first = e.name + ': ' + e.message; }
        try { await mcp.call('nope/none', {}); } catch (e) { second = e.name + ': ' + e.message; }
        return [first, second];`,
      gateway: failing,
      parentStepId: 'c',
    });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const [first, second] = r.value as string[];
    assert.equal(first, 'ToolCallError: the connection broke');
    assert.match(second, /^ToolNotFoundError: There is no tool 'nope\/none'/);
  });

  it('captures console output with its level, sanitised', async () => {
    const r = await run(`console.log('plain', 1, {a: 2}); console.info('info'); console.warn('warn'); console.error(new TypeError('bad'));
      console.log('\\u001b[31mred\\u001b[0m\\u0007 and \\u001b]8;;http://x\\u0007link');`);
    assert.equal(r.ok, true);
    assert.deepEqual(r.logs.slice(0, 3), [
      { level: 'log', text: 'plain 1 {"a":2}' },
      { level: 'info', text: 'info' },
      { level: 'warn', text: 'warn' },
    ]);
    assert.equal(r.logs[3].level, 'error');
    assert.match(r.logs[3].text, /^TypeError: bad/);
    assert.equal(r.logs[4].text, 'red\uFFFD and link');
  });

  it('reports a syntax error and an uncaught error as runtime errors with the line', async () => {
    const syntax = await run('return (;');
    assert.equal(syntax.error?.kind, 'runtime');
    assert.match(syntax.error!.message, /SyntaxError/);
    const thrown = await run('\n\nthrow new RangeError("out of range here");');
    assert.equal(thrown.error?.kind, 'runtime');
    assert.match(thrown.error!.message, /^RangeError: out of range here/);
    assert.match(thrown.error!.message, /code\.mcp\.js:3/);
  });

  it('gives every execution a fresh context', async () => {
    await run('globalThis.leaked = 42; Object.prototype.polluted = true; Array.prototype.push = null; return 1;');
    const r = await run('return [typeof leaked, ({}).polluted === undefined, typeof [].push];');
    assert.deepEqual(r.value, ['undefined', true, 'function']);
  });

  it("installs each execution's own tools in the context made for it ahead of time, fixed like the rest of the API", async () => {
    const probe = 'const d = Object.getOwnPropertyDescriptor(globalThis, "tools"); return [Object.keys(tools), d.writable, d.configurable, Object.isFrozen(tools)];';
    const all = await run(probe);
    assert.deepEqual(all.value, [['everything'], false, false, true], JSON.stringify(all.error));
    // The next context was made before this run's catalog was known: the run's own catalog decides its tools.
    const none = await run(probe, { servers: [] });
    assert.deepEqual(none.value, [[], false, false, true], JSON.stringify(none.error));
    const again = await run(probe);
    assert.deepEqual(again.value, [['everything'], false, false, true]);
    const replaced = await run('tools = {}; return Object.keys(tools);');
    assert.deepEqual(replaced.value, ['everything']);
  });

  it('starts a run after one whose memory grew in a fresh module, and keeps small runs small', async () => {
    const small = await run('return 1;');
    assert.equal(small.metrics.heap_bytes_peak, 16 * 1024 * 1024);
    const big = await run('const a = []; for (let i = 0; i < 40; i++) a.push(new Uint8Array(1 << 20)); return a.length;', { limits: { timeoutMs: 5000, memoryMb: 128 } });
    assert.equal(big.value, 40, JSON.stringify(big.error));
    assert.ok(big.metrics.heap_bytes_peak > 40 * 1024 * 1024, `peak ${big.metrics.heap_bytes_peak}`);
    // The grown module is discarded: the next run measures its own memory from the initial 16 MB.
    const next = await run('return 2;', { limits: { timeoutMs: 5000, memoryMb: 128 } });
    assert.equal(next.value, 2);
    assert.equal(next.metrics.heap_bytes_peak, 16 * 1024 * 1024);
  });

  it('rejects a call whose arguments cannot be serialised, as a promise the code can catch', async () => {
    const r = await run('const p = tools.everything.echo({ message: 10n }); try { await p; return "no error"; } catch (e) { return [e instanceof TypeError, p instanceof Promise]; }');
    assert.deepEqual(r.value, [true, true], JSON.stringify(r.error));
  });

  it('serialises call arguments as JSON.stringify serialises a value (toJSON sees key ""; nothing becomes {})', async () => {
    const r = await run(`
      const keyed = { toJSON(key) { return { message: 'key=' + key }; } };
      const viaTools = await tools.everything.echo(keyed);
      const viaCall = await mcp.call('everything/echo', keyed);
      const nothing = await mcp.call('everything/echo', { toJSON() { return undefined; } }).then(() => 'ok', (e) => e.name);
      const bad = await tools.everything.echo([1]).then(() => 'ok', (e) => e.name + ': ' + e.message);
      return { viaTools: viaTools.text, viaCall: viaCall.text, nothing, bad, keys: Object.keys(viaTools), structured: 'structured' in viaTools };`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const v = r.value as Record<string, unknown>;
    assert.equal(v.viaTools, 'Echo: key=');
    assert.equal(v.viaCall, 'Echo: key=');
    // An argument object that serialises to nothing reaches the server as {} and fails its schema, as a catchable error.
    assert.equal(v.nothing, 'ToolDeniedError');
    assert.equal(v.bad, 'TypeError: mcp.call(name, args): args must be an object, e.g. mcp.call("server/tool", { key: "value" }).');
    assert.deepEqual(v.keys, ['text', 'structured', 'isError', 'content']);
    assert.equal(v.structured, true);
  });

  it('never hands a reply meant for an ended run to the next run', async () => {
    // The first run leaves calls in flight; their replies must not answer the second run's calls.
    const first = await run('for (let i = 0; i < 5; i++) tools.everything.echo({ message: "stale-" + i }); return 1;');
    assert.equal(first.value, 1);
    const second = await run('const out = []; for (let i = 0; i < 5; i++) out.push((await tools.everything.echo({ message: "fresh-" + i })).text); return out;');
    assert.deepEqual(second.value, [0, 1, 2, 3, 4].map((i) => `Echo: fresh-${i}`));
  });

  it('keeps workspace values between the code steps of one session, size-capped', async () => {
    const workspace = new SessionWorkspace();
    const first = await run('workspace.set("count", 1); workspace.set("list", [1,2]); return workspace.keys();', { workspace });
    assert.deepEqual(first.value, ['count', 'list']);
    const second = await run('workspace.set("count", workspace.get("count") + 1); workspace.delete("list"); return [workspace.get("count"), workspace.get("list")];', { workspace });
    assert.deepEqual(second.value, [2, null]);
    assert.equal(workspace.get('count'), 2);
    const other = await run('return workspace.get("count") === undefined;', { workspace: new SessionWorkspace() });
    assert.equal(other.value, true);
    const full = await run('try { workspace.set("big", "x".repeat(5000)); return "stored"; } catch (e) { return e.name + ": " + e.message; }', {
      workspace,
      limits: { maxWorkspaceBytes: 1000 },
    });
    assert.match(String(full.value), /^RangeError: workspace\.set\('big'\) would make the session workspace \d+ bytes, over its limit of 1000/);
    const notJson = await run('try { workspace.set("f", () => 1); } catch (e) { return e.name; }', { workspace });
    assert.equal(notJson.value, 'TypeError');
  });

  it('loads skills from .mcp-harness/skills/*.js as skills.<name>.<fn>, and they can call tools', async () => {
    const skills = await loadSkills(FIXTURE_WORKSPACE);
    assert.deepEqual(skills.map((s) => s.name), ['math_utils', 'text']);
    const r = await run(`return [skills.text.shout('hi'), await skills.text.echoTwice('x'), skills.math_utils.sum([1, 2, 3]),
      skills.math_utils.largest([{s: 1}, {s: 9}, {s: 5}], 's', 2)];`, { skills });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.value, ['HI!', ['Echo: x', 'Echo: x'], 6, [{ s: 9 }, { s: 5 }]]);
    assert.equal(r.metrics.tool_calls, 2);
  });

  it('reports a skill that fails to load, naming it', async () => {
    const r = await run('return 1', { skills: [{ name: 'broken', source: 'export function (', file: '.mcp-harness/skills/broken.js' }] });
    assert.equal(r.error?.kind, 'runtime');
    assert.match(r.error!.message, /^Skill 'broken' \(\.mcp-harness\/skills\/broken\.js\) failed to load: SyntaxError/);
  });

  it('limits visible servers with the servers option', async () => {
    const r = await run('return [await mcp.servers(), Object.keys(tools)];', { servers: ['other'] });
    assert.deepEqual(r.value, [[], []]);
  });

  it('summarises a large returned value with the context optimizer', async () => {
    const r = await run('return Array.from({ length: 5000 }, (_, i) => ({ id: i, name: "item " + i }));');
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.optimized, true);
    const v = r.value as { $summary: string; count: number; keys: string[]; first: unknown[]; last: unknown[] };
    assert.equal(v.count, 5000);
    assert.deepEqual(v.keys, ['id', 'name']);
    assert.deepEqual(v.first[0], { id: 0, name: 'item 0' });
    assert.deepEqual(v.last[v.last.length - 1], { id: 4999, name: 'item 4999' });
    assert.ok(r.metrics.tokens_returned <= 4000);
  });

  it('rejects out-of-range limits with a sentence naming the limit', () => {
    assert.throws(() => sandbox.execute({ code: '1', gateway, parentStepId: 'x', limits: { memoryMb: 1 } }), /Sandbox limit memoryMb must be a number from 24 to 2048 \(got 1\)/);
  });
});
