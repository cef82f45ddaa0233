import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogRecord } from '../../../src/core/report/model';
import { readTrace } from '../../../src/core/trace/reader';
import { EVERYTHING, FIXTURES, ROOT } from '../guards/helpers';

const CLI = join(ROOT, 'dist/cli.js');
const SESSIONS = join(ROOT, 'test/fixtures/sessions/ws');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MCP_HARNESS_VERBOSE: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mcp-harness run / call (built CLI)', function () {
  this.timeout(120_000);
  let ws: string;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    // A workspace with absolute server paths, so it can live in a temp folder.
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-cli-'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
      servers: {
        everything: { command: process.execPath, args: [EVERYTHING] },
        dead: { command: process.execPath, args: [join(FIXTURES, 'crash.mjs'), '--at-startup'] },
        hang: { command: process.execPath, args: [join(FIXTURES, 'hang.mjs')] },
      },
    }));
    for (const f of readdirSync(SESSIONS).filter((x) => x.endsWith('.mcp-session.json'))) writeFileSync(join(ws, f), readFileSync(join(SESSIONS, f)));
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('call and run refuse to start under a settings.json they cannot read, naming file, line and column', () => {
    const settings = join(ws, '.vscode', 'settings.json');
    // The deny rule comes after the mistake: a lenient read would have run the call without it.
    writeFileSync(settings, '{\n  "mcpHarness.trace.dir": "x",,\n  "mcpHarness.policy.deny": ["everything/echo"]\n}\n');
    const traces = join(ws, '.mcp-harness', 'traces');
    const before = existsSync(traces) ? readdirSync(traces).length : 0;
    try {
      for (const args of [['call', 'everything/echo', '--args', '{"message":"hi"}'], ['run', 'smoke.mcp-session.json']]) {
        const r = cli(args, ws);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}${r.stdout}`);
        assert.match(r.stderr, /\.vscode\/settings\.json:2:\d+: .*Nothing was run: fix the file \(or move it aside\), then run the command again\./, r.stderr);
        assert.equal(r.stdout, '');
      }
      assert.equal(existsSync(traces) ? readdirSync(traces).length : 0, before, 'no trace was written');
      writeFileSync(settings, '["not", "an object"]');
      const r = cli(['call', 'everything/echo', '--args', '{"message":"hi"}'], ws);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /settings\.json:1:1: the file must hold one JSON object/);
    } finally {
      rmSync(settings, { force: true });
    }
  });

  it('run: exits 0 when every expectation holds, prints the summary JSON and writes trace + report', () => {
    const r = cli(['run', 'smoke.mcp-session.json', '--json', '--report', 'report.json'], ws);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'passed');
    assert.deepEqual(out.steps.map((s: { step_id: string }) => s.step_id), ['greet', 'sum', 'reuse', 'guarded']);
    for (const s of out.steps) for (const k of ['step_id', 'tool', 'decision', 'latency_ms', 'tokens_in', 'tokens_out', 'cost_est']) assert.ok(k in s, k);
    assert.equal(out.steps[3].decision, 'denied_schema');
    assert.ok(out.steps[3].error);
    assert.deepEqual(out.decisions, { ok: 3, denied_schema: 1 });
    assert.ok(out.totals.tokens_in > 0 && out.totals.cost_est > 0);
    // Default trace location, kept out of git.
    assert.equal(readFileSync(join(ws, '.mcp-harness/.gitignore'), 'utf8').includes('traces/'), true);
    const trace = readTrace(out.trace_file);
    assert.ok(out.trace_file.startsWith(join(ws, '.mcp-harness/traces')));
    // server-everything logs on its own every few seconds: a slow run can hold one of its log records too.
    assert.deepEqual(trace.steps.filter((s) => !isLogRecord(s)).map((s) => s.step_id), ['greet', 'sum', 'reuse', 'guarded']);
    assert.equal(trace.end!.status, 'passed');
    const report = JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8'));
    assert.equal(report.mcp_details.summary.total_sessions, 1);
    assert.equal(report.mcp_details.summary.total_steps, 4);
    assert.deepEqual(report.mcp_details.summary.tools_used, ['everything/echo', 'everything/get-sum']);
  });

  it('run: exits 1 when an expectation fails, naming it', () => {
    const r = cli(['run', 'failing.mcp-session.json', '--trace-dir', join(ws, 't')], ws);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /expected the output to contain "bye"/);
    assert.match(r.stdout, /FAILED/);
  });

  it('run: exits 2 on a malformed session file with file:line:col problems', () => {
    const r = cli(['run', 'broken.mcp-session.json'], ws);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.mcp-session\.json:1:\d+: Step "a": "args" must be an object/);
    assert.match(r.stderr, /ids must be unique/);
    assert.match(r.stderr, /unknown kind "llm"/);
    const missing = cli(['run', 'nope.mcp-session.json'], ws);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
  });

  it('run: exits 3 when a server cannot be started, and the step says why', () => {
    const r = cli(['run', 'unreachable.mcp-session.json', '--json', '--trace-dir', join(ws, 't')], ws);
    assert.equal(r.code, 3, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'error');
    assert.match(out.steps[0].error, /could not be started/);
    assert.equal(readTrace(out.trace_file).end!.status, 'error');
  });

  it('run: exits 2 for a server that is not configured', () => {
    writeFileSync(join(ws, 'ghost.mcp-session.json'), '{"name":"g","steps":[{"id":"a","tool":"ghost/echo"}]}');
    const r = cli(['run', 'ghost.mcp-session.json'], ws);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no MCP server named 'ghost'/);
  });

  it('call: denies a destructive (untrusted) tool without --yes and calls it with --yes', () => {
    const denied = cli(['call', 'everything/echo', '--args', '{"message":"hi"}', '--json'], ws);
    assert.equal(denied.code, 1);
    const d = JSON.parse(denied.stdout);
    assert.equal(d.type, 'step');
    assert.equal(d.decision, 'denied_policy');
    assert.match(d.reasons[0], /--yes/);
    const ok = cli(['call', 'everything/echo', '--args', '{"message":"hi"}', '--yes', '--json'], ws);
    assert.equal(ok.code, 0, ok.stderr);
    const rec = JSON.parse(ok.stdout);
    assert.equal(rec.decision, 'ok');
    assert.equal(rec.output.content[0].text, 'Echo: hi');
    assert.ok(rec.tokens_in > 0);
  });

  it('call: applies a policy file and masks secrets in the printed record', () => {
    writeFileSync(join(ws, 'policy.json'), JSON.stringify({ policy: { trustedServers: ['everything'] }, guardrails: { mode: 'mixed' } }));
    const secret = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const r = cli(['call', 'everything/echo', '--args', JSON.stringify({ message: `key ${secret}` }), '--policy', 'policy.json', '--json'], ws);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(secret));
    assert.match(r.stdout, /\[REDACTED:github_token\]/);
  });

  it('call: exits 2 for bad --args, an unknown server or tool', () => {
    assert.equal(cli(['call', 'everything/echo', '--args', '{nope'], ws).code, 2);
    assert.equal(cli(['call', 'everything/echo', '--args', '[1]'], ws).code, 2);
    assert.equal(cli(['call', 'echo'], ws).code, 2);
    const ghost = cli(['call', 'ghost/echo'], ws);
    assert.equal(ghost.code, 2);
    const noTool = cli(['call', 'everything/nope', '--yes'], ws);
    assert.equal(noTool.code, 2);
    assert.match(noTool.stderr, /no tool named 'nope'/);
  });

  it('call: an unknown tool, like an unknown server, is refused before a run: no record, no trace', () => {
    const traces = join(ws, 'unknown-traces');
    const noTool = cli(['call', 'everything/nope', '--yes', '--json', '--trace-dir', traces], ws);
    assert.equal(noTool.code, 2, noTool.stderr);
    assert.equal(noTool.stdout, '');
    assert.match(noTool.stderr, /the server 'everything' has no tool named 'nope' \(it has: echo, .*\)\. List them with `mcp-harness tools everything`\./);
    const ghost = cli(['call', 'ghost/echo', '--trace-dir', traces], ws);
    assert.equal(ghost.code, 2);
    assert.deepEqual(existsSync(traces) ? readdirSync(traces).filter((f) => f.endsWith('.jsonl')) : [], [], 'no trace was written');
    // A call that did reach for its server is traced, even when the server could not start.
    const dead = cli(['call', 'dead/echo', '--trace-dir', traces], ws);
    assert.equal(dead.code, 3, dead.stderr);
    assert.equal(readdirSync(traces).filter((f) => f.endsWith('.jsonl')).length, 1);
  });

  it('call/run: honour the workspace\'s .vscode/settings.json mcpHarness.* settings', () => {
    writeFileSync(join(ws, '.vscode/settings.json'), '{\n // JSONC like VS Code\n "mcpHarness.trustedServers": ["everything"],\n "mcpHarness.guardrails.mode": "hard_gate",\n}');
    try {
      const ok = cli(['call', 'everything/echo', '--args', '{"message":"hi"}', '--json'], ws);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const secret = 'xoxb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
      const gated = cli(['call', 'everything/echo', '--args', JSON.stringify({ message: secret }), '--json'], ws);
      assert.equal(gated.code, 1);
      assert.equal(JSON.parse(gated.stdout).decision, 'denied_guardrail');
      assert.ok(!gated.stdout.includes(secret));
    } finally {
      rmSync(join(ws, '.vscode/settings.json'));
    }
  });

  it('call: --timeout-ms limits each request, and the timeout says how to raise it with the CLI\'s own flag', () => {
    const r = cli(['call', 'hang/hang', '--yes', '--timeout-ms', '300', '--json'], ws);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const rec = JSON.parse(r.stdout);
    assert.equal(rec.decision, 'timeout');
    assert.match(rec.error, /hang did not answer the tool 'hang' within 300 ms; the request was cancelled\. If it needs longer, pass --timeout-ms N or set MCP_HARNESS_REQUEST_TIMEOUT_MS/);
    assert.doesNotMatch(rec.error, /mcpHarness\.|Restricted Mode/);
  });

  it('run/call/tools: exit 2 for a --timeout-ms that is not a whole number of milliseconds a timer can hold', () => {
    // 2^31 ms would overflow Node's timer and fire at once: every request would time out immediately.
    for (const args of [['call', 'hang/hang', '--timeout-ms', 'soon'], ['run', 'smoke.mcp-session.json', '--timeout-ms', '0'], ['tools', 'hang', '--timeout-ms', '1.5'], ['call', 'hang/hang', '--timeout-ms', '2147483648']]) {
      const r = cli(args, ws);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--timeout-ms must be a whole number of milliseconds from 1 to 2147483647 \(e\.g\. --timeout-ms 60000\)/);
    }
  });

  it('call: exits 3 when the server cannot be started', () => {
    const r = cli(['call', 'dead/echo', '--args', '{"text":"x"}', '--yes', '--json'], ws);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.ok(existsSync(ws));
  });
});
