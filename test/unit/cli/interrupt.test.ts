// Ctrl-C and SIGTERM in every long-running command of the built CLI (call, run, exec, agent, gateway, conformance, chaos; lab in
// test/unit/lab/lab-interrupt.test.ts): the first signal cancels the call under way, stops the servers (a server
// that never answers and has a child process of its own), prints what the command promises and exits 130 / 143;
// a second signal exits at once even when a server would take minutes to stop.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, waitForExit } from '../../../src/core/servers/processTree';
import { FIXTURES } from '../guards/helpers';
import { buildPrivateCli } from '../lint/cliHelpers';
import { startScriptedModel, type ScriptedModel } from '../agent/helpers';
import { interruptCli, interruptStdinRead, type Interrupted } from './interruptHelpers';

describe('CLI: Ctrl-C and SIGTERM stop a long-running command the same way', function () {
  this.timeout(120_000);
  let built: { cli: string; dispose(): void };
  let ws: string;
  const callLog = () => join(ws, 'hang.calls');
  let model: ScriptedModel | undefined;

  before(() => {
    built = buildPrivateCli();
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-interrupt-'));
    mkdirSync(join(ws, '.vscode'));
    // `hang` never answers, ignores the end of its input and has a child process: only signals end it.
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
      servers: {
        hang: { command: process.execPath, args: [join(FIXTURES, 'hang.mjs'), '--child', '--call-log', join(ws, 'hang.calls')] },
        // Logs its pid when it starts: the conformance suite's bridge starts it for its first scenario.
        slow: { command: process.execPath, args: [join(FIXTURES, 'slow.mjs'), '--exit-log', join(ws, 'slow.pids')] },
        // The same, but it takes 800 ms to exit once its input ends: within the bridge's 1 s stop grace.
        lingering: { command: process.execPath, args: [join(FIXTURES, 'slow.mjs'), '--exit-delay', '800', '--exit-log', join(ws, 'slow.pids')] },
      },
    }));
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['hang', 'slow'] }));
    writeFileSync(join(ws, 'two.mcp-session.json'), JSON.stringify({ name: 'two', steps: [{ id: 'first', tool: 'hang/pids' }, { id: 'stuck', tool: 'hang/hang' }, { id: 'never', tool: 'hang/pids' }] }));
    writeFileSync(join(ws, 'stuck.mcp.js'), 'return await tools.hang.hang({});');
  });
  beforeEach(() => {
    rmSync(callLog(), { force: true });
    rmSync(join(ws, 'slow.pids'), { force: true });
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });
  after(() => {
    rmSync(ws, { recursive: true, force: true });
    built.dispose();
  });

  const interrupt = (args: string[], signal: NodeJS.Signals, extra: { again?: boolean; env?: NodeJS.ProcessEnv; input?: string; callLog?: string } = {}) =>
    interruptCli(built.cli, args, { cwd: ws, callLog: callLog(), signal, ...extra });

  /** The server and its child (or the conformance suite) were running when the signal went out, and none of them outlived the CLI. */
  async function assertServersGone(r: Interrupted): Promise<void> {
    assert.ok(r.children.length >= 2, `the server and its child were running: ${r.children.join(', ')}`);
    assert.ok(await waitForExit(r.children, 5000), `still running after the CLI exited: ${r.children.filter(isAlive).join(', ')}`);
  }

  it('call, SIGINT: cancels the call, prints its record, exits 130, leaves no server behind', async () => {
    const r = await interrupt(['call', 'hang/hang', '--yes', '--json'], 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /mcp-harness call: SIGINT: cancelling the call and stopping the server \(press Ctrl-C again to exit at once\)/);
    const record = JSON.parse(r.stdout) as { step_id: string; decision: string; tool: string };
    assert.deepEqual([record.tool, record.decision], ['hang', 'cancelled']);
    await assertServersGone(r);
  });

  it('call, SIGTERM: the same, exit 143', async () => {
    const r = await interrupt(['call', 'hang/hang', '--yes', '--json'], 'SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /mcp-harness call: SIGTERM: cancelling the call/);
    assert.equal((JSON.parse(r.stdout) as { decision: string }).decision, 'cancelled');
    await assertServersGone(r);
  });

  it('run, SIGINT: keeps the steps done, ends the trace, prints the summary JSON, exits 130', async () => {
    const r = await interrupt(['run', 'two.mcp-session.json', '--yes', '--json'], 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /mcp-harness run: SIGINT: cancelling the step under way, stopping the servers and keeping the steps done/);
    const out = JSON.parse(r.stdout) as { status: string; steps: { step_id: string; decision: string }[]; trace_file: string };
    assert.deepEqual(out.steps.slice(0, 2).map((s) => [s.step_id, s.decision]), [['first', 'ok'], ['stuck', 'cancelled']]);
    assert.ok(!out.steps.some((s) => s.step_id === 'never' && s.decision === 'ok'), 'no step ran after the cancel');
    assert.notEqual(out.status, 'passed');
    assert.match(readFileSync(out.trace_file, 'utf8'), /"type":"end"/, 'the trace was ended');
    await assertServersGone(r);
  });

  it('exec, SIGTERM: cancels the code, prints the result (ok false), exits 143', async () => {
    const r = await interrupt(['exec', 'stuck.mcp.js', '--yes', '--timeout-ms', '60000', '--json'], 'SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /mcp-harness exec: SIGTERM: cancelling the code and stopping the servers/);
    const out = JSON.parse(r.stdout) as { ok: boolean; error?: { kind: string; message: string } };
    assert.equal(out.ok, false);
    assert.ok(out.error, 'the result says why the code did not finish');
    await assertServersGone(r);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`exec - with an input that never ends, ${signal}: the first signal ends the read, nothing runs, exit ${code}`, async () => {
      const r = await interruptStdinRead(built.cli, ws, signal);
      assert.equal(r.code, code, r.stderr);
      assert.equal(r.stdout, '', 'no result is printed for code that never ran');
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0], new RegExp(`^mcp-harness exec: ${signal}: cancelling the code`));
      assert.deepEqual(JSON.parse(lines[1]), { error: { code: 'interrupted', message: 'stopped while reading the code from standard input; nothing ran.' } });
      assert.equal(lines.length, 2, r.stderr);
    });
  }

  it('agent, SIGINT: stops the model run with the tool call under way, prints the run JSON, exits 130', async () => {
    model = await startScriptedModel([{ toolCalls: [{ name: 'hang__hang', arguments: {} }] }, { text: 'never asked' }]);
    const r = await interrupt(['agent', '--goal', 'Wait for ever.', '--base-url', model.openaiURL, '--yes', '--json'], 'SIGINT', { env: { OPENAI_API_KEY: 'sk-test-interrupt' } });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /mcp-harness agent: SIGINT: stopping the model and the tool call under way/);
    const out = JSON.parse(r.stdout) as { runs: { outcome: string; tool_calls: number; trace_file: string }[] };
    assert.equal(out.runs.length, 1);
    assert.notEqual(out.runs[0].outcome, 'answered');
    assert.equal(model.served, 1, 'the model was not asked again after the cancel');
    assert.ok(existsSync(out.runs[0].trace_file));
    await assertServersGone(r);
  });

  it('gateway --stdio, SIGTERM: refuses new work, cuts the call in flight off after --shutdown-ms, exits 143', async () => {
    const rpc = (id: number | undefined, method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params }) + '\n';
    const input =
      rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'interrupt-test', version: '1' } }) +
      rpc(undefined, 'notifications/initialized', {}) +
      rpc(2, 'tools/call', { name: 'hang__hang', arguments: {} });
    const r = await interrupt(['gateway', '--stdio', '--yes', '--shutdown-ms', '300', '--audit-file', join(ws, 'audit.jsonl')], 'SIGTERM', { input });
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /mcp-harness gateway: SIGTERM: refusing new requests; calls in flight get --shutdown-ms to finish/);
    assert.match(r.stderr, /calls still running after 300 ms were cut off/);
    const shutdown = readFileSync(join(ws, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; reason?: string }).find((a) => a.action === 'shutdown');
    assert.equal(shutdown?.reason, 'SIGTERM');
    await assertServersGone(r);
  });

  it('conformance, SIGINT: stops the suite and the bridged server, prints the scenarios that finished, exits 130', async () => {
    const r = await interrupt(['conformance', 'slow', '--json'], 'SIGINT', { callLog: join(ws, 'slow.pids') });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /mcp-harness conformance: SIGINT: stopping the suite and the server, and keeping the scenarios that finished/);
    const report = JSON.parse(r.stdout) as { server: string; cancelled?: boolean; scenarios: unknown[] };
    assert.deepEqual([report.server, report.cancelled], ['slow', true]);
    const serverPid = Number(/^pid (\d+)$/m.exec(readFileSync(join(ws, 'slow.pids'), 'utf8'))?.[1]);
    assert.ok(r.children.includes(serverPid), 'the bridged server was running under the CLI');
    await assertServersGone(r);
  });

  it('conformance, SIGINT: ends the bridged server at once instead of giving it its stop grace', async () => {
    const r = await interruptCli(built.cli, ['conformance', 'lingering', '--json'], { cwd: ws, callLog: join(ws, 'slow.pids'), signal: 'SIGINT', endWithinMs: 15_000 });
    assert.equal(r.code, 130, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { cancelled?: boolean }).cancelled, true);
    const log = readFileSync(join(ws, 'slow.pids'), 'utf8');
    const serverPids = [...log.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(serverPids.length >= 1 && r.children.includes(serverPids[0]), `the bridged server ran under the CLI: ${log}`);
    assert.ok(await waitForExit([...r.children, ...serverPids], 5000), `still running after the CLI exited: ${[...r.children, ...serverPids].filter(isAlive).join(', ')}`);
    // Given its grace, it would have exited on its own 800 ms after its input ended, writing 'clean exit'.
    assert.doesNotMatch(log, /clean exit/, 'the bridged server was given its stop grace after Ctrl-C');
  });

  it('chaos (stdio), SIGTERM: closes the target\'s input, ends the target that would linger a minute, exits 143', async () => {
    const pids = join(ws, 'slow.pids');
    const r = await interrupt(['chaos', '--toxics', 'latency=5ms', '--', process.execPath, join(FIXTURES, 'slow.mjs'), '--exit-delay', '60000', '--exit-log', pids], 'SIGTERM', { callLog: pids, input: '' });
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /mcp-harness chaos: SIGTERM: stopping the proxy and its target/);
    assert.match(r.stderr, /mcp-harness chaos: ended \(client_closed/);
    const target = Number(/^pid (\d+)$/m.exec(readFileSync(pids, 'utf8'))?.[1]);
    assert.ok(r.children.includes(target), 'the target was running under the CLI');
    assert.ok(await waitForExit(r.children, 5000), `still running: ${r.children.filter(isAlive).join(', ')}`);
  });

  it('chaos (stdio), SIGINT: a target that ignores SIGTERM, and the process it started, end with the proxy', async () => {
    const pids = join(ws, 'stubborn.pids');
    const r = await interrupt(['chaos', '--toxics', 'latency=5ms', '--', process.execPath, join(FIXTURES, 'slow.mjs'), '--ignore-term', '--child', '--exit-log', pids], 'SIGINT', { callLog: pids, input: '' });
    assert.equal(r.code, 130, r.stderr);
    const target = Number(/^pid (\d+)$/m.exec(readFileSync(pids, 'utf8'))?.[1]);
    assert.ok(r.children.includes(target), 'the target was running under the CLI');
    assert.ok(r.children.length >= 2, `the target's own child was running too: ${r.children.join(', ')}`);
    // Checked as soon as the CLI has exited: nothing of the tree may be left to a later kill.
    assert.deepEqual(r.children.filter(isAlive), []);
  });

  it('a second Ctrl-C exits at once: no output, exit 130, and a server that would take minutes to stop is killed', async () => {
    // Two minutes of grace: the first Ctrl-C's clean stop would wait that long for the server to exit on its own.
    const r = await interrupt(['call', 'hang/hang', '--yes', '--json'], 'SIGINT', { again: true, env: { MCP_HARNESS_STOP_GRACE_MS: '120000' } });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /mcp-harness call: SIGINT again: ending the servers and exiting now/);
    assert.equal(r.stdout, '', 'the second Ctrl-C does not wait for the record');
    await assertServersGone(r);
  });
});
