// Gateway figures, measured in one run on loopback:
//  1. overhead: server-everything's `echo` through `mcp-harness gateway --stdio` (a second process, every
//     guard on, trace and audit written) against the same call made directly to server-everything, both
//     with the SDK client over stdio, interleaved call by call. Targets p50 ≤ 1.10×, p99 ≤ 1.25×.
//  2. load: 64 clients × 500 calls each over Streamable HTTP through `mcp-harness gateway --http`; every
//     client checks that each answer carries its own payload (lost / duplicated / mismatched are counted),
//     throughput, p50/p95/p99 and the gateway's RSS growth (target < 50 MB), read in the process after two
//     full GCs, before and after the load and once the clients have gone. The same load against a bare SDK
//     Streamable HTTP server (no guards) in the same run is the floor. Bounded: it stops by itself.
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
/** Rounds of one call per client before the baseline reading. */
const WARMUP_ROUNDS = 3;
/** `load` measures only the load part (the RSS figure), `overhead` only the latency ratios. */
const ONLY = process.env.MCP_HARNESS_BENCH_GATEWAY_ONLY;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

export function workspace() {
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
export function writeBareProxy(ws) {
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

/** Node flags for both load targets: --expose-gc for the probe below. */
const LOAD_NODE_FLAGS = ['--expose-gc'];

/**
 * Preloaded into both load targets: on SIGUSR2 the process collects garbage twice and writes its
 * process.memoryUsage() to the file named by MCP_HARNESS_MEMPROBE, so RSS and heap are read at the same
 * settled point in the gateway and in its floor.
 */
function writeMemProbe(ws) {
  const file = join(ws, 'memprobe.cjs');
  writeFileSync(file, `
    const { writeFileSync } = require('node:fs');
    // MCP_HARNESS_BENCH_HEAPPROF=DIR: sample allocations from the second reading (the baseline) on, and write the sampled
    // allocations still alive at each later reading (a .heapprofile for DevTools) — what the load left behind.
    const profDir = process.env.MCP_HARNESS_BENCH_HEAPPROF;
    const inspector = profDir ? new (require('node:inspector').Session)() : undefined;
    if (inspector) inspector.connect();
    let n = 0;
    process.on('SIGUSR2', () => {
      global.gc(); global.gc();
      if (inspector && n === 1) inspector.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: false, includeObjectsCollectedByMinorGC: false });
      else if (inspector && n > 1) inspector.post('HeapProfiler.getSamplingProfile', (err, r) => err || writeFileSync(profDir + '/' + process.pid + '-' + n + '.heapprofile', JSON.stringify(r.profile)));
      n++;
      const m = process.memoryUsage();
      const spaces = Object.fromEntries(require('node:v8').getHeapSpaceStatistics().map((x) => [x.space_name, x.space_used_size]));
      writeFileSync(process.env.MCP_HARNESS_MEMPROBE, JSON.stringify({ spaces, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }));
    });
  `);
  return file;
}

/**
 * The floor of any HTTP gateway: a bare SDK server (Streamable HTTP, one transport and Server per MCP
 * session, nothing else) that forwards tools/call to server-everything. Same load, same probe.
 */
function writeBareHttpServer(ws) {
  const sdk = (p) => JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/@modelcontextprotocol/sdk/dist/esm', p)).href);
  const file = join(ws, 'bare-http.mjs');
  writeFileSync(file, `
    import { createServer } from 'node:http';
    import { randomUUID } from 'node:crypto';
    import { Server } from ${sdk('server/index.js')};
    import { StreamableHTTPServerTransport } from ${sdk('server/streamableHttp.js')};
    import { Client } from ${sdk('client/index.js')};
    import { StdioClientTransport } from ${sdk('client/stdio.js')};
    import { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest } from ${sdk('types.js')};
    const upstream = new Client({ name: 'bare-http', version: '0' });
    await upstream.connect(new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(EVERYTHING)}], stderr: 'ignore' }));
    const sessions = new Map();
    const http = createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const id = req.headers['mcp-session-id'];
      if (id && sessions.has(id)) return sessions.get(id).handleRequest(req, res, body);
      if (!isInitializeRequest(body)) return res.writeHead(400).end();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => sessions.set(sid, transport), onsessionclosed: (sid) => sessions.delete(sid) });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      const server = new Server({ name: 'bare-http', version: '0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => upstream.listTools());
      server.setRequestHandler(CallToolRequestSchema, (r) => upstream.callTool({ name: r.params.name.replace(/^everything__/, ''), arguments: r.params.arguments }));
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    });
    http.listen(0, '127.0.0.1', () => process.stderr.write('listening at http://127.0.0.1:' + http.address().port + '/mcp\\n'));
  `);
  return file;
}

async function startTarget(ws, kind) {
  const probeFile = join(ws, `memprobe-${kind}.json`);
  const args =
    kind === 'gateway'
      ? [CLI, 'gateway', '--workspace', ws, '--http', '0', '--token-file', join(ws, 'token'), '--trace-dir', join(ws, 'traces'), '--rate-limit', '1000000', '--max-concurrent', '32']
      : [writeBareHttpServer(ws)];
  const child = spawn(process.execPath, [...LOAD_NODE_FLAGS, '--require', writeMemProbe(ws), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MCP_HARNESS_MEMPROBE: probeFile },
  });
  let err = '';
  child.stderr.on('data', (x) => (err += x));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start: ${err}`)), 30_000);
    child.stderr.on('data', () => {
      const m = /at (http:\/\/\S+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited ${code}: ${err}`)));
  });
  const token = kind === 'gateway' ? readFileSync(join(ws, 'token'), 'utf8').trim() : undefined;
  /** RSS and heap (MB) after two full GCs in the target. */
  const settled = async () => {
    rmSync(probeFile, { force: true });
    child.kill('SIGUSR2');
    // A heap snapshot (MCP_HARNESS_BENCH_HEAPSNAP) takes seconds.
    for (let i = 0; i < 2400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      try {
        const m = JSON.parse(readFileSync(probeFile, 'utf8'));
        return { spaces: m.spaces, rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, heapTotal: m.heapTotal / 2 ** 20, external: (m.external + m.arrayBuffers) / 2 ** 20 };
      } catch {
        /* not written yet */
      }
    }
    throw new Error(`${kind} did not answer the memory probe: ${err.slice(-500)}`);
  };
  return { child, url, headers: token ? { Authorization: `Bearer ${token}` } : {}, settled, stderr: () => err };
}

