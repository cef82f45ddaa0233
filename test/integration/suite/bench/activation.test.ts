// Not a test of correctness: the activation bench (bench/activation.bench.mjs) runs this file in the real
// extension host on the demo workspace and reads the figures it writes to MCP_HARNESS_BENCH_OUT.
// It re-activates the extension from a freshly loaded bundle with the real ExtensionContext, so the time
// covers loading dist/extension.js and running activate() against the real VS Code API.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { activateHarness, harnessChildProcesses, harnessExtension } from '../helpers';

const ROUNDS = Number(process.env.MCP_HARNESS_BENCH_ROUNDS) || 7;

interface ActivatedApi {
  context?: { extension?: vscode.ExtensionContext };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('bench: activation', () => {
  it('measures activation in the real extension host', async function () {
    this.timeout(120_000);
    const api = await activateHarness<ActivatedApi>();
    const realContext = api?.context?.extension;
    assert.ok(realContext, 'The extension API does not expose its ExtensionContext (api.context.extension).');
    const main = require.resolve(`${harnessExtension().extensionPath}/dist/extension.js`);

    // Stop the instance VS Code activated, so commands and views can be registered again.
    const disposeAll = async (subs: { dispose(): unknown }[]) => {
      for (const d of subs.splice(0)) await d.dispose();
    };
    await disposeAll(realContext.subscriptions);

    const loadMs: number[] = [];
    const activateMs: number[] = [];
    let spawned = 0;
    const spawnedCommands = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      delete require.cache[main];
      const subscriptions: { dispose(): unknown }[] = [];
      const context = Object.create(realContext, { subscriptions: { value: subscriptions } }) as vscode.ExtensionContext;
      const t0 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(main) as { activate(c: vscode.ExtensionContext): unknown; deactivate?(): unknown };
      const t1 = performance.now();
      await mod.activate(context);
      const t2 = performance.now();
      loadMs.push(t1 - t0);
      activateMs.push(t2 - t1);
      await new Promise((r) => setTimeout(r, 200));
      const children = harnessChildProcesses();
      spawned = Math.max(spawned, children.length);
      for (const c of children) spawnedCommands.add(c.cmdline.slice(0, 300));
      await mod.deactivate?.();
      await disposeAll(subscriptions);
    }
    const total = loadMs.map((l, i) => l + activateMs[i]);
    const out = process.env.MCP_HARNESS_BENCH_OUT;
    const result = {
      rounds: ROUNDS,
      loadMs: median(loadMs),
      activateMs: median(activateMs),
      totalMs: median(total),
      spawned,
      spawnedCommands: [...spawnedCommands],
      vscodeVersion: vscode.version,
    };
    if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(`[mocha] activation: ${JSON.stringify(result)}`);
  });
});
