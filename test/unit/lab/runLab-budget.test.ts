// runLab spends its budget as a hard wall-clock limit, with real fixture servers behind the real run service. The
// shares are checked against the plan each suite records (`time`), with the lab's clock moved forward where a
// suite overruns — no timed assertion. The budget's end is real time where a suite must be stopped under way.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunService } from '../../../src/core/run/service';
import { ServiceLabHost } from '../../../src/core/lab/serviceHost';
import { runLab, type LabOptions } from '../../../src/core/lab/runner';
import { SUITE_TIME_WEIGHT } from '../../../src/core/lab/budget';
import { htmlReport, markdownSummary } from '../../../src/core/lab/report';
import type { LabHost, LabResult, LabRunOptions, SuiteName } from '../../../src/core/lab/types';
import { isAlive, waitForExit } from '../../../src/core/servers/processTree';
import type { ServerManager } from '../../../src/core/servers/manager';
import { EVERYTHING, FIXTURES, makeManager, ROOT, stdioDefinition } from '../guards/helpers';

/** Resolves once the server reaches `status` (its state events, not polling). */
function waitForState(manager: ServerManager, id: string, status: string): Promise<void> {
  return new Promise((resolve) => {
    if (manager.state(id)?.status === status) return resolve();
    const off = manager.onDidChange((s) => {
      if (s.id === id && s.status === status) {
        off();
        resolve();
      }
    });
  });
}

/** The lab's clock: real time plus what the test moved it forward by. */
class MovableClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  forward(ms: number): void {
    this.offset += ms;
  }
}

/** The host as it is, except that opening the run named `name` moves the clock forward: that suite overran. */
function overrunIn(host: LabHost, name: string, clock: MovableClock, ms: number): LabHost {
  const wrapped = Object.create(host) as LabHost;
  wrapped.openRun = (o: LabRunOptions) => {
    if (o.name === name) clock.forward(ms);
    return host.openRun(o);
  };
  return wrapped;
}

/** Every suite that started got (what was left) × its time weight / the time weights of the suites still to run. */
function assertSharesOfWhatWasLeft(result: LabResult, budgetMs: number): void {
  const started = result.suites.filter((s) => s.time);
  for (const [i, s] of started.entries()) {
    const pending = started.slice(i).reduce((sum, p) => sum + SUITE_TIME_WEIGHT[p.suite], 0);
    const expected = ((budgetMs - s.time!.started_ms) * SUITE_TIME_WEIGHT[s.suite]) / pending;
    assert.ok(Math.abs(s.time!.share_ms - expected) <= 1, `${s.suite} got ${s.time!.share_ms} ms; ${Math.round(expected)} ms of what was left: ${JSON.stringify(result.suites.map((x) => [x.suite, x.time]))}`);
  }
}

