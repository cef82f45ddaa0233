// Gateway figures, measured in one run on loopback:
//  1. overhead: server-everything's `echo` through `mcp-harness gateway --stdio` (a second process, every
//     guard on, trace and audit written) against the same call made directly to server-everything, both
//     with the SDK client over stdio, interleaved call by call. Targets p50 ≤ 1.10×, p99 ≤ 1.25×.
//  2. load: 64 clients × 500 calls each over Streamable HTTP through `mcp-harness gateway --http`; every
//     client checks that each answer carries its own payload (lost / duplicated / mismatched are counted),
//     throughput, p50/p95/p99 and the gateway's RSS growth (target < 50 MB). Bounded: it stops by itself.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const CALLS = Number(process.env.MCP_HARNESS_BENCH_CALLS ?? 1000);
const WARMUP = 200;
const LOAD_CLIENTS = Number(process.env.MCP_HARNESS_BENCH_GATEWAY_CLIENTS ?? 64);
const LOAD_CALLS = Number(process.env.MCP_HARNESS_BENCH_GATEWAY_CALLS ?? 500);
const LOAD_DEADLINE_MS = 240_000;
/** `load` measures only the load part (the RSS figure), `overhead` only the latency ratios. */
const ONLY = process.env.MCP_HARNESS_BENCH_GATEWAY_ONLY;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

function workspace() {
  const ws = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-gw-'));
  mkdirSync(join(ws, '.vscode'));
  writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { everything: { command: process.execPath, args: [EVERYTHING] } } }));
  writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.policy.trustedServers': ['everything'] }));
  return ws;
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function stdioClient(command, args) {
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
  return client;
}

/**
 * The floor of any stdio gateway: a bare SDK proxy process (Server in, Client out, no guards, no trace)
 * that forwards tools/call. What the gateway costs above it is the guards, the run and the audit.
 */
function writeBareProxy(ws) {
  const sdk = (p) => JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/@modelcontextprotocol/sdk/dist/esm', p)).href);
  const file = join(ws, 'bare-proxy.mjs');
  writeFileSync(file, `
    import { Server } from ${sdk('server/index.js')};
    import { StdioServerTransport } from ${sdk('server/stdio.js')};
    import { Client } from ${sdk('client/index.js')};
    import { StdioClientTransport } from ${sdk('client/stdio.js')};
    import { CallToolRequestSchema, ListToolsRequestSchema } from ${sdk('types.js')};
    const upstream = new Client({ name: 'bare-proxy', version: '0' });
    await upstream.connect(new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(EVERYTHING)}], stderr: 'ignore' }));
    const server = new Server({ name: 'bare-proxy', version: '0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => upstream.listTools());
    server.setRequestHandler(CallToolRequestSchema, (r) => upstream.callTool(r.params));
    await server.connect(new StdioServerTransport());
  `);
  return file;
}

async function overhead(ws) {
  const direct = await stdioClient(process.execPath, [EVERYTHING]);
  const bare = await stdioClient(process.execPath, [writeBareProxy(ws)]);
  const gateway = await stdioClient(process.execPath, [CLI, 'gateway', '--stdio', '--workspace', ws, '--trace-dir', join(ws, 'traces')]);
  const d = [];
  const b = [];
  const g = [];
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      // Distinct messages: the gateway's de-duplication of read-only calls must not answer from cache.
      const args = { message: `hello ${i}` };
      const sides = [
        [async () => direct.callTool({ name: 'echo', arguments: args }), d],
        [async () => bare.callTool({ name: 'echo', arguments: args }), b],
        [async () => gateway.callTool({ name: 'everything__echo', arguments: args }), g],
      ];
      for (let k = 0; k < sides.length; k++) {
        const [call, into] = sides[(i + k) % sides.length];
        const t = performance.now();
        const r = await call();
        const dt = performance.now() - t;
        if (r.isError) throw new Error(`echo failed: ${JSON.stringify(r.content)}`);
        if (i >= WARMUP) into.push(dt);
      }
    }
  } finally {
    await direct.close();
    await bare.close();
    await gateway.close();
  }
  return { direct: stats(d), bare: stats(b), gateway: stats(g) };
}

async function startHttp(ws) {
  const child = spawn(process.execPath, [CLI, 'gateway', '--workspace', ws, '--http', '0', '--token-file', join(ws, 'token'), '--trace-dir', join(ws, 'traces'), '--rate-limit', '1000000', '--max-concurrent', '32'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (x) => (err += x));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 30_000);
    child.stderr.on('data', () => {
      const m = /at (http:\/\/\S+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
  });
  return { child, url, token: readFileSync(join(ws, 'token'), 'utf8').trim(), stderr: () => err };
}

/** The gateway's V8 heap in use (its /metrics), to tell live objects from memory the process has not given back. */
async function heapUsedMb(gw, headers) {
  const text = await (await fetch(gw.url.replace(/\/mcp$/, '/metrics'), { headers })).text();
  const bytes = Number(/^(?:mcp_gateway_)?nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]);
  return bytes / 1024 / 1024;
}

