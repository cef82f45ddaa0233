// The pin bypass, reproduced end to end with the built CLI as a user would: pin the server's tools,
// change one tool's description into a poisoned one, then `pin --check` fails and `run` of a hard_gate
// session denies the call (denied_policy, rule pinned) before it reaches the server. Also: where the
// CLI writes traces (--trace-dir, else mcpHarness.traceDir) and what it says when it cannot.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTrace } from '../../../src/core/trace/reader';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';
import { rugpullWorkspace, type RugpullWorkspace } from './helpers';

describe('CLI: a rug-pulled pinned tool under hard_gate, and the trace directory', function () {
  this.timeout(240_000);
  let ws: RugpullWorkspace;
  let bundle: ReturnType<typeof buildPrivateCli>;
  const cli = (args: string[], cwd = ws.dir, stdin = 'return (await tools.rugpull.echo({ text: "from exec" })).text;') => runCli(bundle.cli, args, cwd, stdin);
  const settings = (value: Record<string, unknown>) => writeFileSync(join(ws.dir, '.vscode', 'settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['rugpull'], ...value }));

  before(() => {
    bundle = buildPrivateCli();
    ws = rugpullWorkspace();
    writeFileSync(join(ws.dir, 'greet.mcp-session.json'), JSON.stringify({ name: 'greet', guardrails: { mode: 'hard_gate' }, steps: [{ id: 'greet', tool: 'rugpull/greet', args: { name: 'Ada' } }] }));
  });
  after(() => {
    bundle?.dispose();
    ws?.dispose();
  });

  it('pin, poison the description: pin --check exits 1 and run denies the call (denied_policy, pinned); the server never sees it', async () => {
    const pin = await cli(['pin']);
    assert.equal(pin.code, 0, pin.stderr);
    const clean = await cli(['run', 'greet.mcp-session.json', '--json']);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.deepEqual(ws.calls(), [{ tool: 'greet', args: { name: 'Ada' } }]);
    ws.clearCalls();

    ws.poison();
    const check = await cli(['pin', '--check']);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /changed {2}greet/);
    const run = await cli(['run', 'greet.mcp-session.json', '--json']);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    const out = JSON.parse(run.stdout);
    assert.equal(out.status, 'failed');
    assert.equal(out.steps[0].decision, 'denied_policy');
    assert.match(out.steps[0].error, /definition of 'rugpull\/greet' changed since it was pinned\. Review the change and pin the tool again/);
    const step = readTrace(out.trace_file).steps[0];
    assert.equal(step.stages.find((s) => s.stage === 'policy')?.rule, 'pinned');
    assert.deepEqual(ws.calls(), [], 'the poisoned tool was never called');

    const text = await cli(['run', 'greet.mcp-session.json']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /✗ greet +rugpull\/greet +denied_policy/);

    // Accepting the change (pin again) lets the call through.
    assert.equal((await cli(['pin'])).code, 0);
    const accepted = await cli(['run', 'greet.mcp-session.json', '--json']);
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.equal(ws.calls().length, 1);
    ws.restore();
    ws.clearCalls();
    assert.equal((await cli(['pin'])).code, 0);
  });

  it('an unreadable lockfile stops run, call and exec with exit 2 before any call', async () => {
    const lock = join(ws.dir, '.mcp-harness', 'tools.lock.json');
    const good = readFileSync(lock, 'utf8');
    writeFileSync(lock, '{ not json');
    try {
      for (const args of [['run', 'greet.mcp-session.json'], ['call', 'rugpull/greet', '--args', '{"name":"x"}'], ['exec', '-']]) {
        const r = await cli(args);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, /the tool lockfile cannot be used, so pinned tools cannot be checked: .*tools\.lock\.json is not valid JSON/);
      }
      assert.deepEqual(ws.calls(), []);
    } finally {
      writeFileSync(lock, good);
    }
  });

  it('traces go to mcpHarness.traceDir (relative to the workspace, or absolute); --trace-dir wins', async () => {
    const tracesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : []);
    try {
      settings({ 'mcpHarness.traceDir': 'out/traces' });
      const sub = join(ws.dir, 'sub');
      mkdirSync(sub, { recursive: true });
      // Run from another folder: the setting is relative to the workspace folder, not the current one.
      const run = await cli(['run', join(ws.dir, 'greet.mcp-session.json'), '--workspace', ws.dir, '--json'], sub);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.equal(JSON.parse(run.stdout).trace_file.startsWith(join(ws.dir, 'out', 'traces')), true, run.stdout);
      const call = await cli(['call', 'rugpull/echo', '--args', '{"text":"t"}', '--json']);
      assert.equal(call.code, 0, call.stderr);
      const exec = await cli(['exec', '-', '--json']);
      assert.equal(JSON.parse(exec.stdout).trace_file.startsWith(join(ws.dir, 'out', 'traces')), true);
      assert.equal(tracesIn(join(ws.dir, 'out', 'traces')).length, 3);

      const absolute = join(ws.dir, 'abs-traces');
      settings({ 'mcpHarness.traceDir': absolute });
      assert.equal((await cli(['call', 'rugpull/echo', '--args', '{"text":"t"}'])).code, 0);
      assert.equal(tracesIn(absolute).length, 1);

      const flagged = await cli(['run', 'greet.mcp-session.json', '--trace-dir', 'flag-traces', '--json']);
      assert.equal(JSON.parse(flagged.stdout).trace_file.startsWith(join(ws.dir, 'flag-traces')), true);
      assert.equal(tracesIn(absolute).length, 1, 'the setting was not used when --trace-dir was given');
    } finally {
      settings({});
      ws.clearCalls();
    }
  });

  it('a trace directory that cannot be written is a usage error (exit 2) that says what to pass', async () => {
    writeFileSync(join(ws.dir, 'blocked'), 'a file, not a folder');
    const r = await cli(['call', 'rugpull/echo', '--args', '{"text":"t"}', '--trace-dir', 'blocked/traces']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /The trace could not be written in .*blocked.*Pass --trace-dir DIR, or set mcpHarness\.traceDir/);
    assert.deepEqual(ws.calls(), []);
  });
});
