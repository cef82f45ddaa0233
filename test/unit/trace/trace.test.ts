import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTraceDir, TraceWriter } from '../../../src/core/trace/writer';
import { parseTrace, readTrace } from '../../../src/core/trace/reader';
import type { SessionHeader, StepRecord } from '../../../src/protocol/trace';
import { ROOT } from '../guards/helpers';

const header = (name = 'demo'): SessionHeader => ({ type: 'session', session_id: 'abcdef12-0000', name, started_at: '2026-01-02T03:04:05.678Z', config_hash: 'h', servers: ['s'], harness_version: 't' });
const step = (id: string): StepRecord => ({ type: 'step', session_id: 'abcdef12-0000', step_id: id, kind: 'tool', role: 'tool', channel: 'llm_to_tool', server: 's', tool: 't', decision: 'ok', reasons: [], stages: [], started_at: '2026-01-02T03:04:05.678Z', latency_ms: 1, tokens_in: 0, tokens_out: 0, cost_est: 0, findings: [] });

describe('traces', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mcp-harness-trace-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates .mcp-harness/.gitignore ignoring traces/', () => {
    const d = defaultTraceDir(dir);
    assert.equal(d, join(dir, '.mcp-harness', 'traces'));
    assert.match(readFileSync(join(dir, '.mcp-harness', '.gitignore'), 'utf8'), /^traces\/$/m);
  });

  it('writes header, steps and end, and runs flush hooks before serialising', async () => {
    const w = TraceWriter.open(dir, header('My Session!'));
    assert.match(w.file, /20260102-030405Z-my-session-abcdef12\.jsonl$/);
    const s = step('a');
    w.onBeforeFlush(() => (s.tokens_in = 42));
    w.writeStep(s);
    await new Promise((r) => setImmediate(r));
    assert.equal(readTrace(w.file).steps[0].tokens_in, 42); // on disk after one turn, before close
    w.writeStep(step('b'));
    w.close({ type: 'end', session_id: 'abcdef12-0000', status: 'passed', ended_at: 'x', duration_ms: 1, totals: { steps: 2, latency_ms: 2, tokens_in: 0, tokens_out: 0, cost_est: 0, tokens_saved: 0 }, decisions: { ok: 2 }, tools_used: ['s/t'] });
    const t = readTrace(w.file);
    assert.deepEqual(t.badLines, []);
    assert.deepEqual(t.steps.map((x) => x.step_id), ['a', 'b']);
    assert.equal(t.end!.status, 'passed');
    assert.equal(t.lines.length, 4);
  });

  it('loses nothing already finished when the process dies (SIGKILL after a step, exit right after another)', () => {
    const script = `
      const { TraceWriter } = require(${JSON.stringify(join(ROOT, 'src/core/trace/writer.ts'))});
      const w = TraceWriter.open(${JSON.stringify(dir)}, ${JSON.stringify(header())});
      w.writeStep(${JSON.stringify(step('done'))});
      setImmediate(() => {
        w.writeStep(${JSON.stringify(step('last'))});
        if (process.argv[2] === 'kill') setImmediate(() => process.kill(process.pid, 'SIGKILL'));
        else process.exit(1);
      });`;
    for (const mode of ['kill', 'exit']) {
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script, mode], { cwd: ROOT, encoding: 'utf8' });
      assert.ok(r.status !== 0 || r.signal, r.stderr);
      const files = readdirSync(dir).map((f) => join(dir, f));
      const t = readTrace(files[files.length - 1]);
      assert.deepEqual(t.steps.map((x) => x.step_id), ['done', 'last'], mode);
      assert.equal(t.end, undefined);
      for (const f of files) rmSync(f);
    }
  });

  it('reports bad lines with their numbers instead of failing the file', () => {
    const w = TraceWriter.open(dir, header());
    w.writeStep(step('a'));
    w.abandon();
    appendFileSync(w.file, '{"type":"mystery"}\n[1]\n{"type":"step"}\n{"type":"step","step_id":"b","deci');
    const t = readTrace(w.file);
    assert.equal(t.steps.length, 1);
    assert.deepEqual(t.badLines.map((b) => b.line), [3, 4, 5, 6]);
    assert.match(t.badLines[3].message, /not valid JSON.*stopped while writing/);
    assert.match(t.badLines[0].message, /unknown line type "mystery"/);
    assert.deepEqual(parseTrace('').badLines, []);
    assert.match(parseTrace(JSON.stringify(step('x'))).badLines[0].message, /no session header/);
    assert.ok(existsSync(w.file));
  });
});