async function load(ws, kind) {
  const target = await startTarget(ws, kind);
  const { headers } = target;
  const connect = async (c) => {
    const client = new Client({ name: `load-${c}`, version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers } }));
    return client;
  };
  const clients = await Promise.all(Array.from({ length: LOAD_CLIENTS }, (_, c) => connect(c)));
  const idle = await target.settled();
  // Warm up the upstream and the code paths (and let the gateway reach its steady state: past 32 token
  // counts it builds the full tokenizer tables once), then take the baseline.
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    await Promise.all(clients.map((client, c) => client.callTool({ name: 'everything__echo', arguments: { message: `warm ${c} ${round}` } })));
  }
  const before = await target.settled();
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const latencies = [];
  let lost = 0;
  let duplicated = 0;
  let mismatched = 0;
  let failed = 0;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(target.child.pid))), 250);
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
  clearInterval(sampler);
  const loaded = await target.settled();
  // Well-behaved clients end their sessions (DELETE), then close.
  await Promise.all(clients.map((c) => c.transport?.terminateSession().catch(() => undefined)));
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  // The clients have gone: what is still held now is held for nobody.
  await new Promise((r) => setTimeout(r, 500));
  const left = await target.settled();
  if (process.env.MCP_HARNESS_BENCH_HEAPPROF) process.stderr.write(`${kind} heap spaces (bytes) before / loaded / left: ${JSON.stringify([before.spaces, loaded.spaces, left.spaces])}\n`);
  let limited = 0;
  if (kind === 'gateway') {
    const metrics = await (await fetch(target.url.replace(/\/mcp$/, '/metrics'), { headers })).text();
    limited = Number(/^mcp_gateway_rate_limited_total\{[^}]*\} (\S+)/m.exec(metrics)?.[1] ?? 0);
  }
  target.child.kill('SIGTERM');
  await new Promise((r) => target.child.once('exit', r));
  const warnings = [...new Set(target.stderr().split('\n').filter((line) => /Warning/.test(line)).map((line) => line.slice(0, 160)))];
  return { calls: latencies.length, seconds, latency: stats(latencies), idle, before, loaded, left, peakRss, lost: Math.max(0, lost), duplicated, mismatched, failed, limited, warnings };
}

