// Browser tests of the trace explorer's agent parts on real agent traces: `mcp-harness agent --mode both`
// against the scripted model server and the real memory server writes the pair; the HTML report of it
// shows the A/B view and per-turn token bars, a report of one run shows its token bar alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedModel } from '../../fixtures/models/scripted-server.mjs';

const SCRIPT = [
  { reasoning: 'Read the graph first, then search it.', toolCalls: [{ name: 'memory__read_graph', arguments: {} }], usage: { input: 3000, output: 40 } },
  { toolCalls: [{ name: 'memory__search_nodes', arguments: { query: 'tea' } }], usage: { input: 3400, output: 30 } },
  { text: 'direct done', usage: { input: 3600, output: 10 } },
  { toolCalls: [{ name: 'run_code', arguments: { code: 'return Object.keys(await tools.memory.read_graph({}));' } }], usage: { input: 400, output: 50 } },
  { text: 'code done', usage: { input: 500, output: 8 } },
];

/** Runs the A/B pair once; returns the trace files, direct first. */
async function writeAgentPair({ repo, work }) {
  const ws = join(work, 'agent-ws');
  const traces = join(ws, 'traces');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  const memory = join(repo, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
  writeFileSync(join(ws, '.vscode', 'mcp.json'), JSON.stringify({ servers: { memory: { type: 'stdio', command: process.execPath, args: [memory], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } } } }));
  const model = await startScriptedModel(SCRIPT);
  try {
    // Asynchronously: the scripted model answers from this process's event loop.
    await promisify(execFile)(process.execPath, [join(repo, 'dist', 'cli.js'), 'agent', '--goal', 'Summarise the graph', '--mode', 'both', '--base-url', model.openaiURL, '--servers', 'memory', '--yes', '--workspace', ws, '--trace-dir', traces, '--report', join(work, 'ab.json')], {
      cwd: ws,
      env: { ...process.env, OPENAI_API_KEY: '' },
      timeout: 120_000,
    });
  } finally {
    await model.close();
  }
  // Direct first. Names start with the start second, so when both runs start in the same second
  // 'agent-code-…' sorts before 'agent-direct-…': order by mode, not by name alone.
  const files = readdirSync(traces).filter((f) => f.endsWith('.jsonl')).sort().sort((a, b) => Number(/-agent-code-/.test(a)) - Number(/-agent-code-/.test(b))).map((f) => join(traces, f));
  assert.equal(files.length, 2, `two traces, got ${files.join(', ')}`);
  return files;
}

const widthOf = (locator) => locator.evaluate((el) => parseFloat(el.style.width));

