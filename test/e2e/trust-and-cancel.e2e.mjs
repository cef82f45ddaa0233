// Two things only the real workbench can show: granting Workspace Trust while the window is open
// refreshes the Servers view in place (no reload), and the Cancel button of the "MCP: Run Session"
// progress notification stops a slow step, with the run and its trace ending "cancelled".
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DEMO_SERVERS = ['everything', 'filesystem', 'memory'];
const VIEW_MESSAGE = 'Restricted Mode: servers defined by this workspace are shown but never started';
const CHILD_BLOCKED = 'Restricted Mode: trust this workspace to start this server';
const CHILD_STARTABLE = 'Start the server to list its tools';

async function serversPane(wb) {
  await wb.openViewContainer('MCP Harness');
  const pane = wb.viewPane('Servers');
  await pane.waitFor({ state: 'visible', timeout: 30_000 });
  return pane;
}

// The demo's server names are not substrings of each other or of their rows' child labels.
const serverRow = (pane, name) => pane.locator('.monaco-list-row', { hasText: name }).first();

const notification = (center, text) => center.locator('.notification-list-item', { hasText: text }).first();

/** Waits for a notification with `text`; the center closes by itself whenever it empties, so it is reopened. */
async function waitForNotification(wb, text, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = notification(await wb.notificationCenter(), text);
    try {
      await item.waitFor({ state: 'visible', timeout: 3_000 });
      return item;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

async function rowTexts(pane) {
  return (await pane.locator('.monaco-list-row').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
}

/** Runs a server command from the palette and picks `name` in its server picker (it always asks). */
async function serverCommand(wb, command, name) {
  await wb.runCommand(`MCP Harness: ${command}`);
  const pick = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^\\s*${name}`) }).first();
  await pick.waitFor({ state: 'visible', timeout: 30_000 });
  await pick.click();
}

/** Reads every JSONL trace in the workspace copy's default trace directory. */
function readTraces(folder) {
  const dir = join(folder, '.mcp-harness', 'traces');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => ({
      file: join(dir, f),
      lines: readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    }));
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s.`);
    await sleep(250);
  }
}

export default [
  {
    name: 'trust granted at runtime: the Servers view leaves Restricted Mode without a reload and servers start',
    trusted: false,
    async run(wb, t) {
      const pane = await serversPane(wb);
      // Restricted Mode: the view says why nothing starts, each workspace server is "blocked".
      const message = pane.locator('.message', { hasText: VIEW_MESSAGE }).first();
      await message.waitFor({ state: 'visible', timeout: 60_000 });
      for (const name of DEMO_SERVERS) {
        const row = pane.locator('.monaco-list-row', { hasText: name }).filter({ hasText: 'blocked (Restricted Mode)' }).first();
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        assert.match(await row.innerText(), /stdio/);
      }
      // Expanded, a server says what to do about it.
      await serverRow(pane, 'everything').click();
      await wb.page.keyboard.press('ArrowRight');
      await pane.locator('.monaco-list-row', { hasText: CHILD_BLOCKED }).first().waitFor({ state: 'visible', timeout: 30_000 });

      // Start is refused with a warning that offers the trust editor; no consent modal, no process.
      await serverCommand(wb, 'Start Server', 'memory');
      const center = await wb.notificationCenter();
      const refusal = notification(center, 'this workspace is in Restricted Mode');
      await refusal.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await refusal.innerText(), /"memory" was not started/);
      assert.equal(await wb.page.locator('.monaco-dialog-box').count(), 0, 'Restricted Mode must not even ask to start a workspace server.');
      t.log(`before: ${(await rowTexts(pane)).join(' | ')}`);
      await wb.screenshot('trust-restricted-before');

      // Everything from here on must happen in this same page: a reload would drop this marker.
      await wb.page.evaluate(() => { window.__mcpHarnessNoReload = true; });
      await refusal.locator('.monaco-button', { hasText: /^Manage Workspace Trust$/ }).first().click();
      const trust = wb.page.locator('.workspace-trust-editor .workspace-trust-buttons .monaco-button', { hasText: /^\s*Trust\b/ }).first();
      await trust.waitFor({ state: 'visible', timeout: 30_000 });
      await trust.click();
      await wb.page.locator('.workspace-trust-editor', { hasText: 'You trust this folder' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // The trust editor opens over the side bar; close it to see the view.
      await wb.runCommand('View: Close All Editors');
      await wb.page.locator('.workspace-trust-editor').first().waitFor({ state: 'hidden', timeout: 30_000 });

      // The view refreshes in place: the message goes, the rows and the expanded child read as in a trusted window.
      await message.waitFor({ state: 'hidden', timeout: 30_000 });
      for (const name of DEMO_SERVERS) {
        await pane.locator('.monaco-list-row', { hasText: name }).filter({ hasText: /stopped · stdio/ }).first()
          .waitFor({ state: 'visible', timeout: 30_000 });
      }
      await pane.locator('.monaco-list-row', { hasText: CHILD_STARTABLE }).first().waitFor({ state: 'visible', timeout: 30_000 });
      const after = await rowTexts(pane);
      t.log(`after: ${after.join(' | ')}`);
      assert.ok(!after.some((r) => /Restricted Mode/.test(r)), `no row mentions Restricted Mode any more: ${after.join(' | ')}`);
      assert.equal(await wb.page.evaluate(() => window.__mcpHarnessNoReload), true, 'the window was reloaded to apply trust');

      // And a server now really starts: consent first, then it runs.
      await serverCommand(wb, 'Start Server', 'memory');
      const dialog = wb.page.locator('.monaco-dialog-box').first();
      await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await dialog.innerText(), /server-memory/);
      await dialog.locator('.monaco-button', { hasText: /^Allow$/ }).first().click();
      await pane.locator('.monaco-list-row', { hasText: 'memory' }).filter({ hasText: /running/ }).first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      await sleep(300); // let the row's spinner icon settle for the picture
      await wb.screenshot('trust-granted-after');
      await serverCommand(wb, 'Stop Server', 'memory');
      await pane.locator('.monaco-list-row', { hasText: 'memory' }).filter({ hasText: /stopped/ }).first()
        .waitFor({ state: 'visible', timeout: 30_000 });
    },
  },
  {
    name: 'cancel: Cancel on the Run Session progress notification stops a slow step, the run and trace end cancelled',
    workspace: 'test/fixtures/sessions/cancel-ws',
    async run(wb, t) {
      // The session's first step, everything/trigger-long-running-operation, takes 90 s.
      const session = JSON.parse(readFileSync(join(wb.folder, 'slow.mcp-session.json'), 'utf8'));
      const toolSeconds = session.steps[0].args.duration;
      assert.ok(toolSeconds >= 60, 'the fixture step must be slow enough that finishing it cannot be mistaken for a cancel');

      await wb.runCommand('MCP: Run Session');
      const dialog = wb.page.locator('.monaco-dialog-box').first();
      await dialog.waitFor({ state: 'visible', timeout: 60_000 });
      assert.match(await dialog.innerText(), /"everything"/);
      await dialog.locator('.monaco-button', { hasText: /^Allow$/ }).first().click();

      // The step is in flight once the progress notification names it.
      const center = await wb.notificationCenter();
      const progress = notification(center, 'MCP: running session "slow"');
      await progress.filter({ hasText: 'step 1/2: wait' }).waitFor({ state: 'visible', timeout: 60_000 });
      const inFlightAt = Date.now();
      await wb.screenshot('cancel-progress-notification');
      await progress.locator('.monaco-button', { hasText: /^Cancel$/ }).first().click();
      const clickedAfterMs = Date.now() - inFlightAt;

      // The product's verdict: a warning that the session was cancelled, with 1 of 2 steps run.
      await progress.waitFor({ state: 'detached', timeout: 30_000 });
      const verdict = await waitForNotification(wb, 'Session "slow" cancelled', 30_000);
      const verdictText = (await verdict.innerText()).replace(/\s+/g, ' ');
      t.log(`notification: ${verdictText}`);
      assert.match(verdictText, /1 step\(s\) \(cancelled 1\)/);
      // The workbench helper reads the same center; the progress notification is gone from it.
      const texts = await wb.notifications();
      assert.ok(texts.some((x) => x.includes('Session "slow" cancelled')), texts.join(' | '));
      assert.ok(!texts.some((x) => /step 1\/2/.test(x)), texts.join(' | '));
      await wb.screenshot('cancel-run-cancelled');

      // The trace ends "cancelled", long before the tool would have returned.
      const trace = await waitFor('No trace with an end line appeared', () => readTraces(wb.folder).find((x) => x.lines.at(-1)?.type === 'end'), 30_000);
      t.log(`trace ${trace.file}`);
      const [header, ...rest] = trace.lines;
      const end = rest.at(-1);
      // The server's log messages are records of the trace too (kind 'log'); the steps are the rest.
      const steps = rest.filter((l) => l.type === 'step' && l.kind !== 'log');
      assert.equal(header.type, 'session');
      assert.equal(header.name, 'slow');
      assert.equal(end.status, 'cancelled');
      assert.deepEqual(steps.map((s) => [s.step_id, s.decision]), [['wait', 'cancelled']], 'the slow step is cancelled and the next one never runs');
      assert.deepEqual(end.decisions, { cancelled: 1 });
      assert.match(steps[0].reasons.join(' '), /was cancelled; the server was told to stop it/);
      assert.ok(steps[0].latency_ms < toolSeconds * 1000 / 2, `the cancelled call took ${steps[0].latency_ms} ms; the tool needs ${toolSeconds} s`);
      assert.ok(end.duration_ms < toolSeconds * 1000 / 2, `the run took ${end.duration_ms} ms; the tool needs ${toolSeconds} s`);
      t.log(`Cancel clicked ${clickedAfterMs} ms after the step started; step latency ${Math.round(steps[0].latency_ms)} ms, run ${end.duration_ms} ms`);

      // The run's output channel tells the same story.
      const output = wb.page.locator('.part.panel .view-lines').first();
      await output.waitFor({ state: 'visible', timeout: 30_000 });
      await wb.page.locator('.part.panel .view-lines', { hasText: 'Session "slow" cancelled' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // The cancelled step is reported as cancelled, not also as a failed expectation.
      const outputText = await wb.page.locator('.part.panel .view-lines').first().innerText();
      assert.match(outputText, /\[1\/2\]\s+wait/);
      assert.doesNotMatch(outputText, /expectation failed/);
    },
  },
];
