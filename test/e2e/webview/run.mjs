// Browser tests of the trace explorer bundle in headless chromium, standalone (no VS Code):
// the self-contained HTML report of fixture traces, a 10 000-step trace, and a page that plays the
// extension host (ready → init → live steps, requests/replies, state across a reload).
// Run: node test/e2e/webview/run.mjs [--no-build] [--grep TEXT]. Screenshots: test/e2e/screenshots/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { agentTests } from './agent.mjs';
import { launch } from './browser.mjs';
import { labTests } from './lab.mjs';
import { generateBigTrace } from '../../fixtures/traces/generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const fixtures = join(repo, 'test', 'fixtures', 'traces');
const shots = join(repo, 'test', 'e2e', 'screenshots');
const args = process.argv.slice(2);
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : undefined;

if (!args.includes('--no-build')) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'mh-webview-e2e-'));

function report(inputs, out) {
  execFileSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'report', ...inputs, '--html', out], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  return pathToFileURL(out).href;
}

/** Opens a page, collecting console errors and CSP violations (both fail the test). */
async function open(browser, url, { colorScheme = 'light', init } = {}) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.emulateMedia({ colorScheme });
  if (init) await page.addInitScript(init);
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
  await page.goto(url);
  return { page, problems };
}

// :visible, not :not([hidden]) — a pooled row hidden by attribute but shown by CSS must fail the test.
const rowsIn = (page) => page.locator('.mh-grid-body .mh-grid-row:visible');
const selectValue = (page, selector, value) =>
  page.evaluate(([sel, v]) => {
    const el = document.querySelector(sel);
    el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [selector, value]);

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('report of every decision: header, rows, labels, detail, filters, keyboard, screenshots', async (browser) => {
  const url = report([join(fixtures, 'two-runs.jsonl')], join(work, 'every.html'));
  for (const scheme of ['light', 'dark']) {
    const { page, problems } = await open(browser, url, { colorScheme: scheme });
    await page.waitForSelector('.mh-grid-body .mh-grid-row');
    assert.equal(await page.locator('.mh-title').textContent(), 'every decision');
    assert.equal(await page.getAttribute('body', 'data-mh-theme'), scheme);
    assert.match(await page.locator('.mh-header').textContent(), /failed/i);
    // A session's model only prices the estimates: said so, with the tooltip; "Model" is kept for an agent's.
    assert.match(await page.locator('.mh-meta').textContent(), /Priced as\s*claude-sonnet-4/);
    assert.doesNotMatch(await page.locator('.mh-meta').textContent(), /Model /);
    assert.match(await page.locator('.mh-stats').textContent(), /1,494\s*Saved by code mode/);
    assert.equal(await rowsIn(page).count(), 13);
    const labels = await page.locator('.mh-grid-body .mh-dec').allTextContents();
    for (const l of ['OK', 'Denied · schema', 'Denied · policy', 'Denied · guardrail', 'Dry run', 'Error', 'Timeout', 'Cancelled']) assert.ok(labels.includes(l), `table shows ${l}`);
    assert.equal(await page.locator('.mh-legend li').count(), 8);
    assert.ok((await page.locator('.mh-lane:not([hidden])').count()) >= 9, 'timeline lanes');
    // Detail of the guardrail denial: guard chain and findings by kind and place, never values.
    await page.click('.mh-grid-body .mh-grid-row[data-step-id="s4"]');
    const detail = page.locator('.mh-detail');
    assert.equal(await page.locator('.mh-detail-title').textContent(), 'filesystem/read_file');
    assert.equal(await detail.locator('.mh-stage').count(), 6);
    assert.equal(await detail.locator('.mh-stage[data-stage="guardrails"] .mh-dec').textContent(), 'Denied · guardrail');
    assert.deepEqual(await detail.locator('.mh-findings tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.kind)), ['secret.aws_access_key', 'pii.email']);
    assert.match(await detail.locator('.mh-findings').textContent(), /\$\.content\[0\]\.text/);
    assert.equal(await page.locator('.mh-lane.mh-selected').getAttribute('data-step-id'), 's4', 'timeline follows the selection');
    if (scheme === 'light') {
      // Schema errors with JSON paths, the policy rule, a code step's children.
      await page.click('.mh-grid-body .mh-grid-row[data-step-id="s2"]');
      assert.deepEqual(await detail.locator('.mh-schema-errors code').allTextContents(), ['$.a', '$.c']);
      await page.click('.mh-grid-body .mh-grid-row[data-step-id="s3"]');
      assert.match(await detail.locator('.mh-stage-rule').textContent(), /deny: filesystem\/write_\*/);
      await page.click('.mh-grid-body .mh-grid-row[data-step-id="c1"]');
      assert.equal(await detail.locator('.mh-children li').count(), 3);
      assert.match(await detail.textContent(), /1,500 → 6 \(saved 1,494\)/);
      await detail.locator('.mh-children .mh-link').nth(1).click();
      assert.equal(await page.locator('.mh-grid-row.mh-selected').getAttribute('data-step-id'), 'c1.2');
      // Keyboard: Home, arrows, Enter opens the detail.
      await page.focus('.mh-grid-body');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.locator('.mh-grid-row[aria-selected="true"]').getAttribute('data-step-id'), 's3');
      assert.equal(await page.getAttribute('.mh-grid-body', 'aria-activedescendant'), await page.locator('.mh-grid-row[aria-selected="true"]').getAttribute('id'));
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'mh-detail-title');
      assert.equal(await page.locator('.mh-detail-title').textContent(), 'filesystem/write_file');
      // Sorting by latency, descending: the timeout first.
      await page.click('[aria-colindex="7"] .mh-sort');
      await page.click('[aria-colindex="7"] .mh-sort');
      assert.equal(await page.getAttribute('[role="columnheader"][aria-colindex="7"]', 'aria-sort'), 'descending');
      assert.equal(await rowsIn(page).first().getAttribute('data-decision'), 'timeout');
      await page.click('[aria-colindex="1"] .mh-sort');
      // Filters: decision (children keep their code step), text, clear.
      await selectValue(page, '.mh-filter-decision', 'denied_policy');
      await page.waitForFunction(() => document.querySelectorAll('.mh-grid-body .mh-grid-row:not([hidden])').length === 3);
      assert.deepEqual(await rowsIn(page).evaluateAll((r) => r.map((x) => x.dataset.stepId).sort()), ['c1', 'c1.2', 's3']);
      assert.match(await page.locator('.mh-count').textContent(), /3 of 13 steps/);
      await page.click('.mh-clear-filters');
      await page.locator('.mh-filter-text').click();
      await page.keyboard.type('read_file');
      await page.waitForFunction(() => document.querySelectorAll('.mh-grid-body .mh-grid-row:not([hidden])').length === 1);
      await page.click('.mh-clear-filters');
      await selectValue(page, '.mh-filter-server', 'filesystem');
      await page.waitForFunction(() => document.querySelectorAll('.mh-grid-body .mh-grid-row:not([hidden])').length === 5);
      assert.deepEqual(await rowsIn(page).evaluateAll((r) => r.map((x) => x.dataset.stepId).sort()), ['c1', 'c1.2', 's3', 's4', 's5']);
      await page.click('.mh-clear-filters');
      // Timeline: zoom in changes the window; keyboard on lanes selects.
      const before = await page.locator('.mh-tl-zoom').textContent();
      await page.click('.mh-tl-btn[title^="Zoom in"]');
      await page.waitForFunction((b) => document.querySelector('.mh-tl-zoom').textContent !== b, before);
      await page.focus('.mh-tl-viewport');
      await page.keyboard.press('0');
      await page.keyboard.press('ArrowDown');
      assert.ok(await page.locator('.mh-lane.mh-selected').count());
      await page.click('.mh-grid-body .mh-grid-row[data-step-id="s4"]');
    }
    await page.screenshot({ path: join(shots, `trace-panel-${scheme}.png`) });
    // Metrics tab.
    await page.click('.mh-tab-metrics');
    await page.waitForSelector('.mh-tool-metrics tbody tr');
    assert.equal(await page.locator('.mh-tool-metrics tbody tr').count(), 9);
    assert.equal(await page.locator('.mh-session-metrics tbody tr').count(), 2);
    assert.ok(await page.locator('.mh-tool-metrics svg.mh-spark').count());
    await page.screenshot({ path: join(shots, `trace-metrics-${scheme}.png`) });
    // The run picker switches runs.
    await page.click('.mh-tab-explorer');
    await selectValue(page, '.mh-run-picker', 'sess-small');
    await page.waitForFunction(() => document.querySelector('.mh-title')?.textContent === 'small passing run');
    assert.equal(await rowsIn(page).count(), 4);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('what a server asked during a step (sampling, elicitation) is listed as that step\'s children', async (browser) => {
  const url = report([join(fixtures, 'client-children.jsonl')], join(work, 'client.html'));
  const { page, problems } = await open(browser, url);
  await page.waitForSelector('.mh-grid-body .mh-grid-row');
  await page.click('.mh-grid-body .mh-grid-row[data-step-id="sample"]');
  const detail = page.locator('.mh-detail');
  assert.equal(await detail.locator('vscode-collapsible[title="Requests from the server during this step (1)"]').count(), 1);
  const links = await detail.locator('.mh-children .mh-link').allTextContents();
  assert.equal(links.length, 1);
  assert.match(links[0], /ui\/sampling\/createMessage$/);
  await detail.locator('.mh-children .mh-link').first().click();
  assert.equal(await page.locator('.mh-grid-row.mh-selected').getAttribute('data-step-id'), 'sample.sampling.1');
  await page.click('.mh-grid-body .mh-grid-row[data-step-id="form"]');
  assert.match((await detail.locator('.mh-children .mh-link').allTextContents()).join(), /ui\/elicitation\/create$/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a server\'s log records: rows of the table, counted apart from the steps in the totals and the count', async (browser) => {
  const lines = readFileSync(join(fixtures, 'every-decision.jsonl'), 'utf8').trim().split('\n');
  const log = (n, level) => JSON.stringify({ type: 'step', session_id: 'sess-every-decision', step_id: `log-${n}`, kind: 'log', role: 'tool', channel: 'tool_to_llm', server: 'everything', tool: 'notifications/message', level, decision: 'ok', reasons: [], stages: [], output: { level, data: `log line ${n}` }, started_at: '2026-11-20T10:00:01.000Z', latency_ms: 4000, tokens_in: 0, tokens_out: 0, cost_est: 0, findings: [] });
  const file = join(work, 'with-logs.jsonl');
  writeFileSync(file, [...lines.slice(0, -1), log(1, 'info'), log(2, 'error'), lines.at(-1)].join('\n') + '\n');
  const { page, problems } = await open(browser, report([file], join(work, 'with-logs.html')));
  await page.waitForSelector('.mh-grid-body .mh-grid-row');
  const stats = await page.locator('.mh-stats').textContent();
  assert.match(stats, /13\s*Steps/);
  assert.match(stats, /2\s*Server logs · not steps/);
  assert.equal(await page.locator('.mh-count').textContent(), '13 steps + 2 logs');
  assert.equal(await rowsIn(page).count(), 15, 'the log records are rows of the table');
  await page.click('.mh-tab-metrics');
  await page.waitForSelector('.mh-tool-metrics');
  assert.ok(!(await page.locator('.mh-tool-metrics').textContent()).includes('notifications/message'), 'a log record is not a tool call');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a narrow panel: each decision pill stays inside its column, cut with an ellipsis, the whole label in the tooltip', async (browser) => {
  const url = report([join(fixtures, 'two-runs.jsonl')], join(work, 'narrow.html'));
  const { page, problems } = await open(browser, url);
  await page.setViewportSize({ width: 820, height: 1000 });
  await page.waitForSelector('.mh-grid-body .mh-grid-row');
  const cells = await page.locator('.mh-grid-body .mh-grid-row:visible .mh-dec').evaluateAll((els) =>
    els.map((pill) => {
      const cell = pill.parentElement;
      const text = pill.querySelector('.mh-dec-text');
      return {
        label: pill.textContent,
        title: cell.title,
        overflows: pill.getBoundingClientRect().right > cell.getBoundingClientRect().right + 0.5,
        cut: text.scrollWidth > text.clientWidth,
        ellipsis: getComputedStyle(text).textOverflow,
      };
    }));
  assert.ok(cells.length >= 8, `decision pills shown: ${cells.length}`);
  for (const c of cells) {
    assert.equal(c.title, c.label, 'the cell\'s tooltip is the whole label');
    assert.equal(c.overflows, false, `"${c.label}" stays inside its column`);
    assert.equal(c.ellipsis, 'ellipsis');
  }
  assert.ok(cells.some((c) => c.label === 'Denied · guardrail' && c.cut), 'the longest label is cut at this width (else the test shows nothing)');
  assert.deepEqual(problems, []);
  await page.close();
});

test('malformed and truncated traces: the good runs plus a clear message about the bad lines', async (browser) => {
  const url = report([join(fixtures, 'truncated.jsonl'), join(fixtures, 'malformed.jsonl')], join(work, 'bad.html'));
  const { page, problems } = await open(browser, url);
  await page.waitForSelector('.mh-banner:not([hidden])');
  const banner = await page.locator('.mh-banner').textContent();
  assert.match(banner, /6 lines of the trace could not be read; the rest is shown/);
  assert.match(banner, /truncated\.jsonl:7: the last line is cut off/);
  assert.match(banner, /malformed\.jsonl:3: not valid JSON/);
  assert.equal(await rowsIn(page).count(), 5);
  await page.screenshot({ path: join(shots, 'trace-bad-lines-light.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('10 000 steps: the table and the timeline render only what is in view', async (browser) => {
  const trace = join(work, 'big.jsonl');
  writeFileSync(trace, generateBigTrace(10_000));
  const url = report([trace], join(work, 'big.html'));
  const { page, problems } = await open(browser, url);
  await page.waitForSelector('.mh-grid-body .mh-grid-row');
  // The first screen paints from the first block; the other 9 800 steps follow after the first frame.
  await page.waitForFunction(() => document.querySelector('.mh-count')?.textContent === '10,000 steps');
  const domRows = await page.locator('.mh-grid-body .mh-grid-row').count();
  const lanes = await page.locator('.mh-lane').count();
  assert.ok(domRows < 100, `table keeps ${domRows} rows in the DOM`);
  assert.ok(lanes < 100, `timeline keeps ${lanes} lanes in the DOM`);
  assert.equal(await page.getAttribute('.mh-grid', 'aria-rowcount'), '10001');
  await page.focus('.mh-grid-body');
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('.mh-grid-row[aria-selected="true"]')?.getAttribute('aria-rowindex') === '10001');
  assert.ok((await page.locator('.mh-grid-body .mh-grid-row').count()) < 100);
  await selectValue(page, '.mh-filter-decision', 'timeout');
  await page.waitForFunction(() => /of 10,000 steps/.test(document.querySelector('.mh-count').textContent));
  await page.screenshot({ path: join(shots, 'trace-10k-light.png') });
  // Sorting covers every step, the last block's too: "#" descending starts with the trace's last step.
  await selectValue(page, '.mh-filter-decision', '');
  await page.waitForFunction(() => document.querySelector('.mh-count').textContent === '10,000 steps');
  const lastStepId = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step').pop().step_id;
  await page.click('.mh-grid-head [aria-colindex="1"] .mh-sort');
  await page.evaluate(() => (document.querySelector('.mh-grid-body').scrollTop = 0));
  await page.waitForFunction((id) => document.querySelector('.mh-grid-body .mh-grid-row[aria-rowindex="2"]')?.getAttribute('data-step-id') === id, lastStepId);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a report whose later block is damaged shows the steps read before it and says so', async (browser) => {
  const trace = join(work, 'mid.jsonl');
  writeFileSync(trace, generateBigTrace(3_000, 'sess-mid'));
  const file = join(work, 'mid.html');
  report([trace], file);
  const html = readFileSync(file, 'utf8');
  const damaged = html.replace(/(<script type="application\/json" id="mcp-harness-data-2">)[\s\S]*?(<\/script>)/, '$1{"sessionId": "sess-mid", "steps": [$2');
  assert.notEqual(damaged, html, 'the report has a second further block');
  writeFileSync(file, damaged);
  const { page, problems } = await open(browser, pathToFileURL(file).href);
  await page.waitForFunction(() => /could not be read/.test(document.querySelector('.mh-notice')?.textContent ?? ''));
  assert.match(await page.locator('.mh-notice').textContent(), /Some steps of this report could not be read \(.*\); the table shows the steps read before it\. Export the report again\./);
  await page.waitForFunction(() => document.querySelector('.mh-count')?.textContent === '2,200 steps');
  assert.deepEqual(problems, []);
  await page.close();
});

/**
 * A page that loads the webview bundle under a webview-like CSP, and an init script that plays
 * acquireVsCodeApi: it records posted messages and keeps setState in sessionStorage (as VS Code keeps it
 * across hide/show).
 */
function vscodeHostPage(name, theme) {
  const file = join(work, name);
  writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src file:; style-src 'nonce-abc'; img-src data:; media-src data:"><style nonce="abc">html,body{margin:0;height:100%}</style></head><body class="vscode-${theme}" data-mh-theme="${theme}"><div id="mcp-harness-root"></div><script src="${pathToFileURL(join(repo, 'dist', 'webview.js')).href}"></script></body></html>`);
  const init = () => {
    window.__posted = [];
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(m),
      getState: () => JSON.parse(sessionStorage.getItem('state') || 'null') ?? undefined,
      setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
    });
  };
  return { url: pathToFileURL(file).href, init };
}

test('as a VS Code webview: ready → init, live steps keep selection and scroll, requests, state across reload', async (browser) => {
  const { url: hostUrl, init } = vscodeHostPage('host.html', 'dark');
  const every = readFileSync(join(fixtures, 'every-decision.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const header = every[0];
  const steps = every.filter((l) => l.type === 'step');
  const end = every[every.length - 1];
  const post = (page, m) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
  const themeVars = readFileSync(join(repo, 'webview', 'themes.css'), 'utf8');
  const { page, problems } = await open(browser, hostUrl, { init });
  // The host page has no theme variables of its own here; give it VS Code's dark ones.
  await page.evaluate((css) => { const s = new CSSStyleSheet(); s.replaceSync(css); document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; }, themeVars);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  assert.match(await page.locator('.mh-header').textContent(), /Waiting for the trace/);
  await post(page, { type: 'init', runs: [], capabilities: { exportReport: true, rerun: true, revealTraceFile: true, openFile: true } });
  await post(page, { type: 'runStarted', run: { id: header.session_id, header, steps: steps.slice(0, 5) } });
  await page.waitForFunction(() => document.querySelectorAll('.mh-grid-body .mh-grid-row:not([hidden])').length === 5);
  assert.match(await page.locator('.mh-status').textContent(), /running/);
  await page.click('.mh-grid-body .mh-grid-row[data-step-id="s2"]');
  assert.deepEqual((await page.evaluate(() => window.__posted)).filter((m) => m.type === 'selectStep').pop(), { type: 'selectStep', sessionId: header.session_id, stepId: 's2' });
  // Live: more steps (one repeated) stream in; the selection stays.
  await post(page, { type: 'appendSteps', sessionId: header.session_id, steps: steps.slice(4, 9) });
  await post(page, { type: 'appendSteps', sessionId: header.session_id, steps: steps.slice(9) });
  await page.waitForFunction(() => document.querySelectorAll('.mh-grid-body .mh-grid-row:not([hidden])').length === 13);
  assert.equal(await page.locator('.mh-grid-row.mh-selected').getAttribute('data-step-id'), 's2');
  assert.equal(await page.locator('.mh-detail-title').textContent(), 'everything/add');
  await page.click('.mh-meta .mh-link');
  assert.deepEqual((await page.evaluate(() => window.__posted)).filter((m) => m.type === 'openFile').pop(), { type: 'openFile', path: 'sessions/every.mcp-session.json' });
  await post(page, { type: 'runEnded', end });
  await page.waitForFunction(() => /failed/i.test(document.querySelector('.mh-status').textContent));
  // Requests: export → reply; rerun → error reply shown as a notice.
  await page.click('.mh-export');
  const req = await page.waitForFunction(() => window.__posted.find((m) => m.type === 'request' && m.method === 'exportReport')).then((h) => h.jsonValue());
  assert.deepEqual(req.params, { format: 'html', sessionIds: [header.session_id] });
  await post(page, { type: 'reply', id: req.id, ok: true, result: { path: '/tmp/report.html' } });
  await page.waitForFunction(() => /Report written to \/tmp\/report\.html/.test(document.querySelector('.mh-notice').textContent));
  await page.click('.mh-rerun');
  const rr = await page.waitForFunction(() => window.__posted.find((m) => m.type === 'request' && m.method === 'rerun')).then((h) => h.jsonValue());
  await post(page, { type: 'reply', id: rr.id, ok: false, error: 'The session file was deleted.' });
  await page.waitForFunction(() => /The session file was deleted/.test(document.querySelector('.mh-notice').textContent));
  await selectValue(page, '.mh-filter-server', 'everything');
  await page.waitForTimeout(300); // setState is debounced
  await page.screenshot({ path: join(shots, 'trace-panel-live-dark.png') });
  // Hide/show = the page is rebuilt; the state comes back, the host sends init again after ready.
  await page.reload();
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('state')));
  assert.equal(state.selectedRunId, header.session_id);
  assert.equal(state.selectedStepId, 's2');
  assert.equal(state.filters.server, 'everything');
  await post(page, { type: 'init', runs: [{ id: header.session_id, header, steps, end }], selectedRunId: state.selectedRunId });
  await page.waitForSelector('.mh-grid-row.mh-selected');
  assert.equal(await page.locator('.mh-grid-row.mh-selected').getAttribute('data-step-id'), 's2');
  assert.match(await page.locator('.mh-count').textContent(), /9 of 13 steps/);
  assert.equal(await rowsIn(page).count(), 9, 'the restored server filter applies');
  assert.deepEqual(problems, []);
  await page.close();
});

test('tool-result content: image thumbnail, audio player, resource link and embedded resources; Open resource posts to the host', async (browser) => {
  const lines = readFileSync(join(fixtures, 'client-content.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const header = lines[0];
  const steps = lines.filter((l) => l.type === 'step');
  const media = steps[0].output.content;
  // As a VS Code webview (the host can open resources).
  const { url: hostUrl, init } = vscodeHostPage('content.html', 'light');
  const { page, problems } = await open(browser, hostUrl, { init });
  const themeVars = readFileSync(join(repo, 'webview', 'themes.css'), 'utf8');
  await page.evaluate((css) => { const s = new CSSStyleSheet(); s.replaceSync(css); document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; }, themeVars);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await page.evaluate((msg) => window.postMessage(msg, '*'), { type: 'init', runs: [{ id: header.session_id, header, steps, end: lines.at(-1) }], selectedRunId: header.session_id, capabilities: { openResource: true } });
  await page.waitForSelector('.mh-grid-body .mh-grid-row[data-step-id="media"]');
  await page.click('.mh-grid-body .mh-grid-row[data-step-id="media"]');
  const detail = page.locator('.mh-detail');
  assert.equal(await detail.locator('vscode-collapsible[title="Result content (7 items)"]').count(), 1);
  assert.deepEqual(await detail.locator('.mh-content-item').evaluateAll((els) => els.map((e) => e.dataset.type)), ['text', 'image', 'image', 'audio', 'resource_link', 'resource', 'resource']);
  // The recorded image is a data: URL thumbnail that decodes; the one kept out of the trace is its placeholder.
  const img = detail.locator('.mh-content-item[data-index="1"] img.mh-content-image');
  assert.equal(await img.getAttribute('src'), `data:image/png;base64,${media[1].data}`);
  await page.waitForFunction(() => document.querySelector('.mh-content-image')?.complete);
  assert.equal(await img.evaluate((el) => el.naturalWidth), 4, 'the thumbnail decoded');
  assert.equal(await detail.locator('.mh-content-item[data-index="2"] img').count(), 0);
  assert.equal(await detail.locator('.mh-content-item[data-index="2"] .mh-content-placeholder').textContent(), '[48213 bytes of image/png not stored in the trace]');
  const audio = detail.locator('.mh-content-item[data-index="3"] audio.mh-content-audio');
  assert.equal(await audio.getAttribute('src'), `data:audio/wav;base64,${media[3].data}`);
  assert.equal(await audio.getAttribute('controls'), '');
  await page.waitForFunction(() => document.querySelector('audio.mh-content-audio').readyState >= 1);
  assert.ok((await audio.evaluate((el) => el.duration)) > 0, 'the audio loaded under the CSP');
  // Resource link and embedded resources.
  const link = detail.locator('.mh-content-item[data-index="4"]');
  assert.match(await link.textContent(), /architecture\.md/);
  assert.match(await link.textContent(), /The architecture notes/);
  assert.equal(await detail.locator('.mh-content-item[data-index="5"] .mh-content-resource-text').textContent(), '# Features\nEmbedded text.');
  assert.match(await detail.locator('.mh-content-item[data-index="6"]').textContent(), /8 bytes of binary content/);
  await link.locator('.mh-open-resource').click();
  assert.deepEqual((await page.evaluate(() => window.__posted)).filter((m) => m.type === 'openResource').pop(), { type: 'openResource', server: 'everything', uri: 'demo://resource/static/document/architecture.md' });
  await detail.locator('.mh-content-item[data-index="6"] .mh-open-resource').click();
  assert.deepEqual((await page.evaluate(() => window.__posted)).filter((m) => m.type === 'openResource').pop(), { type: 'openResource', server: 'everything', uri: 'demo://resource/dynamic/blob/2' });
  await img.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'trace-content-light.png') });
  // A text-only result has no content section (its text is in Output).
  await page.click('.mh-grid-body .mh-grid-row[data-step-id="plain"]');
  assert.equal(await detail.locator('.mh-content').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
  // In a saved HTML report nothing can be opened: no Open resource buttons, the media still show.
  const report_ = await open(browser, report([join(fixtures, 'client-content.jsonl')], join(work, 'content-report.html')));
  await report_.page.waitForSelector('.mh-grid-body .mh-grid-row[data-step-id="media"]');
  await report_.page.click('.mh-grid-body .mh-grid-row[data-step-id="media"]');
  assert.equal(await report_.page.locator('.mh-content-image').count(), 1);
  assert.equal(await report_.page.locator('audio.mh-content-audio').count(), 1);
  assert.equal(await report_.page.locator('.mh-open-resource').count(), 0);
  assert.deepEqual(report_.problems, []);
  await report_.page.close();
});

labTests(test, { open, vscodeHostPage, shots });
agentTests({ test, open, report, repo, work, shots });

let failed = 0;
let passed = 0;
const browser = await launch();
try {
  for (const t of tests) {
    if (grep && !t.name.includes(grep)) continue;
    const started = Date.now();
    try {
      await t.fn(browser);
      passed++;
      console.log(`  ✔ ${t.name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✘ ${t.name}\n${String(err?.stack ?? err).replace(/^/gm, '      ')}`);
    }
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
// The plain closing line CI reads: 'N passed, N failed'.
console.log(`webview: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
