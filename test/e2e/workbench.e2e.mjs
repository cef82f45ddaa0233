// The real workbench in headless chromium, on a copy of examples/demo, with the extension loaded from the repo.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/host.mjs';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

export default [
  {
    name: 'palette runs a command and the running-extensions editor lists MCP Harness as activated',
    async run(wb, t) {
      // Activation is by workspaceContains:.vscode/mcp.json, so the demo workspace alone activates it.
      await wb.runCommand('Developer: Show Running Extensions');
      // A development extension without a localized name is listed by its id.
      const label = new RegExp(`${pkg.displayName}|${pkg.publisher}\\.${pkg.name}`);
      const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      // The row says "Activating..." until activate() has returned, then "Activation: N ms".
      const activated = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: label })
        .filter({ hasText: /Activation: \d+ms/ }).first();
      try {
        await activated.waitFor({ state: 'visible', timeout: 60_000 });
      } catch {
        assert.fail(`The MCP Harness row never showed an activation time: ${await row.innerText()}`);
      }
      t.log(`running extensions: ${(await activated.innerText()).replace(/\s+/g, ' ')}`);
      await wb.screenshot('running-extensions');
    },
  },
  {
    name: 'MCP Harness view container shows the demo servers',
    async run(wb, t) {
      const containers = pkg.contributes?.viewsContainers?.activitybar ?? [];
      const container = containers.find((c) => /MCP Harness/i.test(c.title));
      assert.ok(container, 'package.json contributes no "MCP Harness" activity-bar container.');
      // Through the palette first: the command is listed only once the extension has registered it.
      const refresh = pkg.contributes.commands.find((c) => c.command === 'mcpHarness.refreshServers');
      assert.ok(refresh, 'mcpHarness.refreshServers is not contributed.');
      await wb.runCommand(`${refresh.category}: ${refresh.title}`);
      await wb.openViewContainer(container.title);
      const views = pkg.contributes?.views?.[container.id] ?? [];
      assert.ok(views.length > 0, `The ${container.title} container has no views.`);
      const servers = views.find((v) => /servers/i.test(v.name)) ?? views[0];
      const pane = wb.viewPane(servers.name);
      await pane.waitFor({ state: 'visible', timeout: 30_000 });
      // The demo's .vscode/mcp.json defines these three servers; none is started by opening the view.
      for (const name of ['everything', 'filesystem', 'memory']) {
        const row = pane.locator('.monaco-list-row', { hasText: name }).first();
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        const text = await row.innerText();
        assert.match(text, /stopped/, `Server "${name}" should be listed as stopped (nothing starts by itself): ${text}`);
        assert.match(text, /stdio/, `Server "${name}" should show its transport: ${text}`);
      }
      t.log(`view "${servers.name}" lists everything, filesystem, memory`);
      await wb.screenshot('servers-view');
    },
  },
  {
    name: 'starting a server asks for consent with the exact command line, then it runs and stops',
    async run(wb, t) {
      await wb.openViewContainer('MCP Harness');
      const pane = wb.viewPane('Servers');
      const row = pane.locator('.monaco-list-row', { hasText: 'memory' }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await row.hover();
      await row.locator('.action-label[aria-label^="Start Server"]').first().click();

      const dialog = wb.page.locator('.monaco-dialog-box').first();
      // When the tree re-renders under the pointer the action runs without its item and asks which server.
      const picker = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: /^memory/ }).first();
      await dialog.or(picker).first().waitFor({ state: 'visible', timeout: 30_000 });
      if (await picker.isVisible()) {
        t.log('Start Server asked which server; picked memory');
        await picker.click();
        await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      }
      const text = await dialog.innerText();
      // The exact, untruncated command line and the env variable names (never their values).
      assert.match(text, /node_modules\/@modelcontextprotocol\/server-memory\/dist\/index\.js/, text);
      assert.match(text, /MEMORY_FILE_PATH/, text);
      assert.doesNotMatch(text, /\.memory\.jsonl/, 'The consent modal must not show environment variable values.');
      await wb.screenshot('consent-modal');
      await dialog.locator('.monaco-button', { hasText: /^Allow$/ }).first().click();

      await pane.locator('.monaco-list-row', { hasText: 'memory' }).filter({ hasText: /running/ }).first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      await row.click();
      await wb.page.keyboard.press('ArrowRight');
      await pane.locator('.monaco-list-row', { hasText: /Tools/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
      t.log(`tree: ${(await pane.locator('.monaco-list-row').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ')).join(' | ')}`);
      await wb.screenshot('server-running');

      await row.hover();
      await row.locator('.action-label[aria-label^="Stop Server"]').first().click();
      await pane.locator('.monaco-list-row', { hasText: 'memory' }).filter({ hasText: /stopped/ }).first()
        .waitFor({ state: 'visible', timeout: 30_000 });
    },
  },
  {
    name: 'Copy Gateway Config lists each client once, with where its config goes beside the name',
    async run(wb, t) {
      await wb.runCommand('MCP: Copy Gateway Config for…');
      const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
      await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
      const texts = (await rows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
      t.log(`clients: ${texts.join(' | ')}`);
      const desktop = texts.find((x) => x.startsWith('Claude Desktop'));
      assert.ok(desktop, `Claude Desktop is offered: ${texts.join(' | ')}`);
      // Where the snippet goes is said once (as the description), not repeated on a second line.
      assert.equal(desktop.split('claude_desktop_config.json').length - 1, 1, desktop);
      await wb.escape();
    },
  },
  {
    name: 'Add Server asks for the URL (checked as typed) and a name, then writes the entry to .vscode/mcp.json',
    async run(wb, t) {
      const file = join(wb.folder, '.vscode', 'mcp.json');
      const original = readFileSync(file, 'utf8');
      try {
        await wb.runCommand('MCP Harness: Add Server…');
        const widget = wb.page.locator('.quick-input-widget');
        await widget.locator('.monaco-list-row', { hasText: 'Remote server (HTTP)' }).first().click();
        const input = widget.locator('input.input');
        await widget.locator('.quick-input-title', { hasText: 'URL' }).waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill('example.com/mcp');
        // The URL is checked as it is typed: the message says what is wrong, and Enter does not go on.
        const message = widget.locator('.quick-input-message');
        await message.filter({ hasText: /not a URL: start it with https:\/\// }).waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill('https://mcp.example.com/mcp');
        await message.filter({ hasText: /not a URL/ }).waitFor({ state: 'hidden', timeout: 10_000 });
        await wb.page.keyboard.press('Enter');
        await widget.locator('.quick-input-title', { hasText: 'name' }).waitFor({ state: 'visible', timeout: 30_000 });
        assert.equal(await input.inputValue(), 'example', 'the name is suggested from the host');
        await input.fill('docs/search');
        await message.filter({ hasText: /cannot contain "\/"/ }).waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill('docs-search');
        await wb.page.keyboard.press('Enter');
        const deadline = Date.now() + 20_000;
        while (!readFileSync(file, 'utf8').includes('"docs-search"')) {
          if (Date.now() > deadline) assert.fail(`.vscode/mcp.json never got the new server:\n${readFileSync(file, 'utf8')}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.match(readFileSync(file, 'utf8'), /"docs-search": \{\s*"type": "http",\s*"url": "https:\/\/mcp\.example\.com\/mcp"\s*\}/);
        await wb.openViewContainer('MCP Harness');
        await wb.viewPane('Servers').locator('.monaco-list-row', { hasText: 'docs-search' }).first().waitFor({ state: 'visible', timeout: 30_000 });
        t.log('added docs-search (http) through the palette');
        await wb.screenshot('add-server');
      } finally {
        writeFileSync(file, original);
        await wb.escape();
      }
    },
  },
];
