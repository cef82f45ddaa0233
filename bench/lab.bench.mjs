// The reliability lab's own costs, measured side by side in one run:
//   - property suite overhead: a generated call (fast-check generation, the schema filter, the probe's
//     crash check, all through an open run of the run service) against a plain guarded call with fixed
//     arguments through the same open run, interleaved in batches; target ≤ 1.2×.
//     Measured in a child process of its own, with a full GC closing each timed batch: run inside `npm run
//     bench`, the heap the earlier benches leave behind and the garbage one batch leaves to the next one
//     decided who paid for the collections (alone the ratio read 0.85–1.13, after the other benches 1.2–1.29,
//     with the plain call's own time moving from 1.5 to 0.55 ms). Each batch now pays for its own garbage,
//     on a heap as fresh as the one `mcp-harness lab` starts with.
//   - chaos proxy with no toxics: the p50 round trip of a raw SDK client through `mcp-harness chaos`
//     against the same client straight to the server, divided by the two messages of a call;
//     target ≤ 0.2 ms per message. The relay alone (no processes) is reported too.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'test/fixtures/servers/lab-crashy.mjs');
const CLI = join(ROOT, 'dist/cli.js');
const BATCH = 100;
const BATCHES = Number(process.env.MCP_HARNESS_BENCH_LAB_BATCHES ?? 8);
const WARMUP_BATCHES = 2;
const ROUND_TRIPS = Number(process.env.MCP_HARNESS_BENCH_CALLS ?? 1000);

async function loadCore(dir) {
  const entry = `
    export { RunService } from './src/core/run/service';
    export { ServerManager } from './src/core/servers/manager';
    export { ServiceLabHost } from './src/core/lab/serviceHost';
    export { Prober } from './src/core/lab/probe';
    export { validInputs } from './src/core/lab/props';
    export { arbitraryForTool } from './src/core/lab/schemaArbitrary';
    export { labPolicy } from './src/core/lab/selection';
    export { LineRelay } from './src/core/lab/chaos/relay';
    export { NO_TOXICS } from './src/core/lab/chaos/toxics';
    export { Client } from '@modelcontextprotocol/sdk/client/index.js';
    export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
  `;
  const outfile = join(dir, 'lab-core.mjs');
  await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', mainFields: ['module', 'main'], banner: { js: `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const __dirname = ${JSON.stringify(join(ROOT, 'dist'))};` } });
  return import(pathToFileURL(outfile).href);
}

function definition(id) {
  const range = { offset: 0, length: 0 };
  return { id, name: id, source: { file: join(ROOT, 'bench'), kind: 'vscode', nameRange: range, range }, transport: 'stdio', command: process.execPath, args: [SERVER], hash: id, notes: [] };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function propertyOverhead(core) {
  const manager = new core.ServerManager({ definitions: [definition('crashy')], logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, clientInfo: { name: 'bench', version: '0' }, consent: async () => true, isTrusted: () => true });
  const service = new core.RunService({ connections: manager, knownServers: ['crashy'] });
  const host = new core.ServiceLabHost(service, manager);
  const run = await host.openRun({ name: 'bench lab', servers: ['crashy'], policy: core.labPolicy(5000) });
  const tool = (await run.listTools()).find((t) => t.tool.name === 'echo').tool;
  const prober = new core.Prober(host, 'crashy', 'bench');
  const ctx = { host, server: 'crashy', seed: 1, budgetMs: 60_000, allowDestructive: false, callTimeoutMs: 5000, outDir: tmpdir(), progress() {} };
  const arbitrary = core.arbitraryForTool(tool.inputSchema).arbitrary;
  const plain = [];
  const generated = [];
  let n = 0;
  const gc = globalThis.gc ?? (() => undefined);
  // Each side's batch ends with a full GC, so it pays for its own garbage; the side that goes first alternates,
  // so neither always runs right after the other's work.
  const plainBatch = async () => {
    gc();
    const t = performance.now();
    for (let i = 0; i < BATCH; i++) await run.callTool({ server: 'crashy', tool: 'echo', args: { text: `plain ${i}` }, stepId: `plain-${++n}` });
    gc();
    return (performance.now() - t) / BATCH;
  };
  const generatedBatch = async (b) => {
    gc();
    const t = performance.now();
    const outcome = await core.validInputs(ctx, run, prober, tool, arbitrary, b + 1, 60_000, []);
    gc();
    return (performance.now() - t) / outcome.calls;
  };
  for (let b = 0; b < BATCHES + WARMUP_BATCHES; b++) {
    let plainPerCall;
    let generatedPerCall;
    if (b % 2 === 0) {
      plainPerCall = await plainBatch();
      generatedPerCall = await generatedBatch(b);
    } else {
      generatedPerCall = await generatedBatch(b);
      plainPerCall = await plainBatch();
    }
    // The first batches warm both paths up.
    if (b >= WARMUP_BATCHES) {
      plain.push(plainPerCall);
      generated.push(generatedPerCall);
    }
  }
  await run.end();
  await manager.dispose();
  return { plain: median(plain), generated: median(generated) };
}

async function roundTrips(core, command, args) {
  const client = new core.Client({ name: 'bench-raw', version: '0' });
  await client.connect(new core.StdioClientTransport({ command, args, stderr: 'ignore' }));
  return {
    async sample(n) {
      const out = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await client.callTool({ name: 'echo', arguments: { text: `m${i}` } });
        out.push(performance.now() - t);
      }
      return out;
    },
    close: () => client.close(),
  };
}