describe('lab: runLab spends its budget as a hard wall-clock limit', function () {
  this.timeout(120_000);
  let manager: ServerManager;
  let host: ServiceLabHost;
  let dir: string;
  const exitLog = () => join(dir, 'bridged.exits');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-budget-'));
    manager = makeManager([
      // No tool annotated read-only: without --allow-destructive props, faults and bench have nothing to call and end at once.
      stdioDefinition('quick', join(FIXTURES, 'slow.mjs')),
      // `slow {ms}`: the generated inputs include sleeps far longer than any budget here.
      stdioDefinition('slow', join(FIXTURES, 'slow.mjs')),
      // Every process of it (the lab's own and each one the conformance bridge starts) logs its pid.
      stdioDefinition('logged', join(FIXTURES, 'slow.mjs'), ['--exit-log', exitLog()]),
      // Read-only tools that answer at once (echo, …): what bench calls repeatedly.
      stdioDefinition('everything', EVERYTHING),
      // Its first start is quick, every later one never answers its handshake: bench's cold start (a restart) stalls.
      stdioDefinition('stalls', join(FIXTURES, 'slow.mjs'), ['--starts', join(dir, 'stalls.starts'), '--stall-after', '1']),
    ]);
    host = new ServiceLabHost(new RunService({ connections: manager, knownServers: ['quick', 'slow', 'logged', 'everything', 'stalls'], traceDir: dir }), manager);
  });
  after(async () => {
    await host.dispose();
    await manager.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (server: string, suites: SuiteName[], budgetMs: number, extra: Partial<LabOptions> = {}): LabOptions => ({
    server, suites, seed: 1, budgetMs, callTimeoutMs: 5000, allowDestructive: false, outDir: dir, budgetAdvice: 'pass a larger --budget', ...extra,
  });

  it('gives each suite its share of what is left: an overrun is taken from the suites after it', async () => {
    const clock = new MovableClock();
    // props has about 30 s of the 60 and takes 45: faults and bench share the 15 s left (0.15 : 0.15).
    const result = await runLab(overrunIn(host, 'lab props quick', clock, 45_000), options('quick', ['props', 'faults', 'bench'], 60_000, { now: clock.now }));
    assert.deepEqual(result.suites.map((s) => [s.suite, !!s.time]), [['props', true], ['faults', true], ['bench', true]]);
    assertSharesOfWhatWasLeft(result, 60_000);
    const [props, faults, bench] = result.suites.map((s) => s.time!);
    assert.ok(props.used_ms >= 45_000 && props.used_ms > props.share_ms, JSON.stringify(props));
    assert.ok(faults.started_ms >= 45_000, JSON.stringify(faults));
    // Had the overrun been props' own, faults would have had a quarter of the budget.
    assert.ok(faults.share_ms <= 7_500, `faults got ${faults.share_ms} ms`);
    assert.ok(bench.share_ms <= 15_000 - faults.used_ms, `bench got ${bench.share_ms} ms`);
    assert.equal(result.cut_short, undefined);
    assert.ok(result.suites.every((s) => s.stopped === undefined));
  });

  it('a suite that may run to the end of the budget plans to finish inside it: a whole run is not reported as cut short', async () => {
    // bench alone has the whole 10 s; its cold start and its clean-up come out of that, not after it.
    const result = await runLab(host, options('everything', ['bench'], 10_000));
    const [bench] = result.suites;
    assert.equal(bench.ran, true, bench.skipped);
    assert.equal(bench.stopped, undefined, JSON.stringify(bench.time));
    assert.equal(result.cut_short, undefined);
    assert.ok(bench.time!.used_ms <= 10_000, JSON.stringify(bench.time));
    assert.ok((bench.stats.levels as unknown[]).length === 3, JSON.stringify(bench.stats));
  });

  it('suites plan with the lab\'s clock: time it says a suite\'s set-up took is not spent again', async () => {
    const clock = new MovableClock();
    // By the lab's clock, opening bench's run takes the whole budget: no time is left for its levels.
    const result = await runLab(overrunIn(host, 'lab bench everything', clock, 20_000), options('everything', ['bench'], 20_000, { now: clock.now }));
    const [bench] = result.suites;
    assert.equal(bench.ran, true, bench.skipped);
    const levels = bench.stats.levels as { concurrency: number; calls: number }[];
    assert.deepEqual(levels.map((l) => [l.concurrency, l.calls]), [[1, 0], [4, 0], [16, 0]], 'a level ran on the real clock');
    assert.ok(bench.time!.used_ms >= 20_000, JSON.stringify(bench.time));
  });

  it('does not start the suites the budget has no time left for: skipped, saying which limit and how to raise it; the result says it was cut short', async () => {
    const clock = new MovableClock();
    const result = await runLab(overrunIn(host, 'lab props quick', clock, 70_000), options('quick', ['props', 'faults', 'bench'], 60_000, { now: clock.now }));
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, !!s.time]), [['props', true, true], ['faults', false, false], ['bench', false, false]]);
    for (const s of result.suites.slice(1)) {
      assert.equal(s.skipped, "not started: the lab's budget of 1 m was used up before this suite's turn; to give the suites more time, pass a larger --budget");
    }
    assert.deepEqual(result.cut_short, { budget_ms: 60_000, not_started: ['faults', 'bench'] });
    assert.equal(result.score, result.suites[0].score);
    assert.match(markdownSummary(result), /^### MCP reliability: `quick` scores \*\*\d+\/100\*\* \(.\) on the suites that ran — cut short by the budget of 1 m \(faults, bench not started\), partial result/);
    assert.match(htmlReport(result), /This run was cut short by the budget of 1 m \(faults, bench not started\), partial result: the score covers only the suites that ran\./);
  });

  it('stops the suite under way at the end of its share, then the next at the end of the budget: each keeps its result so far, marked; the call under way is not a finding', async () => {
    // props would give `slow` a 60 s call timeout; its share of the 4 s budget ends during a long sleep, which it
    // cancels, leaving bench the rest of the budget — whose end stops bench during one of its own long sleeps.
    const result = await runLab(host, options('slow', ['props', 'bench'], 4000, { allowDestructive: true, callTimeoutMs: 60_000 }));
    const [props, bench] = result.suites;
    assert.equal(props.ran, true, props.skipped);
    assert.equal(props.stopped, 'budget');
    assert.ok((props.stats.generated_calls as number) >= 1, JSON.stringify(props.stats));
    assert.deepEqual(props.findings.filter((f) => f.severity !== 'info'), [], 'the call cut at the end of the share is not a hang');
    assert.ok(props.time!.used_ms < 4000 - 500, `props ran into bench's time: ${JSON.stringify(props.time)}`);
    const note = props.findings.find((f) => f.kind === 'lab.budget');
    assert.match(note?.message ?? '', /^The props suite's share of the lab's budget of 4 s \(\d+(\.\d)? s\) ended while it was under way: it stopped, leaving the suites after it their time, and its result covers only what it did until then; to give the suites more time, pass a larger --budget\.$/);
    assert.equal(bench.ran, true, bench.skipped);
    assert.equal(bench.stopped, 'budget');
    assert.equal(bench.findings.find((f) => f.kind === 'lab.budget')?.message, "The lab's budget of 4 s ended while the bench suite was under way: it was stopped, and its result covers only what it did until then; to give the suites more time, pass a larger --budget.");
    // Both suites the budget stopped are named, in the JSON, the Markdown and the HTML (it used to name only props).
    assert.deepEqual(result.cut_short, { budget_ms: 4000, stopped: ['props', 'bench'], not_started: [] });
    assert.match(markdownSummary(result), /cut short by the budget of 4 s \(props, bench stopped\), partial result/);
    assert.match(htmlReport(result), /This run was cut short by the budget of 4 s \(props, bench stopped\), partial result: the score covers only the suites that ran, and props, bench only what they did before they were stopped\./);
    assert.match(markdownSummary(result), /\| props \| \d+ \(stopped by the budget: partial\) \|/);
    assert.equal(result.cancelled, undefined);
  });

  it('a suite whose server start the budget ends is stopped by the budget, not an internal error, and named in cut_short', async () => {
    const result = await runLab(host, options('stalls', ['bench'], 3000, { allowDestructive: true, callTimeoutMs: 1000 }));
    const [bench] = result.suites;
    assert.equal(bench.ran, false);
    assert.equal(bench.stopped, 'budget');
    assert.equal(bench.skipped, "stopped before it had a result: the lab's budget of 3 s ended while it was under way (stalls was stopped while it was starting); to give the suites more time, pass a larger --budget");
    assert.deepEqual(bench.findings.map((f) => f.kind), ['lab.budget']);
    assert.deepEqual(result.cut_short, { budget_ms: 3000, stopped: ['bench'], not_started: [] });
  });

  it('a call the budget cuts comes back at once: the tokenizer is built while the server starts, not by the cut call (fresh process)', function () {
    // The first token count in a process builds the tokenizer's tables (0.6 s from source on a quiet machine, over
    // 2 s on a busy one), and a call's outcome comes back after its tokens are counted: a cut first call paid it.
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'test/fixtures/lab/cut-by-budget.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    const seen = JSON.parse(child.stdout.trim().split('\n').pop()!) as { loadedBefore: boolean; loadedAtAbort?: boolean; decision?: string; callBackMs?: number; handBackMs?: number; result: LabResult };
    const figures = `the call came back ${seen.callBackMs} ms and the suite ${seen.handBackMs} ms after the budget's end`;
    assert.equal(seen.loadedBefore, false, 'the process had counted tokens before the lab: the check below could not fail');
    assert.equal(seen.decision, 'cancelled', `the budget's end reached the call under way (${figures})`);
    assert.equal(seen.loadedAtAbort, true, `the tokenizer was still to be built when the budget cut the call (${figures})`);
    const [props, bench] = seen.result.suites;
    assert.equal(props.stopped, 'budget');
    assert.ok((props.stats.generated_calls as number) >= 1, JSON.stringify(props.stats));
    assert.deepEqual(props.findings.filter((f) => f.severity !== 'info'), [], 'the call the budget cut is not a hang');
    assert.equal(bench.ran, true, 'props stopped at the end of its share: bench had the rest of the budget');
    assert.deepEqual(seen.result.cut_short?.stopped?.[0], 'props');
    assert.deepEqual(seen.result.cut_short, { budget_ms: 4000, stopped: seen.result.suites.filter((s) => s.stopped === 'budget').map((s) => s.suite), not_started: [] });
  });

  it('a conformance run the budget ends is stopped, reported as the budget (not a cancel), and the servers its bridge started are ended', async () => {
    rmSync(exitLog(), { force: true });
    // The 30 scenarios take 8-25 s; each one gets a server process of its own through the bridge.
    const result = await runLab(host, options('logged', ['conformance'], 5000));
    const [suite] = result.suites;
    assert.equal(suite.stopped, 'budget', JSON.stringify(suite));
    // A scenario seen starting at the budget's end is 'budget', one stopped under way 'overran': both the budget, never a cancel.
    assert.ok(['budget', 'overran'].includes(suite.stats.stopped as string), String(suite.stats.stopped));
    assert.ok(!suite.findings.some((f) => f.kind === 'conformance.cancelled'), JSON.stringify(suite.findings));
    assert.ok(suite.findings.some((f) => f.kind === 'lab.budget'));
    assert.deepEqual(result.cut_short?.stopped, ['conformance']);
    const own = manager.state('logged')?.pid;
    const logged = existsSync(exitLog()) ? [...readFileSync(exitLog(), 'utf8').matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1])) : [];
    const bridged = logged.filter((pid) => pid !== own);
    assert.ok(bridged.length >= 1, `the bridge started no server before the budget ended: ${JSON.stringify(logged)}`);
    assert.ok(await waitForExit(bridged, 5000), `still running after runLab returned: ${bridged.filter(isAlive).join(', ')}`);
  });

  it('ends the server\'s first start when the budget ends during it: nothing tested, no finding about the server, the process gone', async () => {
    // A server whose handshake takes 20 s: the lab's start of it is under way when the 1.5 s budget ends.
    const log = join(dir, 'first-start.exits');
    const own = makeManager([stdioDefinition('sluggish', join(FIXTURES, 'slow.mjs'), ['--start-delay', '20000', '--exit-log', log])]);
    const labHost = new ServiceLabHost(new RunService({ connections: own, knownServers: ['sluggish'], traceDir: dir }), own);
    try {
      const result = await runLab(labHost, options('sluggish', ['props', 'bench'], 1500));
      assert.ok(result.duration_ms < 20_000, `the lab waited out the start (${result.duration_ms} ms)`);
      assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, s.skipped]), [
        ['props', false, "not started: the lab's budget of 1.5 s ended while the server was still starting; to give the suites more time, pass a larger --budget"],
        ['bench', false, "not started: the lab's budget of 1.5 s ended while the server was still starting; to give the suites more time, pass a larger --budget"],
      ]);
      assert.deepEqual(result.findings, [{
        suite: 'props', kind: 'lab.budget', severity: 'info',
        message: "The lab's budget of 1.5 s ended while the server 'sluggish' was still starting: its start was stopped and nothing was tested; to give the suites more time, pass a larger --budget.",
      }]);
      assert.deepEqual(result.cut_short, { budget_ms: 1500, not_started: ['props', 'bench'] });
      assert.equal(result.score, 0);
      assert.equal(own.state('sluggish')?.status, 'stopped', 'stopped by the lab, not failed');
    } finally {
      await labHost.dispose();
      await own.dispose();
    }
    const pids = [...readFileSync(log, 'utf8').matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(pids.length, 1, 'the server was started once');
    assert.ok(await waitForExit(pids, 5000), `the server still runs after the lab ended: ${pids.filter(isAlive).join(', ')}`);
  });

  it('a cancel during the first start is a cancelled run, not a server that could not be started', async () => {
    const own = makeManager([stdioDefinition('sluggish', join(FIXTURES, 'slow.mjs'), ['--start-delay', '20000'])]);
    const labHost = new ServiceLabHost(new RunService({ connections: own, knownServers: ['sluggish'], traceDir: dir }), own);
    const cancel = new AbortController();
    try {
      const lab = runLab(labHost, options('sluggish', ['props'], 60_000, { signal: cancel.signal }));
      await waitForState(own, 'sluggish', 'starting');
      cancel.abort(new Error('cancelled by the test'));
      const result = await lab;
      assert.equal(result.cancelled, true);
      assert.deepEqual(result.findings, [], 'no lab.unreachable finding');
      assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, s.skipped]), [['props', false, 'the run was cancelled before this suite started']]);
      assert.equal(own.state('sluggish')?.status, 'stopped');
    } finally {
      await labHost.dispose();
      await own.dispose();
    }
  });

  /** The faults suite of `echoer`, whose fault-injection "proxy" is a server with an 8 s handshake, on a 3 s budget. */
  async function faultsWithSlowProxy(log: string, withoutStartStops: boolean): Promise<LabResult> {
    const slowProxy = { command: process.execPath, args: [join(FIXTURES, 'slow.mjs'), '--start-delay', '8000', '--exit-log', log] };
    const own = makeManager([stdioDefinition('echoer', join(FIXTURES, 'crash.mjs'))]);
    const labHost = new ServiceLabHost(new RunService({ connections: own, knownServers: ['echoer'], traceDir: dir }), own, slowProxy);
    // A host that cannot end a start in flight (LabHost.stopStarting is optional).
    const host = withoutStartStops ? Object.assign(Object.create(labHost) as LabHost, { stopStarting: undefined }) : labHost;
    try {
      return await runLab(host, options('echoer', ['faults'], 3000, { callTimeoutMs: 1000 }));
    } finally {
      await labHost.dispose();
      await own.dispose();
    }
  }

  async function assertStartedOnceAndEnded(log: string): Promise<void> {
    const pids = [...readFileSync(log, 'utf8').matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(pids.length, 1, 'the proxy was started once');
    assert.ok(await waitForExit(pids, 5000), `the proxy still runs after the lab ended: ${pids.filter(isAlive).join(', ')}`);
  }

  it('ends a server start a suite is stuck in when the budget ends: the suite hands back what it has at once', async () => {
    const log = join(dir, 'proxy-stopped.exits');
    const result = await faultsWithSlowProxy(log, false);
    const [faults] = result.suites;
    assert.deepEqual([faults.ran, faults.stopped], [true, 'budget'], JSON.stringify(faults));
    // The call waiting for the proxy's start was cancelled with it: not counted, not judged.
    assert.deepEqual((faults.stats as { scenarios: { calls: number }[] }).scenarios.map((x) => x.calls), [0]);
    assert.deepEqual(faults.findings.map((f) => f.kind), ['lab.budget']);
    assert.deepEqual(result.cut_short, { budget_ms: 3000, stopped: ['faults'], not_started: [] });
    await assertStartedOnceAndEnded(log);
  });

  it('does not wait past the budget for a suite that cannot stop at once (a host that cannot end a start); the servers it started end with the lab', async () => {
    // The proxy's start cannot be ended by this host, so the suite cannot hand back anything before the 8 s
    // handshake (had runLab waited for it, faults would have its result).
    const log = join(dir, 'proxy.exits');
    const result = await faultsWithSlowProxy(log, true);
    const [faults] = result.suites;
    assert.deepEqual([faults.ran, faults.stopped], [false, 'budget'], JSON.stringify(faults));
    assert.equal(faults.skipped, 'the suite was stopped and did not hand back its result within 1000 ms; nothing of it is kept');
    assert.deepEqual(result.cut_short, { budget_ms: 3000, stopped: ['faults'], not_started: [] });
    await assertStartedOnceAndEnded(log);
  });
});
