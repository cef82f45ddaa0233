// Guard overhead: a guarded call (schema → policy → execute → output guardrails → record, trace writer on)
// against a raw SDK `client.callTool`, both on server-everything's `echo`, interleaved call by call so
// machine noise hits both sides alike. 2000 sequential calls each (after a warm-up).
//
// Two guarded paths are measured, each against raw calls on the same server process:
//   - "guards only": the pipeline over the same SDK client as the raw side (the guard budget itself);
//   - "product path": the pipeline over the ServerManager (what sessions and the CLI use), on its own
//     server, against raw calls on the manager's own SDK client to that server. (A server process that
//     serves one call in four answers more slowly than one serving every other call, so each path is
//     compared with raw calls to its own server.)
import { build } from 'esbuild';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const CALLS = Number(process.env.MCP_HARNESS_BENCH_CALLS ?? 2000);
const WARMUP = 300;
const TARGET_RATIO = 1.05;

async function loadCore(dir) {
  const entry = `
    export { GuardPipeline } from './src/core/guards/pipeline';
    export { DEFAULT_POLICY, DEFAULT_GUARDRAILS } from './src/core/guards/defaults';
    export { TraceWriter } from './src/core/trace/writer';
    export { ServerManager } from './src/core/servers/manager';
    export { Client } from '@modelcontextprotocol/sdk/client/index.js';
    export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
  `;
  const outfile = join(dir, 'core.mjs');
  // __dirname = dist/: the core loads its tokenizer tables from dist/tokenizer.js, as the shipped bundles do.
  await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', banner: { js: `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const __dirname = ${JSON.stringify(join(ROOT, 'dist'))};` } });
  return import(pathToFileURL(outfile).href);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-'));
  const core = await loadCore(dir);
  const policy = { ...core.DEFAULT_POLICY, trustedServers: ['everything', 'managed'], maxSteps: 1_000_000 };
  const guardrails = { ...core.DEFAULT_GUARDRAILS };

  const client = new core.Client({ name: 'bench-raw', version: '0' });
  await client.connect(new core.StdioClientTransport({ command: process.execPath, args: [EVERYTHING], stderr: 'ignore' }));
  const tools = (await client.listTools()).tools;
  // The pipeline over the very client the raw side uses: only the guards differ.
  const sameClient = {
    id: 'everything',
    definition: undefined,
    listTools: async () => tools,
    callTool: (name, args, o = {}) => client.callTool({ name, arguments: args }, undefined, { timeout: o.timeoutMs, signal: o.signal }),
  };
  const manager = new core.ServerManager({
    definitions: [{ id: 'managed', name: 'managed', source: { file: join(ROOT, 'bench'), kind: 'mcp-json', nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } }, transport: 'stdio', command: process.execPath, args: [EVERYTHING], hash: 'bench', notes: [] }],
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    clientInfo: { name: 'bench', version: '0' },
  });

  const header = (id) => ({ type: 'session', session_id: id, name: `bench-${id}`, started_at: new Date().toISOString(), config_hash: 'bench', servers: [], harness_version: 'bench' });
  const traceA = core.TraceWriter.open(dir, header('guards-only'));
  const traceB = core.TraceWriter.open(dir, header('product'));
  const guardsOnly = new core.GuardPipeline({ sessionId: 'guards-only', servers: ['everything'], connections: { ensureStarted: async () => sameClient }, policy, guardrails, sink: traceA });
  const product = new core.GuardPipeline({ sessionId: 'product', servers: ['managed'], connections: manager, policy, guardrails, sink: traceB });

  await manager.ensureStarted('managed');
  // The SDK client the manager holds for its server (private to the manager; read here for the baseline).
  const managerClient = manager.servers.get('managed').live.client;
  const raw = [];
  const guarded = [];
  const rawManaged = [];
  const managed = [];
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      // Distinct messages: the de-duplication cache must not turn guarded calls into cache hits.
      const args = { message: `hello ${i}` };
      const doRaw = async () => {
        const t = performance.now();
        await client.callTool({ name: 'echo', arguments: args });
        return performance.now() - t;
      };
      const doRawManaged = async () => {
        const t = performance.now();
        await managerClient.callTool({ name: 'echo', arguments: args });
        return performance.now() - t;
      };
      const doGuarded = async () => {
        const t = performance.now();
        const o = await guardsOnly.callTool({ server: 'everything', tool: 'echo', args, stepId: `s${i}` });
        const dt = performance.now() - t;
        if (o.record.decision !== 'ok') throw new Error(`guarded call was ${o.record.decision}: ${o.record.reasons.join(' ')}`);
        return dt;
      };
      const doManaged = async () => {
        const t = performance.now();
        const o = await product.callTool({ server: 'managed', tool: 'echo', args, stepId: `s${i}` });
        const dt = performance.now() - t;
        if (o.record.decision !== 'ok') throw new Error(`managed call was ${o.record.decision}: ${o.record.reasons.join(' ')}`);
        return dt;
      };
      // Each side takes each position in turn: a server answers more slowly the longer it sat idle.
      const sides = [[doRaw, raw], [doGuarded, guarded], [doRawManaged, rawManaged], [doManaged, managed]];
      for (let k = 0; k < sides.length; k++) {
        const [f, into] = sides[(i + k) % sides.length];
        const dt = await f();
        if (i >= WARMUP) into.push(dt);
      }
    }
  } finally {
    traceA.close({ type: 'end', session_id: 'guards-only', status: 'passed', ended_at: new Date().toISOString(), duration_ms: 0, totals: { steps: 0, latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, tokens_saved: 0 }, decisions: {}, tools_used: [] });
    traceB.close({ type: 'end', session_id: 'product', status: 'passed', ended_at: new Date().toISOString(), duration_ms: 0, totals: { steps: 0, latency_ms: 0, tokens_in: 0, tokens_out: 0, cost_est: 0, tokens_saved: 0 }, decisions: {}, tools_used: [] });
    await client.close();
    await manager.dispose();
  }
  const lines = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').length);
  const tokensCounted = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.includes('guards-only'))), 'utf8').split('\n')[1]).tokens_out > 0;
  rmSync(dir, { recursive: true, force: true });
  const R = stats(raw);
  const G = stats(guarded);
  const M = stats(managed);
  const RM = stats(rawManaged);
  const ratio = G.p50 / R.p50;
  const ratioManaged = M.p50 / RM.p50;
  return {
    name: 'guards',
    metrics: [
      { name: 'raw client.callTool p50', value: R.p50, unit: 'ms' },
      { name: 'raw client.callTool p95', value: R.p95, unit: 'ms' },
      { name: 'guarded (same client) p50', value: G.p50, unit: 'ms' },
      { name: 'guarded (same client) p95', value: G.p95, unit: 'ms' },
      { name: 'guarded / raw p50 ratio', value: ratio, unit: 'x', target: `<= ${TARGET_RATIO}`, pass: ratio <= TARGET_RATIO },
      { name: 'raw on the manager\'s client p50', value: RM.p50, unit: 'ms' },
      { name: 'guarded via ServerManager p50', value: M.p50, unit: 'ms' },
      { name: 'guarded via ServerManager p95', value: M.p95, unit: 'ms' },
      { name: 'via ServerManager / raw (same server) p50 ratio', value: ratioManaged, unit: 'x' },
      { name: 'guard overhead p50 (same client)', value: (G.p50 - R.p50) * 1000, unit: 'µs' },
    ],
    notes: `${CALLS} interleaved sequential calls per side after ${WARMUP} warm-up calls; all guards on (schema, policy, secret/PII/injection scan, maxOutputTokens), trace writer on (${lines.join(' + ')} lines written, tokens counted: ${tokensCounted}).`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
}