async function proxyLatency(core) {
  const direct = await roundTrips(core, process.execPath, [SERVER]);
  const proxied = await roundTrips(core, process.execPath, [CLI, 'chaos', '--toxics', '', '--', process.execPath, SERVER]);
  await direct.sample(100);
  await proxied.sample(100);
  const d = [];
  const p = [];
  // Interleaved in small blocks so machine noise hits both sides alike.
  for (let i = 0; i < ROUND_TRIPS / 50; i++) {
    d.push(...(await direct.sample(50)));
    p.push(...(await proxied.sample(50)));
  }
  await direct.close();
  await proxied.close();
  return { direct: median(d), proxied: median(p) };
}

function relayAlone(core) {
  const line = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(200) }] } }) + '\n';
  let out = 0;
  const relay = new core.LineRelay(core.NO_TOXICS, 1, 'to_client', () => out++, () => true);
  const n = 100_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) relay.push(line);
  return { perMessageMs: (performance.now() - t) / n, relayed: out };
}

/** The property overhead, measured in a fresh `node --expose-gc` process running this file. */
function propertyOverheadIsolated() {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--property-overhead'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  return JSON.parse(out.trim().split('\n').pop());
}

if (process.argv.includes('--property-overhead') && process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-lab-'));
  try {
    process.stdout.write(`${JSON.stringify(await propertyOverhead(await loadCore(dir)))}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-lab-'));
  try {
    const core = await loadCore(dir);
    const props = propertyOverheadIsolated();
    const proxy = await proxyLatency(core);
    const relay = relayAlone(core);
    const ratio = props.generated / props.plain;
    const added = (proxy.proxied - proxy.direct) / 2;
    return {
      name: 'lab',
      metrics: [
        { name: 'plain guarded call (open run)', value: props.plain, unit: 'ms/call' },
        { name: 'generated property call', value: props.generated, unit: 'ms/call' },
        { name: 'property suite overhead', value: ratio, unit: '×', target: '<= 1.2', pass: ratio <= 1.2 },
        { name: 'round trip direct p50', value: proxy.direct, unit: 'ms' },
        { name: 'round trip via chaos proxy p50', value: proxy.proxied, unit: 'ms' },
        { name: 'proxy added latency per message (p50)', value: added, unit: 'ms', target: '<= 0.2', pass: added <= 0.2 },
        { name: 'relay alone per message', value: relay.perMessageMs * 1000, unit: 'µs' },
      ],
      notes: `${BATCHES} interleaved batches (after ${WARMUP_BATCHES} warm-up ones, alternating which side goes first) of ${BATCH} plain calls vs one property run (up to 100 generated calls) on lab-crashy.mjs echo, in a child process with a full GC closing each batch; ${ROUND_TRIPS} interleaved round trips per side for the proxy. Load ${(await import('node:os')).loadavg()[0].toFixed(2)} on ${(await import('node:os')).cpus().length} cores.`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