export function agentTests({ test, open, report, repo, work, shots }) {
  let pair;
  const traces = async () => (pair ??= await writeAgentPair({ repo, work }));

  test('agent A/B view: a --mode both pair side by side, figures, per-turn token bars on one scale, reasoning', async (browser) => {
    const url = report(await traces(), join(work, 'agent-ab.html'));
    const { page, problems } = await open(browser, url);
    await page.waitForSelector('.mh-ab');
    // An agent's model took part: named as the model, not as the prices the estimates use.
    assert.match(await page.locator('.mh-meta').textContent(), /Model\s*\S/);
    assert.doesNotMatch(await page.locator('.mh-meta').textContent(), /Priced as/);
    const cell = (mode, key) => page.locator(`.mh-ab-col[data-mode="${mode}"] tr[data-key="${key}"] td`).textContent();
    assert.deepEqual([await cell('direct', 'turns'), await cell('code', 'turns')], ['3', '2']);
    assert.deepEqual([await cell('direct', 'tokens-in'), await cell('code', 'tokens-in')], ['10,000', '900']);
    assert.deepEqual([await cell('direct', 'tool-calls'), await cell('code', 'tool-calls')], ['2', '1']);
    assert.deepEqual([await cell('direct', 'outcome'), await cell('code', 'outcome')], ['passed', 'passed']);
    assert.equal(await page.locator('.mh-ab-saved').textContent(), 'Code mode read 91.0 % fewer input tokens');
    const directTurns = page.locator('.mh-ab-col[data-mode="direct"] .mh-token-turn');
    const codeTurns = page.locator('.mh-ab-col[data-mode="code"] .mh-token-turn');
    assert.equal(await directTurns.count(), 3);
    assert.equal(await codeTurns.count(), 2);
    assert.equal(await directTurns.nth(0).getAttribute('title'), 'Turn 1: 3,000 input tokens, 40 output tokens, 1 tool call, with a reasoning summary');
    // One scale for both sides: the largest turn (direct turn 3, 3,610 tokens) fills the track.
    const d1 = await widthOf(directTurns.nth(0).locator('.mh-tok-in'));
    const d3 = await widthOf(directTurns.nth(2).locator('.mh-tok-in'));
    const c1 = await widthOf(codeTurns.nth(0).locator('.mh-tok-in'));
    assert.ok(Math.abs(d1 - (3000 / 3610) * 100) < 0.1, `direct turn 1 input width ${d1}`);
    assert.ok(Math.abs(d3 - (3600 / 3610) * 100) < 0.1, `direct turn 3 input width ${d3}`);
    assert.ok(Math.abs(c1 - (400 / 3610) * 100) < 0.1, `code turn 1 input width ${c1}`);
    const shownMode = await page.locator('.mh-ab-col.mh-ab-shown').getAttribute('data-mode');
    // Another run's bar opens that run at that turn; the reasoning summary shows in its detail.
    if (shownMode !== 'direct') await page.locator('.mh-ab-col[data-mode="direct"] .mh-ab-open').click();
    await page.waitForSelector('.mh-ab-col.mh-ab-shown[data-mode="direct"]');
    assert.match(await page.locator('.mh-title').textContent(), /^agent \(direct\)/);
    await page.locator('.mh-ab-col[data-mode="direct"] .mh-token-turn').nth(0).click();
    await page.waitForSelector('.mh-reasoning');
    assert.equal(await page.locator('.mh-reasoning').textContent(), 'Read the graph first, then search it.');
    assert.equal(await page.locator('.mh-ab-col[data-mode="direct"] .mh-token-turn.mh-selected').getAttribute('data-step-id'), 'turn-1');
    assert.equal(await page.locator('.mh-lane.mh-selected').getAttribute('data-step-id'), 'turn-1', 'the timeline follows the token bar');
    await page.screenshot({ path: join(shots, 'trace-agent-ab-light.png') });
    await page.locator('.mh-ab-col[data-mode="code"] .mh-ab-open').click();
    await page.waitForSelector('.mh-ab-col.mh-ab-shown[data-mode="code"]');
    assert.match(await page.locator('.mh-title').textContent(), /^agent \(code\)/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('agent token bar: one run alone shows its per-turn input and output tokens, no A/B view', async (browser) => {
    const [direct] = await traces();
    const { page, problems } = await open(browser, report([direct], join(work, 'agent-one.html')), { colorScheme: 'dark' });
    await page.waitForSelector('.mh-token-bar');
    assert.equal(await page.locator('.mh-ab').count(), 0);
    const turns = page.locator('.mh-token-bar .mh-token-turn');
    assert.deepEqual(await turns.evaluateAll((els) => els.map((e) => [e.dataset.stepId, e.dataset.tokensIn, e.dataset.tokensOut])), [
      ['turn-1', '3000', '40'],
      ['turn-2', '3400', '30'],
      ['turn-3', '3600', '10'],
    ]);
    assert.equal(await turns.nth(1).locator('.mh-tok-num').textContent(), '3,400 / 30');
    const out1 = await widthOf(turns.nth(0).locator('.mh-tok-out'));
    assert.ok(Math.abs(out1 - (40 / 3610) * 100) < 0.1, `turn 1 output width ${out1}`);
    await turns.nth(1).click();
    assert.equal(await page.locator('.mh-grid-row.mh-selected').getAttribute('data-step-id'), 'turn-2', 'the table follows the token bar');
    await page.screenshot({ path: join(shots, 'trace-agent-tokens-dark.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });
}
