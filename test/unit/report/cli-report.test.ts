import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/io';
import { FIXTURES } from './helpers';

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), readStdin: async () => '', cwd, env: {} };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe('mcp-harness report', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'mh-report-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON, CSV and XLSX of several traces', async () => {
    const c = io(dir);
    const code = await main(['report', join(FIXTURES, 'two-runs.jsonl'), join(FIXTURES, 'every-decision.jsonl'), '--json', 'out/r.json', '--csv', 'out/r.csv', '--xlsx', 'out/r.xlsx'], c.io);
    assert.equal(code, 0, c.err());
    const json = JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8'));
    assert.equal(json.mcp_details.summary.total_sessions, 2);
    assert.equal(readFileSync(join(dir, 'out/r.csv'), 'utf8').trim().split('\r\n').length, 18);
    assert.ok(existsSync(join(dir, 'out/r.xlsx')));
    assert.match(c.err(), /Wrote a report of 2 session runs \(17 steps\)/);
  });

  it('a folder stands for the trace files in it (each read once, even when also named); an empty folder is refused', async () => {
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    copyFileSync(join(FIXTURES, 'two-runs.jsonl'), join(traces, 'a.jsonl'));
    copyFileSync(join(FIXTURES, 'every-decision.jsonl'), join(traces, 'b.jsonl'));
    copyFileSync(join(FIXTURES, 'malformed.jsonl'), join(traces, 'c.jsonl'));
    writeFileSync(join(traces, 'notes.txt'), 'not a trace');
    let c = io(dir);
    // c.jsonl is in the folder and named too: read once, so its bad line is warned about once.
    assert.equal(await main(['report', 'traces', join(traces, 'c.jsonl'), '--json', '-'], c.io), 0, c.err());
    assert.equal(JSON.parse(c.out()).mcp_details.summary.total_sessions, 2);
    assert.equal(c.err().match(/c\.jsonl:3: not valid JSON/g)?.length, 1, c.err());
    assert.doesNotMatch(c.err(), /notes\.txt/);
    mkdirSync(join(dir, 'empty'));
    c = io(dir);
    assert.equal(await main(['report', 'empty', '--json', '-'], c.io), 2);
    assert.match(c.err(), /empty holds no trace files \(\*\.jsonl\)\. Run a session first/);
  });

  it('writes JSON to stdout with "-"', async () => {
    const c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl'), '--json', '-'], c.io), 0);
    assert.equal(JSON.parse(c.out()).mcp_details.sessions[0].session_id, 'sess-every-decision');
  });

  it('reports the good runs of a malformed trace and warns about the bad lines', async () => {
    const c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'malformed.jsonl'), '--csv', 'm.csv'], c.io), 0);
    assert.match(c.err(), /warning: .*malformed\.jsonl:3: not valid JSON/);
    assert.match(c.err(), /malformed\.jsonl:8: step 'zz' has an unknown decision/);
    assert.equal(readFileSync(join(dir, 'm.csv'), 'utf8').trim().split('\r\n').length, 4);
  });

  it('exits 2 for a missing file, no output option, or a file without runs', async () => {
    let c = io(dir);
    assert.equal(await main(['report', 'nope.jsonl', '--json', 'x.json'], c.io), 2);
    assert.match(c.err(), /does not exist\. Check the path/);
    c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl')], c.io), 2);
    assert.match(c.err(), /add --json FILE, --html FILE, --csv FILE or --xlsx FILE/);
    c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'generate.mjs'), '--json', 'x.json'], c.io), 2);
    assert.match(c.err(), /no session run could be read/);
    c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl'), '--xlsx', '-'], c.io), 2);
    assert.match(c.err(), /cannot be written to stdout/);
    c = io(dir);
    assert.equal(await main(['report'], c.io), 2);
    assert.ok(!existsSync(join(dir, 'x.json')));
  });

  it('exits 1 with a sentence when the report cannot be written', async () => {
    const c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl'), '--json', join(FIXTURES, 'every-decision.jsonl', 'x.json')], c.io), 1);
    assert.match(c.err(), /could not write the JSON report .*Check the path/);
  });

  it('a folder given as the output file is named as such (exit 1, nothing written); one step is "1 step"', async () => {
    mkdirSync(join(dir, 'outdir'));
    let c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl'), '--xlsx', 'outdir'], c.io), 1);
    assert.match(c.err(), /could not write the XLSX report: .*outdir is a folder\. Give --xlsx a file name, e\.g\. .*outdir\/report\.xlsx\./);
    assert.doesNotMatch(c.err(), /EISDIR: EISDIR/);
    c = io(dir);
    assert.equal(await main(['report', join(FIXTURES, 'every-decision.jsonl'), '--html', 'outdir'], c.io), 1);
    assert.match(c.err(), /HTML report: .*outdir is a folder\. Give --html a file name/);
    assert.deepEqual(readdirSync(join(dir, 'outdir')), []);

    // A trace of one failed call: its header and one denied step.
    const lines = readFileSync(join(FIXTURES, 'every-decision.jsonl'), 'utf8').split('\n');
    writeFileSync(join(dir, 'one.jsonl'), [lines[0], lines.find((l) => l.includes('"step_id":"s3"'))].join('\n') + '\n');
    c = io(dir);
    assert.equal(await main(['report', 'one.jsonl', '--csv', 'one.csv'], c.io), 0, c.err());
    assert.match(c.err(), /Wrote a report of 1 session run \(1 step\): CSV/);
    // …and with one server log record (a tools/list_changed notification), "1 server log record".
    const log = { type: 'step', session_id: 'sess-every-decision', step_id: 'log-1', kind: 'log', role: 'tool', channel: 'tool_to_llm', server: 'filesystem', tool: 'notifications/tools/list_changed', decision: 'ok', reasons: ['filesystem changed 1 tool(s): write_file'], stages: [{ stage: 'record', decision: 'pass', reasons: [] }], started_at: '2026-11-20T10:00:01.000Z', latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, findings: [] };
    writeFileSync(join(dir, 'one.jsonl'), readFileSync(join(dir, 'one.jsonl'), 'utf8') + JSON.stringify(log) + '\n');
    c = io(dir);
    assert.equal(await main(['report', 'one.jsonl', '--csv', 'one.csv'], c.io), 0, c.err());
    assert.match(c.err(), /Wrote a report of 1 session run \(1 step, 1 server log record\): CSV/);
  });
});
