// The real workbench in headless chromium, on a copy of examples/demo, with the extension loaded from the repo.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/host.mjs';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

export default [
  {
    name: 'palette runs a command and the running-extensions editor lists MCP Harness as activated',
    async run(wb) {
      // Activation is by workspaceContains:.vscode/mcp.json, so the demo workspace alone activates it.
      await wb.runCommand('Developer: Show Running Extensions');
      // A development extension without a localized name is listed by its id.
      const label = new RegExp(`${pkg.displayName}|${pkg.publisher}\\.${pkg.name}`);
      const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      const text = await row.innerText();
      assert.match(text, /Activation: \d+ms/i, `The MCP Harness row does not show an activation time: ${text}`);
      await wb.screenshot('running-extensions');
    },
  },
  {
    name: 'MCP Harness view container shows the demo servers',
    async run(wb, t) {
      const containers = pkg.contributes?.viewsContainers?.activitybar ?? [];
      const container = containers.find((c) => /MCP Harness/i.test(c.title));
      assert.ok(container, 'package.json contributes no "MCP Harness" activity-bar container.');
      await wb.openViewContainer(container.title);
      const views = pkg.contributes?.views?.[container.id] ?? [];
      assert.ok(views.length > 0, `The ${container.title} container has no views.`);
      const servers = views.find((v) => /servers/i.test(v.name)) ?? views[0];
      const pane = wb.viewPane(servers.name);
      await pane.waitFor({ state: 'visible', timeout: 30_000 });
      // The demo's .vscode/mcp.json defines these three servers; none is started by opening the view.
      for (const name of ['everything', 'filesystem', 'memory']) {
        await pane.locator('.monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 30_000 });
      }
      t.log(`view "${servers.name}" lists everything, filesystem, memory`);
      await wb.screenshot('servers-view');
    },
  },
];
