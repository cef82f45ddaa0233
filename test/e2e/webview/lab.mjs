// The trace panel's Lab tab in headless chromium, with the page playing the extension host: a lab result
// arrives and reveals the tab; the score, the score-by-suite chart, the latency histogram, the benchmark
// table and the findings (worst first) are drawn; "Save report card…" is a request with the result's key;
// a second result adds a picker; the tab survives a reload.
import assert from 'node:assert/strict';
import { join } from 'node:path';

const finding = (suite, kind, severity, tool) => ({ suite, kind, severity, tool, message: `${kind} <b>not markup</b>` });

export function labResult(server, score, started_at) {
  const props = [finding('props', 'props.unsupported_keywords', 'info', 'echo'), finding('props', 'props.crash', 'critical', 'parse'), finding('props', 'props.huge_output', 'minor', 'dump')];
  const bench = [finding('bench', 'bench.errors', 'major', 'echo')];
  return {
    version: 1, server, seed: 42, started_at, duration_ms: 12_345, score,
    suites: [
      { suite: 'props', ran: true, score: 55, weight: 0.5, findings: props, stats: {} },
      { suite: 'faults', ran: false, skipped: 'only stdio servers can be proxied', score: 0, weight: 0.25, findings: [], stats: {} },
      { suite: 'conformance', ran: true, score: 50, weight: 0.25, findings: [], stats: { applicable: 2, passed: 1, not_applicable: 0, stopped: 'budget',
        scenarios: [{ scenario: 'server-initialize', passed: 1, failed: 0, warnings: 0, failures: [] }, { scenario: 'tools-list', passed: 1, failed: 1, warnings: 0, failures: ['ToolsList: <i>no tools</i>'] }],
        skipped: [{ scenario: 'ping', reason: 'the budget ended' }, { scenario: 'prompts-list', reason: 'the budget ended' }] } },
      { suite: 'bench', ran: true, score: 85, weight: 0.25, findings: bench, stats: { tool: 'echo', noisy: true, levels: [1, 4, 16].map((c) => ({ concurrency: c, calls: 100 * c, errors: 1, error_rate: 0.01, calls_per_s: 500 / c, latency_ms: { p50: 0.8 * c, p95: 2 * c, p99: 3 * c, max: 9 * c, mean: c }, distribution: [[0.5, 10], [1, 60], [2, 25], [4, 4], [8, 1]] })) } },
    ],
    findings: [...props, ...bench],
    machine: { cores: 2, loadavg: [1.5, 1.2, 1], node: 'v20.0.0', platform: 'linux-x64' },
    trace_files: ['/tmp/a.jsonl', '/tmp/b.jsonl'],
  };
}

