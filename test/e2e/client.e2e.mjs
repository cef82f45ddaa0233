// The client features in the real workbench: "MCP: Run Session" on a session whose server asks for a model
// (sampling consent modal with the exact prompt, answered by the scripted model installed for tests), for a
// form (the quick-input elicitation form, typed into like a user does) and for a URL (declined in its modal), and
// runs a task-based tool on server-everything (started with consent; the task's final status in the Sessions view).
// Screenshots: client-sampling-consent.png, client-elicitation-form.png, client-url-elicitation.png, client-session-output.png.
import assert from 'node:assert/strict';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function dialogWith(wb, text) {
  const dialog = wb.page.locator('.monaco-dialog-box', { hasText: text }).first();
  await dialog.waitFor({ state: 'visible', timeout: 60_000 });
  return dialog;
}

async function click(dialog, button) {
  await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Waits for the form step whose title shows `n/8`, types `text` (when given) and presses Enter. */
async function formStep(wb, n, text) {
  const widget = wb.page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: 'ui asks: Register for the workshop' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await wb.page.waitForFunction((step) => document.querySelector('.quick-input-widget')?.textContent?.includes(`${step}/8`), n, { timeout: 10_000 });
  if (text !== undefined) await wb.page.keyboard.type(text);
  return widget;
}

export default {
  name: 'client: Run Session with sampling consent, the elicitation form and a URL elicitation',
  workspace: 'test/fixtures/workspaces/client',
  timeoutMs: 240_000,
  async run(wb, t) {
    await wb.runCommand('MCP: Run Session');
    const picker = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'ui.mcp-session.json' }).first();
    const consent = wb.page.locator('.monaco-dialog-box', { hasText: 'Allow MCP Harness to start the MCP server' }).first();
    await picker.or(consent).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The workspace has more than one session file: pick ui's by name, not the first row.
    if (await picker.isVisible()) await picker.click();
    // The session's two servers start before its first step, each with the user's consent.
    const started = [];
    for (let i = 0; i < 2; i++) {
      const dialog = await dialogWith(wb, 'Allow MCP Harness to start the MCP server');
      started.push(/"(\w+)"/.exec(await dialog.innerText())?.[1]);
      await click(dialog, 'Allow');
      await sleep(200);
    }
    assert.deepEqual(started.sort(), ['everything', 'ui']);

    // Sampling: the modal shows the server, the model and the prompt after redaction.
    const sampling = await dialogWith(wb, 'wants to send this prompt to your language model');
    const shown = await sampling.innerText();
    assert.match(shown, /The MCP server 'ui' wants to send this prompt/);
    assert.match(shown, /Scripted (Large|Small) \(mcp-harness-scripted\/scripted-/);
    assert.match(shown, /Summarise the notes\. My token is/);
    assert.ok(!shown.includes('ghp_R2d2C3po'), 'the modal shows the redacted prompt');
    await wb.screenshot('client-sampling-consent');
    await click(sampling, 'Allow Once');

    // The elicitation form, one quick input per field.
    const widget = await formStep(wb, 1, 'G');
    await wb.page.keyboard.press('Enter');
    await widget.locator('.quick-input-message', { hasText: 'Your name needs at least 2 characters' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await wb.page.keyboard.type('race Hopper');
    await wb.screenshot('client-elicitation-form');
    await wb.page.keyboard.press('Enter');
    await formStep(wb, 2, 'grace@example.com');
    await wb.page.keyboard.press('Enter');
    await formStep(wb, 3);
    await wb.page.keyboard.press('Enter'); // age: the default 30
    await formStep(wb, 4);
    await wb.page.keyboard.press('Enter'); // subscribe: Yes
    await formStep(wb, 5);
    await wb.page.keyboard.press('Enter'); // colour: Green
    await formStep(wb, 6);
    await wb.page.keyboard.press('ArrowDown');
    await wb.page.keyboard.press('Enter'); // size: Medium
    await formStep(wb, 7);
    await widget.locator('.monaco-list-row', { hasText: 'vscode' }).first().click(); // toggles its checkbox
    await widget.locator('.quick-input-count', { hasText: '1 Selected' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await wb.page.keyboard.press('Enter');
    await formStep(wb, 8);
    const summary = await widget.locator('.monaco-list-row').first().innerText();
    t.log(`decision step: ${summary.replace(/\s+/g, ' ')}`);
    assert.match(summary, /Your name: Grace Hopper/);
    assert.match(summary, /T-shirt size: Medium/);
    assert.match(summary, /Topics: vscode/);
    await wb.page.keyboard.press('Enter');

    // URL mode: the host, the URL and the reason; declined.
    const url = await dialogWith(wb, 'asks you to open a page on example.invalid');
    assert.match(await url.innerText(), /Confirm your subscription on the vendor page\.[\s\S]*https:\/\/example\.invalid\/confirm\?id=42/);
    await wb.screenshot('client-url-elicitation');
    await click(url, 'Decline');

    // The task-based tool on server-everything; the run passes only if its result met the step's expectation.
    // The "MCP Harness Sessions" output (shown by the run) lists each step, the task's statuses and the summary.
    const outputText = () => wb.page.evaluate(() => (document.querySelector('.part.panel .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' '));
    await wb.page.waitForFunction(() => (document.querySelector('.part.panel .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ').includes('Session "client ui" passed'), undefined, { timeout: 90_000 });
    const output = (await outputText()).replace(/\s+/g, ' ');
    assert.match(output, /research everything\/simulate-research-query ok .*task working → completed/);
    assert.match(output, /Session "client ui" passed: 10 step\(s\) \(ok 10\)/);
    await wb.screenshot('client-session-output');

    // The run ends and is listed in the Sessions view.
    await wb.openViewContainer('MCP Harness');
    const pane = wb.viewPane('Sessions');
    const row = pane.locator('.monaco-list-row', { hasText: 'client ui' }).filter({ hasText: /10 steps/ }).first();
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    await sleep(300);
    t.log(`sessions row: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    // The task step's row: the task's final status (its result met the step's expectation: the run passed).
    await row.locator('.monaco-tl-twistie').first().click();
    const research = pane.locator('.monaco-list-row', { hasText: 'research' }).first();
    await research.waitFor({ state: 'visible', timeout: 10_000 });
    const researchText = (await research.innerText()).replace(/\s+/g, ' ');
    t.log(`task step row: ${researchText}`);
    assert.match(researchText, /research\s*everything\/simulate-research-query · [\d.]+ m?s · task completed/);
    await wb.screenshot('client-session-run');
  },
};
