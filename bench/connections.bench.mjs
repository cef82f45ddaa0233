// Starting the three demo servers (server-everything, -filesystem, -memory) through the ServerManager:
// all in parallel vs one after another, rounds interleaved so machine noise hits both sides alike.
// The target: parallel / sequential <= 0.5 (parallel costs about the slowest start, not the sum).
// Also the cost of protocol-version negotiation on a 2025 stdio server (server-everything): start-to-tools with
// "protocol": "2025" (the legacy handshake only, what the client did before negotiation existed) vs "auto"
// with the 2025 verdict remembered (what the CLI does from its second run on) and "auto" probing every start.
// Target: remembered / legacy <= 1.05.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.MCP_HARNESS_BENCH_ROUNDS ?? 5);
const TARGET_RATIO = 0.5;
const NEGOTIATION_TARGET = 1.05;
// Start-to-tools differs by a few per cent between the modes: more rounds than the other figures need.
const NEGOTIATION_ROUNDS = Number(process.env.MCP_HARNESS_BENCH_NEGOTIATION_ROUNDS ?? 24);
const serverPath = (pkg) => join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');

async function loadManager(dir) {
  const outfile = join(dir, 'servers.mjs');
  await build({
    stdin: { contents: "export { ServerManager } from './src/core/servers/manager'; export { VerdictCache } from './src/core/servers/negotiation';", resolveDir: ROOT, loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return import(pathToFileURL(outfile).href);
}

function definitions(dir) {
  const def = (id, args, env) => ({
    id, name: id, transport: 'stdio', command: process.execPath, args, env, hash: id, notes: [],
    source: { file: join(ROOT, 'examples/demo/.vscode/mcp.json'), kind: 'vscode', workspaceFolder: dir, nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } },
  });
  return [
    def('everything', [serverPath('server-everything')]),
    def('filesystem', [serverPath('server-filesystem'), dir]),
    def('memory', [serverPath('server-memory')], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
  ];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-conn-'));
  try {
    const { ServerManager, VerdictCache } = await loadManager(dir);
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const once = async (parallel) => {
      const manager = new ServerManager({ definitions: definitions(dir), logger: quiet, clientInfo: { name: 'bench', version: '0' } });
      const ids = ['everything', 'filesystem', 'memory'];
      const t0 = performance.now();
      if (parallel) {
        const results = await manager.startAll(ids);
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      } else {
        for (const id of ids) await manager.start(id);
      }
      const ms = performance.now() - t0;
      // What the servers themselves spent starting up (their module loading is most of a start).
      const cpu = ids.map((id) => cpuMs(manager.state(id)?.pid));
      if (!parallel && cpu.every((c) => c !== undefined)) serverCpu.push(cpu.reduce((a, b) => a + b, 0));
      await manager.dispose();
      return ms;
    };
    const serverCpu = [];
    // Warm the file system cache so the first measured round is not penalised.
    await once(true);
    const sequential = [];
    const parallel = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        sequential.push(await once(false));
        parallel.push(await once(true));
      } else {
        parallel.push(await once(true));
        sequential.push(await once(false));
      }
    }
    const seq = median(sequential);
    const par = median(parallel);
    const ratio = par / seq;
    // On a machine with fewer free cores than servers, starting in parallel cannot beat the servers' own
    // CPU time spread over the cores: that floor, and how close the parallel start comes to it.
    const cores = availableParallelism();
    const cpu = serverCpu.length ? median(serverCpu) : undefined;
    const floor = cpu !== undefined ? Math.max(cpu / cores, seq / 3) : undefined;
    const negotiation = await negotiationCost(ServerManager, VerdictCache, dir, quiet);
    return {
      name: 'connections',
      metrics: [
        ...negotiation,
        { name: 'start 3 demo servers one after another (median)', value: seq, unit: 'ms' },
        { name: 'start 3 demo servers in parallel (median)', value: par, unit: 'ms' },
        { name: 'parallel / sequential', value: ratio, unit: 'ratio', target: `<= ${TARGET_RATIO}`, pass: ratio <= TARGET_RATIO },
        ...(cpu !== undefined
          ? [
              { name: 'CPU the 3 servers spend starting (median)', value: cpu, unit: 'ms' },
              { name: `parallel floor on ${cores} cores: max(server CPU / cores, sequential / 3)`, value: floor, unit: 'ms' },
              { name: 'floor / sequential (best ratio this machine allows)', value: floor / seq, unit: 'ratio' },
              { name: 'parallel / floor', value: par / floor, unit: 'ratio' },
            ]
          : []),
      ],
      notes: `${ROUNDS} interleaved rounds each (negotiation: ${NEGOTIATION_ROUNDS}, ratios paired per round), after one warm-up; start = spawn + MCP handshake + all pages of tools/resources/prompts. Each server's start is mostly its own CPU-bound module loading: with fewer cores than servers the parallel start cannot go below the servers' CPU time divided by the cores (the floor above), so the ratio rises toward 1.`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Start-to-tools of server-everything under each negotiation mode, rounds interleaved; ratios paired per round. */
async function negotiationCost(ServerManager, VerdictCache, dir, logger) {
  const base = definitions(dir)[0];
  const modes = {
    legacy: { ...base, protocol: '2025', hash: 'everything-2025' },
    remembered: { ...base, hash: 'everything-auto' },
    probing: { ...base, hash: 'everything-auto' },
  };
  const remembered = new VerdictCache();
  remembered.set('everything-auto', 'legacy');
  const once = async (mode) => {
    // A fresh cache for 'probing' each time: every start pays the server/discover probe.
    const protocolVerdicts = mode === 'remembered' ? remembered : new VerdictCache();
    const manager = new ServerManager({ definitions: [modes[mode]], logger, clientInfo: { name: 'bench', version: '0' }, protocolVerdicts });
    const t0 = performance.now();
    const tools = await (await manager.ensureStarted('everything')).listTools();
    const ms = performance.now() - t0;
    if (!tools.length || manager.state('everything').protocol?.era !== 'legacy') throw new Error(`${mode}: no tools or not a 2025 connection`);
    await manager.dispose();
    return ms;
  };
  const times = { legacy: [], remembered: [], probing: [] };
  await once('legacy');
  const order = ['legacy', 'remembered', 'probing'];
  for (let i = 0; i < NEGOTIATION_ROUNDS; i++) {
    for (const mode of i % 2 ? [...order].reverse() : order) times[mode].push(await once(mode));
  }
  const legacy = median(times.legacy);
  // Each round's own ratio, then their median: a slow stretch of the machine slows all three modes of a round
  // alike, so it cancels out of that round's ratio (a ratio of the separate medians moved by ±5% between runs).
  const paired = (mode) => median(times[mode].map((ms, i) => ms / times.legacy[i]));
  const ratio = paired('remembered');
  return [
    { name: 'server-everything start-to-tools, "protocol": "2025" (median)', value: legacy, unit: 'ms' },
    { name: 'start-to-tools, "auto" with the 2025 verdict remembered (median)', value: median(times.remembered), unit: 'ms' },
    { name: 'start-to-tools, "auto" probing every start (median)', value: median(times.probing), unit: 'ms' },
    { name: 'negotiation overhead: remembered / legacy', value: ratio, unit: 'ratio', target: `<= ${NEGOTIATION_TARGET}`, pass: ratio <= NEGOTIATION_TARGET },
    { name: 'negotiation overhead: probing / legacy', value: paired('probing'), unit: 'ratio' },
  ];
}
