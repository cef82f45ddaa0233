// Activation time of the extension on the demo workspace, measured inside the real VS Code extension host
// (code-server): the in-host part is test/integration/suite/bench/activation.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, makeTempDir } from '../scripts/lib/host.mjs';
import { runSuite } from '../scripts/run-integration.mjs';

const TARGET_MS = 50;

export async function run() {
  try {
    return await measure();
  } finally {
    // Stops anything the run left behind (e.g. after a timeout) and removes its temp dirs.
    await cleanupAll();
  }
}

async function measure() {
  const out = join(makeTempDir('bench'), 'activation.json');
  const res = await runSuite(
    { name: 'bench-activation', workspace: 'examples/demo', files: 'bench/activation.test.js', trust: 'trusted' },
    { extraEnv: { MCP_HARNESS_BENCH_OUT: out }, timeoutMs: 180_000 },
  );
  if (res.code !== 0) {
    throw new Error(`The in-host activation bench failed (see ${res.logFile}):\n${res.error?.message ?? ''}${res.mocha.join('\n')}`);
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  return {
    name: 'activation',
    metrics: [
      { name: 'load dist/extension.js (median)', value: r.loadMs, unit: 'ms' },
      { name: 'activate() (median)', value: r.activateMs, unit: 'ms' },
      { name: 'load + activate (median)', value: r.totalMs, unit: 'ms', target: `<= ${TARGET_MS}`, pass: r.totalMs <= TARGET_MS },
      { name: 'processes spawned by activation', value: r.spawned, unit: 'count', target: '0', pass: r.spawned === 0 },
    ],
    notes: `${r.spawnedCommands?.length ? `spawned: ${r.spawnedCommands.join(' | ')}. ` : ''}${r.rounds} re-activations from a fresh bundle with the real ExtensionContext in VS Code ${r.vscodeVersion} (code-server), demo workspace.`,
  };
}