export async function run() {
  const ws = workspace();
  try {
    const o = ONLY === 'load' ? undefined : await overhead(ws);
    const l = ONLY === 'overhead' ? undefined : { gateway: await load(ws, 'gateway'), bare: await load(ws, 'bare') };
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

function loadMetrics({ gateway: l, bare }) {
  const growth = (m) => m.loaded.rss - m.before.rss;
  const lostEtc = l.lost + l.duplicated + l.mismatched;
  return [
    { name: `load ${LOAD_CLIENTS}×${LOAD_CALLS} throughput`, value: l.calls / l.seconds, unit: 'calls/s' },
    { name: 'load p50', value: l.latency.p50, unit: 'ms' },
    { name: 'load p95', value: l.latency.p95, unit: 'ms' },
    { name: 'load p99', value: l.latency.p99, unit: 'ms' },
    { name: 'load lost + duplicated + mismatched', value: lostEtc, unit: 'calls', target: '= 0', pass: lostEtc === 0 },
    { name: 'load failed calls', value: l.failed, unit: 'calls', target: '= 0', pass: l.failed === 0 },
    { name: 'load rate-limited requests', value: l.limited, unit: 'requests' },
    { name: 'gateway RSS growth under load (after GC)', value: growth(l), unit: 'MB', target: '< 50', pass: growth(l) < 50 },
    { name: 'gateway heap in use, growth under load (after GC)', value: l.loaded.heap - l.before.heap, unit: 'MB' },
    { name: 'gateway RSS growth, clients gone (after GC)', value: l.left.rss - l.before.rss, unit: 'MB' },
    { name: 'gateway heap growth, clients gone (after GC)', value: l.left.heap - l.before.heap, unit: 'MB' },
    { name: 'gateway peak RSS under load', value: l.peakRss, unit: 'MB' },
    { name: 'bare SDK HTTP server throughput (floor)', value: bare.calls / bare.seconds, unit: 'calls/s' },
    { name: 'bare SDK HTTP server load p50 (floor)', value: bare.latency.p50, unit: 'ms' },
    { name: 'bare SDK HTTP server RSS growth (floor, after GC)', value: growth(bare), unit: 'MB' },
    { name: 'bare SDK HTTP server heap growth (floor, after GC)', value: bare.loaded.heap - bare.before.heap, unit: 'MB' },
    { name: 'bare SDK HTTP server peak RSS (floor)', value: bare.peakRss, unit: 'MB' },
    { name: 'gateway RSS growth above the floor', value: growth(l) - growth(bare), unit: 'MB' },
  ];
}

function notes(o, l) {
  const parts = [];
  if (o) parts.push(`overhead: ${CALLS} interleaved sequential calls per side after ${WARMUP} warm-up, all over stdio with the SDK client; the gateway is a second process with every guard on and trace + audit written; the bare SDK proxy (Server in, Client out, nothing else) is the floor of any process in between.`);
  if (l) {
    const g = l.gateway;
    const mb = (m) => `RSS ${m.rss.toFixed(0)} / heap ${m.heap.toFixed(0)} used of ${m.heapTotal.toFixed(0)} / external ${m.external.toFixed(0)} MB`;
    parts.push(
      `load: ${g.calls} calls in ${g.seconds.toFixed(1)} s over HTTP (rate limit set high; --max-concurrent 32). Memory is read in the process after two full GCs (--expose-gc, on a signal): ` +
        `gateway connected, no call yet ${mb(g.idle)}, warmed up (baseline) ${mb(g.before)}, after the load ${mb(g.loaded)}, clients gone ${mb(g.left)}; ` +
        `floor (bare SDK Streamable HTTP server forwarding to server-everything, ${l.bare.calls} calls in ${l.bare.seconds.toFixed(1)} s, ${l.bare.failed} failed) connected ${mb(l.bare.idle)}, warmed up ${mb(l.bare.before)}, after ${mb(l.bare.loaded)}, clients gone ${mb(l.bare.left)}; ` +
        `gateway stderr warnings: ${g.warnings.length ? g.warnings.join(' | ') : 'none'}.`,
    );
  }
  return parts.join(' ');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
}
