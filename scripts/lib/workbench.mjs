// Driving the real workbench page (playwright-core) for e2e tests and benches: open the workbench with
// the extension under development, run commands through the command palette, look into webviews,
// and take screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  launchBrowser, makeTempDir, mirrorWorkspace, readRemoteAuthority, repoRoot, startCodeServer, workbenchUrl,
} from './host.mjs';

export const screenshotDir = join(repoRoot, 'test', 'e2e', 'screenshots');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts code-server on a copy of `workspace` (repo-relative) and opens the workbench with the extension
 * loaded from the repo (extensionDevelopmentPath). Returns a Workbench; call `close()` when done.
 */
export async function openWorkbench({ workspace = 'examples/demo', trusted = true, settings = {}, log = () => {}, extensionDevelopment = true } = {}) {
  const tmp = makeTempDir('wb');
  const folder = mirrorWorkspace(workspace, tmp);
  const server = await startCodeServer({ workspace: folder, trusted, settings, supportExtensions: extensionDevelopment, log: (l) => log(`[server] ${l}`) });
  const browser = await launchBrowser();
  const { page } = browser;
  page.on('pageerror', (err) => log(`[page error] ${err.message}`));
  page.on('console', (msg) => log(`[page:${msg.type()}] ${msg.text()}`));
  let payload;
  if (extensionDevelopment) {
    const authority = await readRemoteAuthority(server.url);
    payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${repoRoot}`], ['skipWelcome', 'true']];
  }
  await page.goto(workbenchUrl(server.url, folder, payload));
  const wb = new Workbench(page, { server, browser, folder });
  await wb.waitForWorkbench();
  return wb;
}

export class Workbench {
  constructor(page, { server, browser, folder }) {
    this.page = page;
    this.server = server;
    this.browser = browser;
    /** Absolute path of the workspace copy that is open. */
    this.folder = folder;
  }

  async close() {
    await this.browser.close();
    await this.server.stop();
  }

  async waitForWorkbench(timeoutMs = 60_000) {
    await this.page.locator('.monaco-workbench .part.activitybar').first().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.monaco-workbench .part.statusbar').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Dismisses any open quick input / notification focus. */
  async escape() {
    await this.page.keyboard.press('Escape');
    await sleep(100);
  }

  /**
   * Runs a command by its palette title (e.g. "MCP Harness: Start Server"). Retries until the command is
   * listed, because extension commands appear only once the extension host has started.
   */
  async runCommand(title, { timeoutMs = 60_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    const input = this.page.locator('.quick-input-widget input.input');
    for (;;) {
      await this.escape();
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 3_000 });
        const label = (await row.getAttribute('aria-label')) ?? (await row.innerText());
        if (label.toLowerCase().includes(title.toLowerCase())) {
          await row.click();
          await sleep(300);
          return;
        }
      } catch {
        // not listed yet
      }
      if (Date.now() > deadline) {
        await this.escape();
        throw new Error(`The command "${title}" did not appear in the command palette within ${timeoutMs / 1000} s.`);
      }
      await sleep(1000);
    }
  }

  /** Clicks the activity bar entry whose label starts with `label` (e.g. "MCP Harness"). */
  async openViewContainer(label, { timeoutMs = 60_000 } = {}) {
    const item = this.page.locator(`.activitybar .action-item a[aria-label^="${label}"], .activitybar .action-item[aria-label^="${label}"]`).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    const expanded = await item.getAttribute('aria-expanded').catch(() => null);
    if (expanded !== 'true') await item.click();
    return item;
  }

  /** The pane (view) in the side bar whose header title matches `title`. */
  viewPane(title) {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header', { hasText: title }) }).first();
  }

  /** Waits until some frame (webviews are nested iframes) has an element matching `selector` with `text`. */
  async findInFrames(selector, { text, timeoutMs = 30_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        try {
          const loc = text ? frame.locator(selector, { hasText: text }) : frame.locator(selector);
          if ((await loc.count()) > 0) return { frame, locator: loc.first() };
        } catch {
          // frame navigated away
        }
      }
      if (Date.now() > deadline) throw new Error(`No frame has ${selector}${text ? ` with text "${text}"` : ''} after ${timeoutMs / 1000} s.`);
      await sleep(250);
    }
  }

  /** Saves a full-page PNG to test/e2e/screenshots/<name>.png and returns its path. */
  async screenshot(name) {
    mkdirSync(screenshotDir, { recursive: true });
    const file = join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * The notification center, opened. The e2e workbench runs with the smoke-test driver, under which VS Code
   * never shows toasts: every notification, progress ones with their Cancel button included, is in the center
   * (which closes by itself whenever it empties).
   */
  async notificationCenter() {
    const center = this.page.locator('.notifications-center');
    if (!(await center.isVisible())) await this.runCommand('Notifications: Show Notifications');
    await center.waitFor({ state: 'visible', timeout: 30_000 });
    return center;
  }

  /** Texts of the notifications in the notification center (opened to read them). */
  async notifications() {
    return (await this.notificationCenter()).locator('.notification-list-item').allInnerTexts();
  }

  /**
   * Reloads the window as a user does ("Developer: Reload Window"), which keeps open editors and webview state.
   * Why not `page.reload()`: the web workbench writes its state (open editors, webview state) to IndexedDB only when
   * it flushes. A page reload fires its shutdown events but cannot wait for that asynchronous write ("Long running
   * operations during shutdown are unsupported in the web"), so it sometimes came back without the trace panel
   * (seen on a fresh CI run). The reload command awaits the storage flush before it reloads the page.
   */
  async reloadWindow({ timeoutMs = 60_000 } = {}) {
    const loaded = this.page.waitForEvent('load', { timeout: timeoutMs });
    await this.runCommand('Developer: Reload Window');
    await loaded;
    await this.waitForWorkbench(timeoutMs);
  }
}