async function load(ws) {
  const gw = await startHttp(ws);
  const headers = { Authorization: `Bearer ${gw.token}` };
  const connect = async (c) => {
    const client = new Client({ name: `load-${c}`, version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers } }));
    return client;
  };
  const clients = await Promise.all(Array.from({ length: LOAD_CLIENTS }, (_, c) => connect(c)));
  // Warm up the upstream and the gateway's code paths, then take the baseline RSS.
  await Promise.all(clients.map((client, c) => client.callTool({ name: 'everything__echo', arguments: { message: `warm ${c}` } })));
  const rssBefore = rssMb(gw.child.pid);
  const heapBefore = await heapUsedMb(gw, headers);
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const latencies = [];
  let lost = 0;
  let duplicated = 0;
  let mismatched = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      const seen = new Set();
      for (let i = 0; i < LOAD_CALLS && Date.now() < deadline; i++) {
        const payload = `c${c}-i${i}`;
        const t = performance.now();
        try {
          const r = await client.callTool({ name: 'everything__echo', arguments: { message: payload } });
          latencies.push(performance.now() - t);
          const got = (r.content?.[0]?.text ?? '').replace(/^Echo: /, '');
          if (r.isError) failed++;
          else if (got !== payload) mismatched++;
          else if (seen.has(got)) duplicated++;
          else seen.add(got);
        } catch {
          failed++;
        }
      }
      lost += LOAD_CALLS - seen.size - failed;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const rssAfter = rssMb(gw.child.pid);
  const heapAfter = await heapUsedMb(gw, headers);
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  const metrics = await (await fetch(gw.url.replace(/\/mcp$/, '/metrics'), { headers })).text();
  const limited = Number(/^mcp_gateway_rate_limited_total\{[^}]*\} (\S+)/m.exec(metrics)?.[1] ?? 0);
  gw.child.kill('SIGTERM');
  await new Promise((r) => gw.child.once('exit', r));
  const warnings = [...new Set(gw.stderr().split('\n').filter((line) => /Warning/.test(line)).map((line) => line.slice(0, 160)))];
  return { calls: latencies.length, seconds, latency: stats(latencies), rssBefore, rssAfter, lost: Math.max(0, lost), duplicated, mismatched, failed, limited, warnings, heapBefore, heapAfter };
}

export async function run() {
  const ws = workspace();
  try {
    const o = ONLY === 'load' ? undefined : await overhead(ws);
    const l = ONLY === 'overhead' ? undefined : await load(ws);
    return { name: 'gateway', metrics: [...(o ? overheadMetrics(o) : []), ...(l ? loadMetrics(l) : [])], notes: notes(o, l) };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

function overheadMetrics(o) {
  const p50 = o.gateway.p50 / o.direct.p50;
  const p99 = o.gateway.p99 / o.direct.p99;
  return [
    { name: 'direct echo p50', value: o.direct.p50, unit: 'ms' },
    { name: 'direct echo p99', value: o.direct.p99, unit: 'ms' },
    { name: 'gateway echo p50', value: o.gateway.p50, unit: 'ms' },
    { name: 'gateway echo p99', value: o.gateway.p99, unit: 'ms' },
    { name: 'gateway / direct p50 ratio', value: p50, unit: 'x', target: '<= 1.10', pass: p50 <= 1.1 },
    { name: 'gateway / direct p99 ratio', value: p99, unit: 'x', target: '<= 1.25', pass: p99 <= 1.25 },
    { name: 'bare SDK proxy echo p50 (floor)', value: o.bare.p50, unit: 'ms' },
    { name: 'bare SDK proxy echo p99 (floor)', value: o.bare.p99, unit: 'ms' },
    { name: 'bare proxy / direct p50 ratio', value: o.bare.p50 / o.direct.p50, unit: 'x' },
    { name: 'gateway / bare proxy p50 ratio', value: o.gateway.p50 / o.bare.p50, unit: 'x' },
    { name: 'gateway / bare proxy p99 ratio', value: o.gateway.p99 / o.bare.p99, unit: 'x' },
    { name: 'gateway above the floor p50', value: (o.gateway.p50 - o.bare.p50) * 1000, unit: 'µs' },
  ];
}

function loadMetrics(l) {
  const growth = l.rssAfter - l.rssBefore;
  return [
    { name: `load ${LOAD_CLIENTS}×${LOAD_CALLS} throughput`, value: l.calls / l.seconds, unit: 'calls/s' },
    { name: 'load p50', value: l.latency.p50, unit: 'ms' },
    { name: 'load p95', value: l.latency.p95, unit: 'ms' },
    { name: 'load p99', value: l.latency.p99, unit: 'ms' },
    { name: 'load lost + duplicated + mismatched', value: l.lost + l.duplicated + l.mismatched, unit: 'calls', target: '= 0', pass: l.lost + l.duplicated + l.mismatched === 0 },
    { name: 'load failed calls', value: l.failed, unit: 'calls', target: '= 0', pass: l.failed === 0 },
    { name: 'load rate-limited requests', value: l.limited, unit: 'requests' },
    { name: 'gateway RSS growth under load', value: growth, unit: 'MB', target: '< 50', pass: growth < 50 },
    { name: 'gateway heap in use, growth under load', value: l.heapAfter - l.heapBefore, unit: 'MB' },
  ];
}

function notes(o, l) {
  const parts = [];
  if (o) parts.push(`overhead: ${CALLS} interleaved sequential calls per side after ${WARMUP} warm-up, all over stdio with the SDK client; the gateway is a second process with every guard on and trace + audit written; the bare SDK proxy (Server in, Client out, nothing else) is the floor of any process in between.`);
  if (l) parts.push(`load: ${l.calls} calls in ${l.seconds.toFixed(1)} s over HTTP (rate limit set high; --max-concurrent 32), RSS ${l.rssBefore.toFixed(0)} → ${l.rssAfter.toFixed(0)} MB; gateway stderr warnings: ${l.warnings.length ? l.warnings.join(' | ') : 'none'}.`);
  return parts.join(' ');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
}
