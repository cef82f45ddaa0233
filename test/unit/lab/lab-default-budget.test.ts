// The lab with its defaults (60 s, props + faults + bench) on the reference server everything, with the built CLI: its
// slow tools (a long-running operation that hangs on long durations, a research query that takes 4 s as a task, two
// "async" tools that take 1 s a call) get fewer inputs and are reported as slow or hung, and the run completes
// inside the budget instead of being cut short in props.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabResult } from '../../../src/core/lab/types';
import { EVERYTHING } from '../guards/helpers';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';

describe('mcp-harness lab with the default budget on server-everything', function () {
  this.timeout(180_000);
  let built: { cli: string; dispose(): void };
  let ws: string;

  before(() => {
    built = buildPrivateCli();
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-default-'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { everything: { command: process.execPath, args: [EVERYTHING] } } }));
  });
  after(() => {
    rmSync(ws, { recursive: true, force: true });
    built.dispose();
  });

  it('completes every suite within 60 s: the slow tools get fewer inputs and are reported as slow, not run until the budget ends', async () => {
    const r = await runCli(built.cli, ['lab', 'everything', '--json', '--seed', '1'], ws);
    let result: LabResult;
    try {
      result = JSON.parse(r.stdout) as LabResult;
    } catch {
      throw new Error(`lab printed no JSON (exit ${r.code}): ${r.stderr}`);
    }
    const summary = JSON.stringify(result.suites.map((s) => [s.suite, s.ran, s.stopped, s.time]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(result.cut_short, undefined, `cut short: ${JSON.stringify(result.cut_short)} ${summary}`);
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, s.stopped]), [['props', true, undefined], ['faults', true, undefined], ['bench', true, undefined]], summary);
    assert.ok(result.duration_ms <= 60_000, `${result.duration_ms} ms`);

    const props = result.suites[0];
    const stats = props.stats as { exercised: string[]; runs_per_tool: Record<string, number>; slow_tools: Record<string, { median_ms: number; hung: boolean }>; left_out: { tool: string }[] };
    // Every tool got its inputs; the quick ones all 100 of them.
    for (const tool of stats.exercised) assert.ok(stats.runs_per_tool[tool] >= 1, `${tool} was not called: ${JSON.stringify(stats.runs_per_tool)}`);
    assert.equal(stats.runs_per_tool.echo, 100);
    // The research query answers, in about 4 s a call, as a task: slow (info), and it got only a few inputs.
    const research = stats.slow_tools['simulate-research-query'];
    assert.ok(research && !research.hung && research.median_ms >= 1000, JSON.stringify(stats.slow_tools));
    assert.ok(stats.runs_per_tool['simulate-research-query'] < 10, JSON.stringify(stats.runs_per_tool));
    const slow = result.findings.find((f) => f.kind === 'props.slow' && f.tool === 'simulate-research-query');
    assert.ok(slow, JSON.stringify(result.findings.map((f) => [f.kind, f.tool])));
    assert.equal(slow.severity, 'info');
    assert.match(slow.message, /simulate-research-query is slow: its valid calls took \d+\.\d s each/);
    // The long-running operation hangs on a long duration: found once, not shrunk (each step would be another hang).
    const hang = result.findings.find((f) => f.kind === 'props.hang' && f.tool === 'trigger-long-running-operation');
    assert.ok(hang, JSON.stringify(result.findings.map((f) => [f.kind, f.tool])));
    assert.match(hang.message, /shrunk 0 times/);
    assert.equal(stats.slow_tools['trigger-long-running-operation']?.hung, true);
  });
});
