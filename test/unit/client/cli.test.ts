// The built CLI against server-everything: the client fixture session end to end, and the tool list a full
// client gets.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace } from '../../../src/core/trace/reader';
import { EVERYTHING, ROOT } from '../guards/helpers';
import { PLANTED_EMAIL, PLANTED_TOKEN } from './helpers';

const CLI = join(ROOT, 'dist/cli.js');
const TRUSTED = { trustedServers: ['everything'], confirmDestructive: false };

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 90_000, env: { ...process.env, MCP_HARNESS_VERBOSE: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mcp-harness with the client features (built CLI, server-everything)', function () {
  this.timeout(180_000);
  let ws: string;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-client-cli-'));
    cpSync(join(ROOT, 'test/fixtures/sessions/client'), ws, { recursive: true });
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { everything: { command: process.execPath, args: [EVERYTHING] } } }));
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('tools: a full client sees every tool of server-everything, the capability-gated ones included', () => {
    const r = cli(['tools', 'everything', '--json'], ws);
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((t) => t.name);
    for (const gated of ['get-roots-list', 'trigger-sampling-request', 'trigger-elicitation-request', 'trigger-url-elicitation', 'simulate-research-query', 'trigger-sampling-request-async', 'trigger-elicitation-request-async']) {
      assert.ok(names.includes(gated), `${gated} missing from ${names.join(', ')}`);
    }
    assert.equal(names.length, 19);
  });

  it('run: the client features session passes; planted secrets and PII never reach the trace; the URL is printed, not opened', () => {
    const r = cli(['run', 'features.mcp-session.json', '--json'], ws);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'passed');
    assert.match(r.stderr, /asks the user to open https:\/\/example\.com\/connect\?state=abc .*never opens URLs/);
    const text = readFileSync(out.trace_file, 'utf8');
    for (const planted of [PLANTED_TOKEN, PLANTED_EMAIL]) assert.ok(!text.includes(planted), `${planted} reached the trace`);
    const trace = readTrace(out.trace_file);
    const kinds = trace.steps.map((s) => `${s.kind}:${s.parent_id ?? ''}`);
    for (const k of ['sampling:sample', 'elicitation:form', 'elicitation:url', 'sampling:asyncSample', 'resource:', 'prompt:']) assert.ok(kinds.includes(k), `${k} not in ${kinds.join(' ')}`);
    const research = trace.steps.find((s) => s.step_id === 'research')!;
    assert.equal(research.task?.status, 'completed');
    assert.deepEqual(research.task?.history.map((h) => h.status), ['working', 'working', 'working', 'working', 'completed']);
    assert.equal(research.expectation?.passed, true, 'the task\'s result is the research report');
    const long = trace.steps.find((s) => s.step_id === 'long')!;
    assert.ok(long.progress && long.progress.total === 4 && long.progress.updates >= 3, JSON.stringify(long.progress));
  });

  it('run: sampling is denied by default in the CLI; "ask" is answered by --yes', () => {
    writeFileSync(
      join(ws, 'ask.mcp-session.json'),
      JSON.stringify({ name: 'ask', policy: TRUSTED, sampling: { policy: 'ask', reply: 'yes it is' }, steps: [{ id: 's', tool: 'everything/trigger-sampling-request', args: { prompt: 'ok?' }, expect: { contains: 'yes it is' } }] }),
    );
    writeFileSync(join(ws, 'deny.mcp-session.json'), JSON.stringify({ name: 'deny', policy: TRUSTED, steps: [{ id: 's', tool: 'everything/trigger-sampling-request', args: { prompt: 'ok?' }, expect: { isError: true } }] }));
    assert.equal(cli(['run', 'deny.mcp-session.json'], ws).code, 0);
    assert.equal(cli(['run', 'ask.mcp-session.json'], ws).code, 1);
    const yes = cli(['run', 'ask.mcp-session.json', '--yes'], ws);
    assert.equal(yes.code, 0, yes.stdout + yes.stderr);
  });
});
