// "MCP: Test Server Reliability…" in the real extension host, on the basic workspace's memory server: the
// lab runs its suites through the window's run service (the chaos proxy is the extension's own CLI bundle),
// asks consent once for the server and once for the proxy, puts the result in the trace panel's Lab tab,
// saves the report card, runs the official conformance suite from its bundle, and keeps a cancelled run's
// partial result.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { overallScore } from '../../../../src/core/lab/score';
import type { LabResult } from '../../../../src/core/lab/types';
import type { HarnessApi } from '../../../../src/extension/api';
import { labResultKey } from '../../../../src/protocol/messages';
import { activateHarness, waitFor } from '../helpers';

describe('Test Server Reliability (memory server, real extension host)', function () {
  this.timeout(180_000);
  let api: HarnessApi;
  const asked: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-lab-it-'));

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    // Other suites of this run may have started memory and remembered its consent: start from a stopped,
    // not-yet-consented server so the consent count below is the lab's own.
    await api.servers.stopAll();
    const memory = api.servers.definition('memory');
    assert.ok(memory, 'the fixture workspace defines memory');
    await api.consent.forget(memory);
    api.testing.setConsentPrompt(async (def) => {
      asked.push(def.id);
      return 'allow';
    });
  });

  after(async () => {
    api.testing.setConsentPrompt(undefined);
    api.testing.setSaveDialog(undefined);
    await api.servers.stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('scores the server with props, faults and bench, shows the Lab tab and saves the report card', async () => {
    // The budget is a hard limit: enough for props and the fixed fault scenarios; bench's levels share what is left.
    const result = await vscode.commands.executeCommand<LabResult>('mcpHarness.testServerReliability', 'memory', { suites: ['props', 'faults', 'bench'], budgetMs: 60_000, seed: 7, callTimeoutMs: 2000 });
    assert.ok(result, 'the command returned no result');
    assert.equal(result.server, 'memory');
    assert.equal(result.seed, 7);
    assert.deepEqual(result.suites.map((s) => [s.suite, s.ran, s.skipped]), [['props', true, undefined], ['faults', true, undefined], ['bench', true, undefined]]);
    assert.equal(result.score, overallScore(result.suites));
    const props = result.suites[0].stats as { exercised: string[]; skipped: { tool: string }[]; generated_calls: number };
    // Without opt-in only tools that say they are read-only or not destructive are called; delete_* are not.
    for (const t of ['open_nodes', 'read_graph', 'search_nodes']) assert.ok(props.exercised.includes(t), t);
    assert.deepEqual(props.skipped.map((s) => s.tool).sort(), ['delete_entities', 'delete_observations', 'delete_relations']);
    assert.ok(props.generated_calls > 0);
    const scenarios = result.suites[1].stats.scenarios as { scenario: string; calls: number }[];
    assert.deepEqual(scenarios.map((s) => s.scenario), ['garbage', 'duplicates', 'slow-read', 'reorder', 'latency', 'drop', 'disconnect']);
    assert.ok(scenarios.every((s) => s.calls > 0));
    const levels = result.suites[2].stats.levels as { concurrency: number; calls: number }[];
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 4, 16]);
    // Consent: once for the server, once for the server behind the proxy (not once per fault scenario).
    assert.equal(asked.filter((id) => id === 'memory').length, 1, asked.join(', '));
    assert.equal(asked.filter((id) => id.startsWith('memory~chaos')).length, 1, asked.join(', '));
    assert.ok(!api.servers.definitions().some((d) => d.id.includes('~chaos')), 'the proxied definitions are gone after the run');
    for (const file of result.trace_files) assert.ok(fs.existsSync(file), file);
    // The trace panel opened on the Lab tab's data.
    assert.equal(api.testing.panelOpen(), true);
    assert.ok(api.context.traces.lab.all().some((r) => labResultKey(r) === labResultKey(result)));
    // The panel opened after the result was added: the webview gets it in the init that answers its `ready`.
    await waitFor(() => (api.testing.lastPanelInit() as { labResults?: LabResult[] } | undefined)?.labResults?.some((r) => labResultKey(r) === labResultKey(result)), 'an init carrying the lab result', 30_000);
    // …and it opens on the Lab tab, not on the steps of the lab's last run.
    assert.equal((api.testing.lastPanelInit() as { tab?: string }).tab, 'lab');
    const card = path.join(tmp, 'card.html');
    api.testing.setSaveDialog(async (format) => {
      assert.equal(format, 'html');
      return vscode.Uri.file(card);
    });
    const saved = await api.context.traces.lab.saveReportCard(labResultKey(result));
    assert.equal(saved.path, card);
    const html = fs.readFileSync(card, 'utf8');
    assert.match(html, /Reliability report: <code>memory<\/code>/);
    assert.match(html, new RegExp(`<span class="score">${result.score}</span>`));
  });

  it('runs the conformance suite from the bundle the extension ships: scenario results in the Lab tab\'s result', async () => {
    // The VSIX ships no node_modules: the suite runs from dist/conformance.js, beside the extension's own bundle.
    assert.ok(fs.existsSync(path.join(api.context.extension.extensionPath, 'dist', 'conformance.js')));
    const result = await vscode.commands.executeCommand<LabResult>('mcpHarness.testServerReliability', 'memory', { suites: ['conformance'], budgetMs: 120_000, seed: 9, callTimeoutMs: 5000 });
    assert.ok(result, 'the command returned no result');
    const suite = result.suites.find((s) => s.suite === 'conformance');
    assert.ok(suite, JSON.stringify(result.suites));
    assert.equal(suite.ran, true, suite.skipped);
    const scenarios = suite.stats.scenarios as { scenario: string; passed: number; failed: number }[];
    // memory's tools list and its handshake pass; it has none of the suite's test_* prompts or resources.
    for (const name of ['server-initialize', 'tools-list']) assert.ok(scenarios.some((s) => s.scenario === name && s.passed > 0 && !s.failed), `${name}: ${JSON.stringify(scenarios)}`);
    assert.ok((suite.stats.not_applicable as number) > 0);
    assert.equal(suite.stats.skipped, undefined, 'the whole suite ran within the budget');
    assert.equal(result.score, suite.score);
    assert.ok(api.context.traces.lab.all().some((r) => labResultKey(r) === labResultKey(result) && r.suites.some((s) => s.suite === 'conformance' && s.ran)), 'the Lab tab has the result with its conformance suite');
  });

  it('mcpHarness.lab.budgetSeconds is a hard limit: props stops at the end of its share, naming the setting, and the result says it was cut short', async () => {
    const cfg = vscode.workspace.getConfiguration('mcpHarness');
    await cfg.update('lab.budgetSeconds', 1, vscode.ConfigurationTarget.Workspace);
    try {
      // props needs far more than its share of 1 s on memory (100 runs per tool, then the invalid inputs): it stops at
      // the end of its share, saying so; bench gets what is left (too little: it is stopped, or not started at all).
      const result = await vscode.commands.executeCommand<LabResult>('mcpHarness.testServerReliability', 'memory', { suites: ['props', 'bench'], seed: 10, callTimeoutMs: 2000 });
      assert.ok(result, 'the command returned no result');
      const [props, bench] = result.suites;
      assert.deepEqual([props.suite, props.ran, props.stopped], ['props', true, 'budget'], JSON.stringify(result.suites.map((s) => [s.suite, s.ran, s.stopped, s.skipped])));
      assert.match(props.findings.find((f) => f.kind === 'lab.budget')?.message ?? '', /^The props suite's share of the lab's budget of 1 s \([\d.]+ s\) ended while it was under way: .*; to give the suites more time, raise mcpHarness\.lab\.budgetSeconds\.$/);
      // bench is not started, or the budget ends while it restarts memory for its cold start (then it is stopped).
      if (!bench.ran) assert.match(bench.skipped ?? '', /^(not started: the lab's budget of 1 s was used up before this suite's turn|stopped before it had a result: the lab's budget of 1 s ended while it was under way \(memory was stopped while it was starting\)); to give the suites more time, raise mcpHarness\.lab\.budgetSeconds$/);
      assert.equal(result.cut_short?.budget_ms, 1000);
      // Every suite the budget stopped is named: props, and bench when it started and was stopped too.
      assert.deepEqual(result.cut_short.stopped, result.suites.filter((s) => s.stopped === 'budget').map((s) => s.suite), JSON.stringify(result.cut_short));
      assert.equal(result.cut_short.stopped?.[0], 'props', JSON.stringify(result.cut_short));
      assert.ok(api.context.traces.lab.all().some((r) => labResultKey(r) === labResultKey(result) && r.cut_short), 'the Lab tab has it, marked cut short');
    } finally {
      await cfg.update('lab.budgetSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('stops when cancelled: the partial result, marked cancelled, goes to the Lab tab', async () => {
    const before = api.context.traces.lab.all().length;
    const abort = new AbortController();
    const running = vscode.commands.executeCommand<LabResult | undefined>('mcpHarness.testServerReliability', 'memory', { suites: ['props', 'bench'], budgetMs: 120_000, seed: 8, callTimeoutMs: 2000, signal: abort.signal });
    // Cancel once the lab is calling tools (its first run has started).
    const runsBefore = api.traceStore.runs().length;
    for (let i = 0; i < 400 && api.traceStore.runs().length === runsBefore; i++) await new Promise((r) => setTimeout(r, 50));
    const cancelledAt = Date.now();
    abort.abort(new Error('cancelled by the test'));
    const result = await running;
    const stoppedWithinMs = Date.now() - cancelledAt;
    assert.ok(result, 'a cancelled run still returns what it found');
    assert.equal(result.cancelled, true);
    // bench never started; props was either under way (partial) or not started either.
    assert.deepEqual([result.suites[1].suite, result.suites[1].ran, result.suites[1].skipped], ['bench', false, 'the run was cancelled before this suite started']);
    // The call under way is cancelled with the lab (its call timeout is 2 s), not run on to the budget.
    assert.ok(stoppedWithinMs < 15_000, `the lab stopped ${stoppedWithinMs} ms after the cancel`);
    assert.equal(api.context.traces.lab.all().length, before + 1);
    assert.equal(api.context.traces.lab.all().at(-1)?.cancelled, true);
  });
});
