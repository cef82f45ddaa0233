// The lab's host over the real run service: probes are traced lab runs, and only a run opened with
// schemaGuard 'record' lets arguments that break the inputSchema reach the server, saying so in the step.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunService } from '../../../src/core/run/service';
import { ServiceLabHost } from '../../../src/core/lab/serviceHost';
import { runLab } from '../../../src/core/lab/runner';
import { labPolicy } from '../../../src/core/lab/selection';
import { readTrace } from '../../../src/core/trace/reader';
import type { ServerManager } from '../../../src/core/servers/manager';
import { FIXTURES, makeManager, stdioDefinition } from '../guards/helpers';

describe('lab: the run service host', function () {
  this.timeout(60_000);
  let manager: ServerManager;
  let host: ServiceLabHost;
  let traces: string;

  before(() => {
    traces = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-host-'));
    manager = makeManager([stdioDefinition('bad', join(FIXTURES, 'lab-bad-schema.mjs'))]);
    host = new ServiceLabHost(new RunService({ connections: manager, knownServers: ['bad'], traceDir: traces }), manager);
  });
  after(async () => {
    await manager.dispose();
    rmSync(traces, { recursive: true, force: true });
  });

  it('enforces the inputSchema by default: the bad input never reaches the server', async () => {
    const run = await host.openRun({ name: 'lab enforce', servers: ['bad'], policy: labPolicy(5000) });
    const { record } = await run.callTool({ server: 'bad', tool: 'strict', args: { n: 'x' }, stepId: 's1' });
    const { traceFile } = await run.end();
    assert.equal(record.decision, 'denied_schema');
    assert.equal(readTrace(traceFile!).header?.run_kind, 'lab');
  });

  it("with schemaGuard 'record' the bad input is sent on purpose, recorded in the schema stage and as a finding", async () => {
    const run = await host.openRun({ name: 'lab record', servers: ['bad'], policy: labPolicy(5000), schemaGuard: 'record' });
    const { record, result } = await run.callTool({ server: 'bad', tool: 'strict', args: { n: 'x', extra: 1 }, stepId: 's1' });
    await run.end();
    assert.equal(record.decision, 'ok');
    assert.match(JSON.stringify(result), /got \{\\"n\\":\\"x\\",\\"extra\\":1\}/);
    const schema = record.stages.find((s) => s.stage === 'schema')!;
    assert.equal(schema.decision, 'pass');
    assert.match(schema.reasons[0], /schemaGuard is record .* sent on purpose/);
    assert.ok(schema.errors && schema.errors.length >= 2, JSON.stringify(schema));
    assert.ok(record.findings.some((f) => f.kind === 'schema.input_sent_invalid'));
  });

  it('reports server state and measures a cold start; proxied() is absent without a launcher', async () => {
    const ms = await host.coldStartMs('bad');
    assert.ok(ms > 0);
    assert.equal(host.serverState('bad')?.status, 'running');
    assert.ok(host.serverState('bad')?.pid);
    assert.equal(host.proxied, undefined);
  });

  it('a cancelled lab keeps its partial result: the suite under way stops, the ones after it are skipped', async () => {
    const abort = new AbortController();
    const progress: string[] = [];
    const result = await runLab(host, {
      server: 'bad', suites: ['props', 'faults', 'bench'], seed: 1, budgetMs: 600_000, callTimeoutMs: 5000, allowDestructive: false, outDir: traces, signal: abort.signal,
      // Cancelled as soon as the first suite reports its first step.
      onProgress: (m) => {
        progress.push(m);
        abort.abort();
      },
    });
    assert.equal(result.cancelled, true);
    assert.match(progress[0], /^props/);
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran]), [['props', true], ['faults', false], ['bench', false]]);
    for (const s of result.suites.slice(1)) assert.equal(s.skipped, 'the run was cancelled before this suite started');
    // Only props scored (the weighted mean over the suites that ran).
    assert.equal(result.score, result.suites[0].score);
  });

  it('runs a suite named twice once (the core API; the CLI already refuses repeats)', async () => {
    const abort = new AbortController();
    abort.abort();
    const result = await runLab(host, {
      server: 'bad', suites: ['faults', 'bench', 'faults'], seed: 1, budgetMs: 60_000, callTimeoutMs: 5000, allowDestructive: false, outDir: traces, signal: abort.signal,
    });
    assert.deepEqual(result.suites.map((s) => s.suite), ['faults', 'bench']);
  });
});
