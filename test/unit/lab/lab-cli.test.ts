// The lab end to end with the built CLI and real server processes: fixture servers with known faults get
// the findings that describe them, the reference servers get scored, a counterexample replays.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import type { LabResult } from '../../../src/core/lab/types';
import { EVERYTHING, FIXTURES, ROOT } from '../guards/helpers';
import { buildPrivateCli, runCli } from '../lint/cliHelpers';

const NM = join(ROOT, 'node_modules/@modelcontextprotocol');

// A private copy of the built CLI: another test rebuilding dist/ cannot pull it from under a running lab.
let built: { cli: string; dispose(): void };
const cli = (args: string[], cwd: string) => runCli(built.cli, args, cwd);

async function lab(ws: string, server: string, ...flags: string[]): Promise<{ code: number | null; result: LabResult; stderr: string }> {
  const r = await cli(['lab', server, '--json', '--seed', '1', ...flags], ws);
  let result: LabResult;
  try {
    result = JSON.parse(r.stdout) as LabResult;
  } catch {
    throw new Error(`lab ${server} printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return { code: r.code, result, stderr: r.stderr };
}

const kinds = (r: LabResult, tool?: string) => r.findings.filter((f) => !tool || f.tool === tool).map((f) => f.kind);

describe('mcp-harness lab (built CLI, real servers)', function () {
  this.timeout(240_000);
  let ws: string;
  let scratch: string;

  before(() => {
    built = buildPrivateCli();
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-'));
    // Destructive tools only ever run on scratch data: a copied folder for filesystem, a fresh file for memory.
    scratch = join(ws, 'scratch');
    mkdirSync(join(scratch, 'docs'), { recursive: true });
    writeFileSync(join(scratch, 'docs', 'a.txt'), 'hello');
    mkdirSync(join(ws, '.vscode'));
    const node = (file: string, ...args: string[]) => ({ command: process.execPath, args: [file, ...args] });
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({
      servers: {
        crashy: node(join(FIXTURES, 'lab-crashy.mjs')),
        liar: node(join(FIXTURES, 'lab-liar.mjs')),
        bad: node(join(FIXTURES, 'lab-bad-schema.mjs')),
        huge: node(join(FIXTURES, 'lab-huge.mjs')),
        crash: node(join(FIXTURES, 'crash.mjs')),
        hang: node(join(FIXTURES, 'hang.mjs')),
        slow: node(join(FIXTURES, 'slow.mjs')),
        // Each conformance scenario gets its own bridged server process: the first two starts (the lab's own and the
        // first scenario's) answer at once, every later one never answers its handshake and, once its input ends,
        // takes 800 ms to exit (within the bridge's 1 s stop grace).
        stall: node(join(FIXTURES, 'slow.mjs'), '--starts', join(ws, 'stall.starts'), '--stall-after', '2', '--stalled-exit-delay', '800'),
        garbage: node(join(FIXTURES, 'garbage.mjs')),
        dead: node(join(FIXTURES, 'crash.mjs'), '--at-startup'),
        everything: node(EVERYTHING),
        filesystem: node(join(NM, 'server-filesystem/dist/index.js'), scratch),
        memory: { ...node(join(NM, 'server-memory/dist/index.js')), env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } },
      },
    }));
  });
  after(() => {
    rmSync(ws, { recursive: true, force: true });
    built.dispose();
  });

  it('finds the input that crashes a server, shrinks it, saves it, and `run` replays it; --min-score fails the run', async () => {
    const { code, result, stderr } = await lab(ws, 'crashy', '--suite', 'props', '--budget', '30s', '--min-score', '90', '--out', 'cex');
    assert.equal(code, 1, stderr);
    assert.match(stderr, /score \d+ is below --min-score 90/);
    const crash = result.findings.find((f) => f.kind === 'props.crash');
    assert.ok(crash, JSON.stringify(result.findings));
    assert.equal(crash.tool, 'parse');
    assert.deepEqual(crash.input, { text: '', count: 901 });
    assert.equal(crash.severity, 'critical');
    assert.ok(crash.replay && existsSync(crash.replay) && crash.replay.startsWith(join(ws, 'cex')));
    assert.ok(result.score < 90);
    assert.equal(result.suites[0].score, 60);
    const replay = await cli(['run', crash.replay, '--json'], ws);
    assert.equal(replay.code, 1, replay.stderr);
    const out = JSON.parse(replay.stdout);
    assert.equal(out.steps[0].decision, 'error');
    assert.match(out.steps[0].error, /exited with code 3/);
    assert.match(JSON.parse(readFileSync(crash.replay, 'utf8')).name, /seed \d+/);
  });

  it('--budget is a hard limit: props stops at the end of its share, bench at the end of the budget, and --min-score does not judge the partial score', async () => {
    // `slow {ms}` gets sleeps far longer than the 5 s budget, and a call timeout longer than that.
    const { code, result, stderr } = await lab(ws, 'slow', '--suite', 'props,bench', '--budget', '5s', '--call-timeout', '60000', '--allow-destructive', '--min-score', '0');
    assert.equal(code, 1, stderr);
    // Both suites stopped: the result names both (it used to name only the first).
    assert.deepEqual(result.cut_short, { budget_ms: 5000, stopped: ['props', 'bench'], not_started: [] });
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, s.stopped]), [['props', true, 'budget'], ['bench', true, 'budget']]);
    assert.ok(result.duration_ms < 5000 + 2000, `${result.duration_ms} ms`);
    assert.match(stderr, /mcp-harness: the lab was cut short by the budget of 5 s \(props, bench stopped\), partial result: the score \d+ covers only the suites that ran\. Pass a larger --budget\./);
    assert.match(stderr, /a partial score is not judged against --min-score 0/);
  });

  it('annotation truth: a read-only tool that writes and an idempotent tool that is not both fail; bad schemas are found', async () => {
    // The budget is a hard limit: these fast tools end at 100 runs each, long before it.
    const [liar, bad] = await Promise.all([lab(ws, 'liar', '--suite', 'props', '--budget', '30s'), lab(ws, 'bad', '--suite', 'props', '--budget', '30s')]);
    assert.ok(kinds(liar.result, 'peek').includes('props.annotation.read_only_writes'), JSON.stringify(liar.result.findings));
    assert.ok(kinds(liar.result, 'touch').includes('props.annotation.not_idempotent'), JSON.stringify(liar.result.findings));
    assert.ok(!kinds(liar.result, 'count').length, 'the honest tool has no finding');
    assert.ok(kinds(bad.result, 'stats').includes('props.output_schema'), JSON.stringify(bad.result.findings));
    assert.ok(kinds(bad.result, 'strict').includes('props.invalid.accepted'));
    const stats = bad.result.suites[0].stats as { invalid_probes: number; invalid_probes_delivered: number };
    assert.ok(stats.invalid_probes_delivered > 0 && stats.invalid_probes_delivered === stats.invalid_probes, JSON.stringify(stats));
  });

  it('the faulty fixtures each get the finding that describes them', async () => {
    const flags = ['--suite', 'props', '--budget', '8s', '--call-timeout', '600', '--allow-destructive'];
    const [crash, hang, slow, garbage, dead, huge] = await Promise.all(['crash', 'hang', 'slow', 'garbage', 'dead', 'huge'].map((s) => lab(ws, s, ...flags)));
    assert.ok(kinds(crash.result, 'crash').includes('props.crash'), JSON.stringify(crash.result.findings));
    assert.ok(kinds(hang.result, 'hang').includes('props.hang'), JSON.stringify(hang.result.findings));
    assert.ok(kinds(slow.result, 'slow').includes('props.hang'), JSON.stringify(slow.result.findings));
    assert.ok(kinds(garbage.result, 'unterminated').some((k) => k === 'props.hang' || k === 'props.protocol_error' || k === 'props.crash'), JSON.stringify(garbage.result.findings));
    // 512 KiB of one unbroken run per call (token counting on it is linear: test/unit/tokens/long-runs).
    const hugeFinding = huge.result.findings.find((f) => f.kind === 'props.huge_output');
    assert.ok(hugeFinding && hugeFinding.tool === 'dump' && hugeFinding.severity === 'minor', JSON.stringify(huge.result.findings));
    assert.ok(!kinds(huge.result, 'small').length);
    assert.equal(dead.code, 3);
    assert.deepEqual(kinds(dead.result), ['lab.unreachable']);
    assert.equal(dead.result.score, 0);
  });

  it('faults and bench: the proxy scenarios run, the client recovers from a disconnect, latency percentiles and machine figures are stored', async () => {
    const { code, result } = await lab(ws, 'crashy', '--suite', 'faults,bench', '--budget', '40s', '--report', 'card.html', '--markdown', 'summary.md');
    assert.equal(code, 0);
    const faults = result.suites.find((s) => s.suite === 'faults')!;
    assert.equal(faults.ran, true, faults.skipped);
    const scenarios = faults.stats.scenarios as { scenario: string; calls: number; results: number; server_survived: boolean; recovered?: boolean }[];
    assert.deepEqual(scenarios.map((s) => s.scenario), ['garbage', 'duplicates', 'slow-read', 'reorder', 'latency', 'drop', 'disconnect']);
    assert.equal(scenarios.find((s) => s.scenario === 'disconnect')!.recovered, true);
    assert.ok(scenarios.every((s) => s.server_survived));
    const bench = result.suites.find((s) => s.suite === 'bench')!;
    const levels = bench.stats.levels as { concurrency: number; calls: number; latency_ms: { p50: number; p99: number; max: number } }[];
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 4, 16]);
    for (const l of levels) assert.ok(l.calls > 0 && l.latency_ms.p50 > 0 && l.latency_ms.p50 <= l.latency_ms.p99 && l.latency_ms.p99 <= l.latency_ms.max);
    assert.equal(typeof bench.stats.noisy, 'boolean');
    assert.ok((bench.stats.cold_start_ms as number) > 0);
    assert.ok(result.machine.cores > 0 && result.machine.loadavg.length === 3);
    assert.ok(result.trace_files.length >= 8);
    assert.match(readFileSync(join(ws, 'card.html'), 'utf8'), /Reliability report/);
    assert.match(readFileSync(join(ws, 'summary.md'), 'utf8'), /MCP reliability: `crashy`/);
  });

  it('faults on server-everything: the disconnect scenario recovers (its startup notifications no longer use up disconnect-after)', async () => {
    const { result } = await lab(ws, 'everything', '--suite', 'faults', '--budget', '60s');
    const faults = result.suites.find((s) => s.suite === 'faults')!;
    assert.equal(faults.ran, true, faults.skipped);
    const disconnect = (faults.stats.scenarios as { scenario: string; results: number; recovered?: boolean }[]).find((s) => s.scenario === 'disconnect')!;
    assert.equal(disconnect.recovered, true, JSON.stringify(disconnect));
    assert.ok(disconnect.results >= 4, JSON.stringify(disconnect));
    assert.ok(!kinds(result).includes('faults.disconnect.no_recovery'), JSON.stringify(result.findings));
  });

  it('scores the reference servers: everything, filesystem (scratch folder) and memory (scratch file)', async () => {
    // A hard 6 s: props is usually stopped on these servers' slow tools (`cut_short` then), and still scores them.
    const flags = ['--suite', 'props,bench', '--budget', '6s', '--call-timeout', '2000', '--allow-destructive'];
    const results = await Promise.all(['everything', 'filesystem', 'memory'].map((s) => lab(ws, s, ...flags)));
    for (const { result } of results) {
      assert.ok(result.score >= 0 && result.score <= 100);
      assert.deepEqual(Object.keys(result).filter((k) => k !== 'scratch' && k !== 'cut_short').sort(), ['duration_ms', 'findings', 'machine', 'score', 'seed', 'server', 'started_at', 'suites', 'trace_files', 'version']);
      const props = result.suites.find((s) => s.suite === 'props')!;
      assert.equal(props.ran, true);
      assert.ok((props.stats.generated_calls as number) > 0, result.server);
    }
    // filesystem and memory ran on copies of their data: the folder and the file they were given are untouched.
    const [, filesystem, memory] = results.map((r) => r.result);
    assert.deepEqual(filesystem.scratch?.map((c) => c.from), [scratch]);
    assert.ok(filesystem.scratch![0].to !== scratch && !existsSync(filesystem.scratch![0].to), 'the copy is removed after the run');
    assert.deepEqual(readdirSync(scratch, { recursive: true }).map(String).sort(), ['docs', join('docs', 'a.txt')]);
    assert.equal(readFileSync(join(scratch, 'docs', 'a.txt'), 'utf8'), 'hello');
    assert.equal(memory.server, 'memory');
    assert.deepEqual(memory.scratch?.map((c) => c.from), [join(ws, 'memory.jsonl')]);
    assert.ok(!existsSync(join(ws, 'memory.jsonl')), 'memory wrote its scratch file, not the one it was given');
    assert.ok(existsSync(join(ws, '.vscode/mcp.json')));
  });

  it('faults over Streamable HTTP: the lab puts an HTTP server behind the in-process HTTP proxy', async () => {
    const server = spawn(process.execPath, [join(FIXTURES, 'http.mjs'), '--mode', 'streamable', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve) => {
        let out = '';
        server.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /PORT=(\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
      });
      const httpWs = join(ws, 'http-ws');
      mkdirSync(join(httpWs, '.vscode'), { recursive: true });
      writeFileSync(join(httpWs, '.vscode/mcp.json'), JSON.stringify({ servers: { web: { type: 'http', url: `http://127.0.0.1:${port}/mcp` } } }));
      const { code, result, stderr } = await lab(httpWs, 'web', '--suite', 'faults', '--budget', '40s', '--allow-destructive');
      assert.equal(code, 0, stderr);
      const faults = result.suites[0];
      assert.equal(faults.ran, true, faults.skipped);
      const scenarios = faults.stats.scenarios as { scenario: string; calls: number; results: number; recovered?: boolean }[];
      assert.deepEqual(scenarios.map((s) => s.scenario), ['garbage', 'duplicates', 'slow-read', 'reorder', 'latency', 'drop', 'disconnect']);
      assert.ok(scenarios.every((s) => s.calls > 0));
      assert.ok(scenarios.find((s) => s.scenario === 'latency')!.results > 0);
    } finally {
      server.kill();
    }
  });

  it('--suite conformance runs the official server scenarios and scores the applicable ones', async () => {
    // The private CLI copy has no node_modules beside it: the suite runs from the bundle the build writes (dist/conformance.js).
    assert.ok(!existsSync(join(dirname(built.cli), 'node_modules')));
    const { code, result, stderr } = await lab(ws, 'everything', '--suite', 'conformance');
    assert.equal(code, 0, stderr);
    const suite = result.suites.find((s) => s.suite === 'conformance')!;
    assert.equal(suite.ran, true, suite.skipped);
    assert.equal(suite.weight, 0.25);
    const scenarios = suite.stats.scenarios as { scenario: string; failed: number }[];
    assert.ok(scenarios.some((s) => s.scenario === 'tools-list' && !s.failed), JSON.stringify(scenarios));
    const applicable = suite.stats.applicable as number;
    assert.equal(suite.score, Math.round((100 * (suite.stats.passed as number)) / applicable));
    assert.ok((suite.stats.not_applicable as number) > 0, 'server-everything lacks the suite\'s test_* fixtures');
    assert.equal(result.score, suite.score);
    for (const f of suite.findings) assert.match(f.kind, /^conformance\./);
  });

  it('--budget bounds the conformance suite: the scenario under way at its end is stopped, none starts after it, the ones left are listed as skipped; the hand-back waits for neither a listing nor a stop grace', async () => {
    // The lab's start and the first scenario are quick; the second scenario's server never answers, so that scenario
    // is under way when the 10 s end, whatever the machine's load. The lab's temporary folders go to `tmp`, so this
    // test sees its suite processes (their output folder) and no other test's.
    const tmp = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-tmp-'));
    const watching = watchSuiteProcesses(tmp);
    const run = await runCli(built.cli, ['lab', 'stall', '--json', '--seed', '1', '--suite', 'conformance', '--budget', '10s'], ws, '', { TMPDIR: tmp });
    const seen = watching.stop();
    rmSync(tmp, { recursive: true, force: true });
    const { code, stderr } = run;
    const result = JSON.parse(run.stdout) as LabResult;
    assert.equal(code, 0, stderr);
    // The scenarios a cut leaves out are listed by a listing run made beside the suite's run, not after the cut.
    assert.ok(seen.listing, 'a listing run was made');
    assert.ok(seen.listingBesideRun, 'the listing ran while the suite ran');
    assert.ok(!seen.listingAfterRun, 'no listing run after the suite\'s run ended');
    // The bridge ended the stalled scenario's server at the cut without its stop grace: it had no time to exit on its own.
    const starts = readFileSync(join(ws, 'stall.starts'), 'utf8').trim().split('\n');
    const stalled = starts.filter((l) => l.startsWith('start '))[2]?.slice('start '.length);
    assert.ok(stalled, starts.join('\n'));
    assert.ok(!starts.includes(`exit ${stalled}`), `the stalled server was ended at once, not left its grace to exit:\n${starts.join('\n')}`);
    const [suite] = result.suites;
    assert.deepEqual((suite.stats.scenarios as { scenario: string }[]).map((s) => s.scenario), ['server-initialize']);
    assert.equal(suite.stats.interrupted, 'logging-set-level');
    // Stopped under way by the budget's end, not at a scenario's start; never reported as a cancel.
    assert.equal(suite.stats.stopped, 'overran');
    assert.equal(starts.filter((l) => l.startsWith('start ')).length, 3, 'a scenario started after the one under way');
    const skipped = suite.stats.skipped as { scenario: string; reason: string }[];
    assert.ok(skipped.length >= 20, JSON.stringify(skipped));
    assert.ok(skipped.every((s) => s.reason === 'the budget ended' && s.scenario !== 'server-initialize' && s.scenario !== 'logging-set-level'), JSON.stringify(skipped));
    for (const scenario of ['tools-list', 'prompts-list']) assert.ok(skipped.some((s) => s.scenario === scenario), scenario);
    // The suite's pending scenarios are not part of a default run, so they are not reported as skipped either.
    assert.ok(!skipped.some((s) => s.scenario === 'json-schema-2020-12' || s.scenario === 'server-sse-polling'));
    const left = suite.findings.find((f) => f.kind === 'conformance.budget');
    assert.equal(left?.severity, 'info');
    assert.match(left!.message, new RegExp(`^The budget ended before ${skipped.length + 1} conformance scenario\\(s\\) finished; skipped, not scored: logging-set-level \\(stopped while running\\), `));
    // The one scenario that ran passed: the partial score covers it alone.
    assert.deepEqual([suite.ran, suite.score, suite.stats.applicable, suite.stats.passed], [true, 100, 1, 1]);
    assert.equal(suite.stopped, 'budget');
    assert.deepEqual(result.cut_short, { budget_ms: 10_000, stopped: ['conformance'], not_started: [] });
  });

  it('chaos: bad toxics are refused; --print-config prints a runnable mcp.json entry', async () => {
    const bad = await cli(['chaos', '--toxics', 'drop=7', '--', process.execPath, 'x.mjs'], ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /drop needs a probability between 0 and 1/);
    const cfg = await cli(['chaos', '--toxics', 'latency=5ms', '--target', 'crashy', '--print-config'], ws);
    assert.equal(cfg.code, 0, cfg.stderr);
    const entry = JSON.parse(cfg.stdout).servers['crashy-chaos'];
    assert.equal(entry.command, process.execPath);
    assert.deepEqual(entry.args.slice(1, 7), ['chaos', '--toxics', 'latency=5ms', '--seed', '1', '--']);
    assert.ok(entry.args.includes(join(FIXTURES, 'lab-crashy.mjs')));
    const usage = await cli(['lab', 'crashy', '--suite', 'nope'], ws);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /'nope' is not one/);
  });
});

/**
 * Watches the conformance suite's processes whose output folder is under `tmp` (the lab's run writes to …/run, its
 * listing run to …/list) until stopped: whether a listing ran, whether one was seen while the run was alive, and
 * whether one was seen after the run had ended.
 */
function watchSuiteProcesses(tmp: string): { stop(): { listing: boolean; listingBesideRun: boolean; listingAfterRun: boolean } } {
  const seen = { listing: false, listingBesideRun: false, listingAfterRun: false };
  let runSeen = false;
  const look = () => {
    const outs = readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid))
      .flatMap((pid) => {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          const out = args[args.indexOf('-o') + 1];
          return args.includes('-o') && out?.startsWith(tmp) ? [out] : [];
        } catch {
          return [];
        }
      });
    const run = outs.some((o) => o.endsWith(`${sep}run`));
    runSeen ||= run;
    if (!outs.some((o) => o.endsWith(`${sep}list`))) return;
    seen.listing = true;
    if (run) seen.listingBesideRun = true;
    else if (runSeen) seen.listingAfterRun = true;
  };
  const timer = setInterval(look, 25);
  return {
    stop: () => {
      clearInterval(timer);
      return seen;
    },
  };
}
