// The trace explorer inside the real workbench: the Sessions view lists runs (one written by the CLI,
// one run from the palette), "Open in Trace Panel" opens the webview, and the panel's DOM (inside the
// webview's nested iframes) shows every step with its decision label. Screenshots in light and dark.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/host.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ALL_LABELS = ['OK', 'Denied · schema', 'Denied · policy', 'Denied · guardrail', 'Dry run', 'Error', 'Timeout', 'Cancelled'];

function dropCliTrace(wb) {
  const dir = join(wb.folder, '.mcp-harness', 'traces');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(repoRoot, 'test', 'fixtures', 'traces', 'every-decision.jsonl'), join(dir, '20261120-100000Z-every-decision-sess-eve.jsonl'));
}

async function sessionsPane(wb) {
  await wb.openViewContainer('MCP Harness');
  const pane = wb.viewPane('Sessions');
  await pane.waitFor({ state: 'visible', timeout: 30_000 });
  // Expand the pane if it is collapsed below Servers.
  const header = pane.locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return pane;
}

async function openRunInPanel(wb, pane, name) {
  const row = pane.locator('.monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  await row.hover();
  await row.locator('.action-label[aria-label^="Open in Trace Panel"]').first().click();
  await wb.page.locator('.tab', { hasText: 'MCP Trace' }).first().waitFor({ state: 'visible', timeout: 30_000 });
}

/** The panel's frame once it shows the run `title`. */
async function panelFrame(wb, title) {
  const { frame } = await wb.findInFrames('.mh-title', { text: title, timeoutMs: 60_000 });
  return frame;
}

async function decisionLabels(frame) {
  return frame.locator('.mh-grid-body .mh-dec').allTextContents();
}

export default [
  {
    name: 'trace panel (light): a CLI trace in the Sessions view opens with every decision',
    workspace: 'test/fixtures/workspaces/harness',
    settings: { 'workbench.colorTheme': 'Default Light Modern' },
    async run(wb, t) {
      dropCliTrace(wb);
      const pane = await sessionsPane(wb);
      const rowText = await pane.locator('.monaco-list-row', { hasText: 'every decision' }).first().innerText({ timeout: 60_000 });
      assert.match(rowText, /every decision/);
      assert.match(rowText, /10 steps/, `run row: ${rowText}`); // top-level steps; the code step's 3 calls are its children
      await openRunInPanel(wb, pane, 'every decision');
      const frame = await panelFrame(wb, 'every decision');
      await frame.locator('.mh-grid-body .mh-grid-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      // The table is virtualised: the count line says how many rows there are, the legend names every decision.
      assert.match(await frame.locator('.mh-count').textContent(), /^13 steps$/);
      const legend = await frame.locator('.mh-legend li').allTextContents();
      for (const l of ALL_LABELS) assert.ok(legend.some((x) => x.startsWith(l)), `the legend shows "${l}" (${legend.join(', ')})`);
      const labels = await decisionLabels(frame);
      assert.deepEqual(labels.slice(0, 4), ['OK', 'Denied · schema', 'Denied · policy', 'Denied · guardrail']);
      assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-light')), 'the webview gets VS Code\'s light theme class');
      await sleep(500);
      const file = await wb.screenshot('workbench-trace-panel-light');
      t.log(`screenshot ${file}; labels ${[...new Set(labels)].join(', ')}`);

      // Select a step, then reload the window: the serializer restores the panel from disk and the
      // webview gets its selection back.
      await frame.locator('.mh-grid-body .mh-grid-row[data-step-id="s3"]').first().click();
      await frame.locator('.mh-detail-title', { hasText: 'filesystem/write_file' }).first().waitFor({ timeout: 10_000 });
      await sleep(1000); // the webview saves its state debounced
      await wb.reloadWindow();
      const restored = await panelFrame(wb, 'every decision');
      await restored.locator('.mh-count', { hasText: '13 steps' }).first().waitFor({ timeout: 30_000 });
      assert.equal(await wb.page.locator('.tab', { hasText: 'MCP Trace' }).count(), 1, 'one restored panel');
      await restored.locator('.mh-grid-row[aria-selected="true"][data-step-id="s3"]').first().waitFor({ timeout: 30_000 });
      await restored.locator('.mh-detail-title', { hasText: 'filesystem/write_file' }).first().waitFor({ timeout: 10_000 });
      t.log('panel restored after the reload with step s3 selected');
    },
  },
  {
    name: 'trace panel (dark): Run Session from the palette shows up in the Sessions view and opens in the panel',
    workspace: 'test/fixtures/workspaces/harness',
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    async run(wb, t) {
      dropCliTrace(wb);
      await wb.runCommand('MCP: Run Session');
      // Consent to start "everything", then confirm the (unannotated, so destructive-by-default) echo call.
      for (const button of ['Allow', 'Call Tool']) {
        const dialog = wb.page.locator('.monaco-dialog-box').first();
        await dialog.waitFor({ state: 'visible', timeout: 60_000 });
        await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).first().click();
        await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
      }
      const pane = await sessionsPane(wb);
      const smoke = pane.locator('.monaco-list-row', { hasText: 'smoke' }).filter({ hasText: /3 steps/ }).first();
      await smoke.waitFor({ state: 'visible', timeout: 60_000 });
      // Newest first: the run just made is above the CLI trace from 2026-11-20.
      const rows = await pane.locator('.monaco-list-row').allInnerTexts();
      assert.ok(rows.findIndex((r) => r.includes('smoke')) < rows.findIndex((r) => r.includes('every decision')), rows.join(' | '));
      // The run's output channel took the bottom panel; give the trace panel the room for the screenshot.
      await wb.runCommand('View: Hide Panel').catch(() => undefined);
      await openRunInPanel(wb, pane, 'smoke');
      const frame = await panelFrame(wb, 'smoke');
      await frame.locator('.mh-grid-body .mh-grid-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      // server-everything sends log messages on its own schedule: they are rows of the trace too (log-N), so
      // the session's three steps are the rows that are not log records.
      const stepRows = frame.locator('.mh-grid-body .mh-grid-row:visible:not([data-step-id^="log-"])');
      assert.equal(await stepRows.count(), 3);
      assert.deepEqual(await stepRows.locator('.mh-dec').allTextContents(), ['OK', 'Denied · schema', 'Denied · policy']);
      assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-dark')), 'the webview gets VS Code\'s dark theme class');
      await sleep(500);
      await wb.screenshot('workbench-trace-panel-dark');
      // Expand the run in the tree: its steps with their decisions.
      await smoke.locator('.monaco-tl-twistie').first().click();
      await pane.locator('.monaco-list-row', { hasText: 'bad-args' }).first().waitFor({ state: 'visible', timeout: 10_000 });
      const tree = (await pane.locator('.monaco-list-row').allInnerTexts()).map((x) => x.replace(/\s+/g, ' '));
      t.log(`sessions tree: ${tree.join(' | ')}`);
      assert.ok(tree.some((r) => /^env\s*everything\/get-env · \d+ ms · denied_policy/.test(r)), tree.join(' | '));
      await wb.screenshot('workbench-sessions-view-dark');
    },
  },
];
