// The built CLI (`node dist/cli.js`, run `node esbuild.mjs` first) against the 2026-only fixture server
// (test/fixtures/servers/modern.mjs) next to server-everything (2025): servers --json names each one's
// protocol, and tools, call, run (a session), lint, pin and exec (the sandbox) work the same for both.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, NODE, realServer, ROOT } from './helpers';
import { runCli } from '../lint/cliHelpers';

const CLI = join(ROOT, 'dist/cli.js');

const cli = (args: string[], cwd: string, cache: string, stdin?: string) => runCli(CLI, args, cwd, stdin, { XDG_CACHE_HOME: cache });

describe('CLI against a 2026-only server and a 2025 server', function () {
  this.timeout(60_000);
  let ws: string;
  let cache: string;
  const run = (args: string[], stdin?: string) => cli(args, ws, cache, stdin);

  before(function () {
    if (!existsSync(CLI)) this.skip();
  });
  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-modern-cli-'));
    cache = join(ws, 'cache');
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(
      join(ws, '.vscode/mcp.json'),
      JSON.stringify({ servers: { modern: { command: NODE, args: [fixture('modern.mjs')] }, everything: { command: NODE, args: [realServer('server-everything'), 'stdio'] } } }),
    );
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['modern', 'everything'] }));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('servers --json says 2026-07-28 for the modern server and 2025-xx for server-everything', async () => {
    const res = await run(['servers', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as { name: string; status: string; protocol?: { version: string; era: string } }[];
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    assert.deepEqual(by.modern!.protocol, { version: '2026-07-28', era: 'modern' });
    assert.equal(by.everything!.protocol?.era, 'legacy');
    assert.match(by.everything!.protocol!.version, /^2025-\d\d-\d\d$/);
  });

  it('tools and call work against the modern server (structured output too)', async () => {
    const tools = await run(['tools', 'modern', '--json']);
    assert.equal(tools.code, 0, tools.stderr);
    assert.deepEqual((JSON.parse(tools.stdout) as { name: string }[]).map((t) => t.name), ['echo', 'add', 'stats', 'confirm', 'sample']);
    const call = await run(['call', 'modern/stats', '--args', '{"values":[2,4]}', '--json']);
    assert.equal(call.code, 0, call.stderr);
    const record = JSON.parse(call.stdout.trim().split('\n').pop()!);
    assert.equal(record.decision, 'ok');
    assert.match(JSON.stringify(record), /\\"mean\\":3|"mean":3/);
  });

  it('run: a session over both servers passes, and its trace header names both protocols', async () => {
    mkdirSync(join(ws, 'sessions'));
    writeFileSync(
      join(ws, 'sessions/both.mcp-session.json'),
      JSON.stringify({
        name: 'both generations',
        servers: ['modern', 'everything'],
        steps: [
          { id: 'add', tool: 'modern/add', args: { a: 20, b: 22 }, expect: { decision: 'ok', contains: '42' } },
          { id: 'echo', tool: 'everything/echo', args: { message: 'sum ${steps.add.text}' }, expect: { contains: 'sum 42' } },
          { id: 'bad', tool: 'modern/add', args: { a: 'x' }, expect: { decision: 'denied_schema' } },
        ],
      }),
    );
    const res = await run(['run', 'sessions/both.mcp-session.json', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const traces = join(ws, '.mcp-harness/traces');
    const file = readdirSync(traces).find((f) => f.endsWith('.jsonl'))!;
    const header = JSON.parse(readFileSync(join(traces, file), 'utf8').split('\n')[0]!);
    assert.equal(header.protocols.modern, '2026-07-28');
    assert.match(header.protocols.everything, /^2025-/);
  });

  it('lint, pin and pin --check work against the modern server', async () => {
    const lint = await run(['lint', '--json']);
    assert.ok(lint.code === 0 || lint.code === 1, lint.stderr);
    assert.match(lint.stdout, /"modern"/);
    const pin = await run(['pin', '--json']);
    assert.equal(pin.code, 0, pin.stderr);
    const lock = JSON.parse(readFileSync(join(ws, '.mcp-harness/tools.lock.json'), 'utf8'));
    assert.ok(JSON.stringify(lock).includes('"confirm"'), 'the modern tools are pinned');
    const check = await run(['pin', '--check', '--json']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('exec: sandboxed code calls tools of both generations', async () => {
    const code = "const a = await mcp.call('modern/add', { a: 1, b: 2 }); const e = await mcp.call('everything/echo', { message: 'x' + a.text }); return [a.text, e.text];";
    const res = await run(['exec', '-', '--json'], code);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
    assert.equal(out.ok, true, res.stdout);
    assert.equal(out.value[0], '3');
    assert.match(out.value[1], /x3/);
  });
});