export function labTests(test, { open, vscodeHostPage, shots }) {
  test('Lab tab: a lab result reveals it; score, charts, findings, save report card, a second result, reload', async (browser) => {
    const { url, init } = vscodeHostPage('lab-host.html', 'light');
    const post = (page, m) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
    const { page, problems } = await open(browser, url, { init });
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    await post(page, { type: 'init', runs: [], capabilities: { saveLabReport: true } });
    await page.click('.mh-tab-lab');
    await page.waitForFunction(() => /No reliability lab has run/.test(document.querySelector('.mh-lab').textContent));

    const first = labResult('everything', 62, '2026-12-05T10:00:00.000Z');
    await page.click('.mh-tab-explorer');
    await post(page, { type: 'labResult', result: first, reveal: true });
    await page.waitForSelector('.mh-lab-score');
    assert.equal(await page.getAttribute('vscode-tabs.mh-tabs', 'selected-index'), '2', 'a new result reveals the Lab tab');
    assert.equal(await page.locator('.mh-lab-score').textContent(), '62');
    assert.match(await page.locator('.mh-lab-grade').textContent(), /\/100 · C/);
    // Score by suite: one bar per suite, the skipped one without a fill and with its reason listed.
    assert.deepEqual(await page.locator('.mh-lab-breakdown g').evaluateAll((gs) => gs.map((g) => [g.dataset.suite, g.querySelectorAll('.mh-lab-fill').length])), [['props', 1], ['faults', 0], ['conformance', 1], ['bench', 1]]);
    assert.match(await page.locator('.mh-lab-breakdown').getAttribute('aria-label'), /props 55, faults skipped, conformance 50, bench 85/);
    assert.match(await page.locator('.mh-lab-skips').textContent(), /faults skipped: only stdio servers/);
    // Latency distribution: one column per bucket, heights proportional to the counts.
    const cols = await page.locator('.mh-lab-histogram rect').evaluateAll((rs) => rs.map((r) => [Number(r.dataset.bucketMs), Number(r.dataset.count), Number(r.getAttribute('height'))]));
    assert.deepEqual(cols.map(([ms, n]) => [ms, n]), [[0.5, 10], [1, 60], [2, 25], [4, 4], [8, 1]]);
    const tallest = cols.reduce((a, b) => (b[2] > a[2] ? b : a));
    assert.equal(tallest[0], 1);
    assert.equal(await page.locator('.mh-lab-levels tbody tr').count(), 3);
    assert.match(await page.locator('.mh-lab-noisy').textContent(), /busy/);
    // Conformance: one row per scenario with its first failure (as text), and the scenarios the budget left out.
    assert.deepEqual(await page.locator('.mh-lab-conformance tbody tr').evaluateAll((rs) => rs.map((r) => [r.dataset.scenario, r.dataset.outcome])), [['server-initialize', 'passed'], ['tools-list', 'failed']]);
    assert.match(await page.locator('.mh-lab-conformance tbody tr').nth(1).textContent(), /ToolsList: <i>no tools<\/i>/);
    assert.match(await page.locator('.mh-lab-conformance-skipped').textContent(), /Not run \(the budget ended\): ping, prompts-list\./);
    assert.equal(await page.locator('.mh-lab-cancelled').count(), 0);
    // Findings, worst first, as text (never markup).
    assert.deepEqual(await page.locator('.mh-lab-findings li').evaluateAll((ls) => ls.map((l) => l.dataset.severity)), ['critical', 'major', 'minor', 'info']);
    assert.equal(await page.locator('.mh-lab-findings b').count(), 0);
    assert.match(await page.locator('.mh-lab-findings li').first().textContent(), /props\.crash \(parse\)/);
    await page.screenshot({ path: join(shots, 'lab-tab-light.png') });

    // Save report card → a request with the result's key; the reply's path is announced.
    await page.click('.mh-lab-save');
    const req = await page.waitForFunction(() => window.__posted.find((m) => m.type === 'request' && m.method === 'saveLabReport')).then((h) => h.jsonValue());
    assert.deepEqual(req.params, { key: 'everything@2026-12-05T10:00:00.000Z' });
    await post(page, { type: 'reply', id: req.id, ok: true, result: { path: '/tmp/lab-everything.html' } });
    await page.waitForFunction(() => /Report card saved to \/tmp\/lab-everything\.html/.test(document.querySelector('.mh-notice').textContent));

    // A second result, from a cancelled run, is shown at once and says so; the picker goes back to the first.
    await post(page, { type: 'labResult', result: { ...labResult('memory', 91, '2026-12-05T11:00:00.000Z'), cancelled: true }, reveal: true });
    await page.waitForFunction(() => document.querySelector('.mh-lab-score')?.textContent === '91');
    assert.equal(await page.locator('.mh-lab-cancelled').textContent(), 'cancelled — partial result');
    assert.equal(await page.locator('.mh-lab-pick option').count(), 2);
    assert.match(await page.locator('.mh-lab-pick option').first().textContent(), /memory — 91\/100 \(cancelled\)/);
    // A run the budget cut short says so too (not as cancelled).
    await post(page, { type: 'labResult', result: { ...labResult('memory', 88, '2026-12-05T12:00:00.000Z'), cut_short: { budget_ms: 60000, stopped: ['props'], not_started: ['bench'] } }, reveal: true });
    await page.waitForFunction(() => document.querySelector('.mh-lab-score')?.textContent === '88');
    assert.equal(await page.locator('.mh-lab-cut-short').textContent(), 'cut short by the budget — partial result');
    assert.match(await page.locator('.mh-lab-pick option').first().textContent(), /memory — 88\/100 \(cut short\)/);
    await page.selectOption('.mh-lab-pick', 'everything@2026-12-05T10:00:00.000Z');
    await page.waitForFunction(() => document.querySelector('.mh-lab-score')?.textContent === '62');
    assert.equal(await page.locator('.mh-lab-cut-short').count(), 0);

    // Hide/show rebuilds the page: the Lab tab comes back with the results of the host's init.
    await page.waitForTimeout(300); // setState is debounced
    await page.reload();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    assert.equal(JSON.parse(await page.evaluate(() => sessionStorage.getItem('state'))).tab, 'lab');
    await post(page, { type: 'init', runs: [], capabilities: { saveLabReport: true }, labResults: [first] });
    await page.waitForFunction(() => document.querySelector('.mh-lab-score')?.textContent === '62');
    assert.equal(await page.getAttribute('vscode-tabs.mh-tabs', 'selected-index'), '2');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a panel opened for a lab result starts on the Lab tab (init tab: lab); without it, on the steps', async (browser) => {
    for (const tab of ['lab', undefined]) {
      const { url, init } = vscodeHostPage('lab-host.html', 'light');
      const { page, problems } = await open(browser, url, { init });
      await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
      await page.evaluate(() => sessionStorage.clear());
      await page.evaluate((msg) => window.postMessage(msg, '*'), { type: 'init', runs: [], capabilities: { saveLabReport: true }, labResults: [labResult('everything', 62, '2026-12-05T10:00:00.000Z')], ...(tab ? { tab } : {}) });
      // The init has been handled once the Lab tab's content holds the result (rendered whether shown or not).
      await page.waitForFunction(() => document.querySelector('.mh-lab-score')?.textContent === '62');
      assert.equal(await page.getAttribute('vscode-tabs.mh-tabs', 'selected-index'), tab ? '2' : '0', `init ${tab ? 'with' : 'without'} tab`);
      assert.deepEqual(problems, []);
      await page.close();
    }
  });
}
