// Whole-process peak memory of one guarded `mcp-harness call` (and of `mcp-harness tools`) beside the
// official MCP Inspector CLI doing the same against the same server-everything, with the same Node:
// `/usr/bin/time` reports the largest resident set of the process tree (the client or its server),
// runs alternate between the two, and the medians are compared. Target: ours <= the Inspector's.
// The same runs give the whole-process wall time (GNU time %e): target ours <= 0.35 x the Inspector's.
//
// The floor: a bare client (FLOOR_CLIENT below: no SDK, raw JSON-RPC lines) that starts server-everything, lists
// its tools and ends it at once. Node's start and the server's own start dominate every client's wall time, so
// ours is also given over that floor, measured in the same alternating rounds.
//
// The Inspector (an exact-pinned devDependency) is run as its CLI client directly,
// node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js, which is what
// `npx @modelcontextprotocol/inspector --cli` launches; it needs no network.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli.js');
const INSPECTOR = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const TIME = '/usr/bin/time';
const ROUNDS = 5;

/**
 * The least any client does for `tools`: spawn, initialize (declaring what ours declares, so the server registers
 * the same tools), tools/list, print, SIGTERM without a grace period.
 */
const FLOOR_CLIENT = `
const { spawn } = require('node:child_process');
const server = spawn(process.argv[2], process.argv.slice(3), { stdio: ['pipe', 'pipe', 'inherit'] });
const send = (m) => server.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
let buf = '';
server.stdout.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (m.id === 1) { send({ method: 'notifications/initialized' }); send({ id: 2, method: 'tools/list' }); }
    if (m.id === 2) { process.stdout.write(JSON.stringify(m.result.tools.map((t) => t.name)) + '\\n'); server.kill('SIGTERM'); }
  }
});
send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } }, clientInfo: { name: 'floor', version: '0' } } });
`;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs a command under GNU time; returns the peak resident set in MB and the wall time in s, and checks the output. */
function measured(args, cwd, expect) {
  const res = spawnSync(TIME, ['-f', 'PEAK_KB=%M WALL_S=%e', process.execPath, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  const kb = Number(/PEAK_KB=(\d+)/.exec(res.stderr ?? '')?.[1]);
  const wall = Number(/WALL_S=([\d.]+)/.exec(res.stderr ?? '')?.[1]);
  if (res.status !== 0 || !Number.isFinite(kb)) throw new Error(`${args.slice(0, 3).join(' ')} … failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  if (!expect.test(res.stdout)) throw new Error(`${args.slice(0, 3).join(' ')} … printed no ${expect}:\n${res.stdout.slice(0, 400)}`);
  return { mb: kb / 1024, wall };
}

export async function run() {
  for (const [what, file] of [['dist/cli.js (run node esbuild.mjs --production)', CLI], ['the Inspector (npm ci)', INSPECTOR], ['server-everything', EVERYTHING], ['GNU time', TIME]]) {
    if (!existsSync(file)) throw new Error(`${what} is missing: ${file}`);
  }
  const ws = mkdtempSync(join(tmpdir(), 'mcp-harness-bench-mem-'));
  try {
    mkdirSync(join(ws, '.vscode'));
    // Trusted, as in the demo workspace, so the call is made without a confirmation prompt.
    writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'mcpHarness.trustedServers': ['everything'] }));
    writeFileSync(join(ws, '.vscode/mcp.json'), JSON.stringify({ servers: { everything: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] } } }));
    const server = ['--', process.execPath, EVERYTHING, 'stdio'];
    writeFileSync(join(ws, 'floor-client.cjs'), FLOOR_CLIENT);
    const pairs = {
      call: {
        ours: () => measured([CLI, 'call', 'everything/echo', '--args', '{"message":"hi"}', '--json'], ws, /"decision":"ok"/),
        theirs: () => measured([INSPECTOR, '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=hi', ...server], ws, /Echo: hi/),
      },
      tools: {
        ours: () => measured([CLI, 'tools', 'everything', '--json'], ws, /"echo"/),
        theirs: () => measured([INSPECTOR, '--method', 'tools/list', ...server], ws, /"echo"/),
        floor: () => measured([join(ws, 'floor-client.cjs'), process.execPath, EVERYTHING, 'stdio'], ws, /"echo"/),
      },
    };
    const samples = { call: { ours: [], theirs: [] }, tools: { ours: [], theirs: [], floor: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, pair] of Object.entries(pairs)) {
        // Alternate which one goes first, so neither always meets a warmer page cache.
        const order = Object.keys(pair);
        if (round % 2) order.reverse();
        for (const who of order) samples[name][who].push(pair[who]());
      }
    }
    const m = (name, who) => median(samples[name][who].map((x) => x.mb));
    const w = (name, who) => median(samples[name][who].map((x) => x.wall));
    const callRatio = m('call', 'ours') / m('call', 'theirs');
    const toolsRatio = m('tools', 'ours') / m('tools', 'theirs');
    const callWall = w('call', 'ours') / w('call', 'theirs');
    const toolsWall = w('tools', 'ours') / w('tools', 'theirs');
    const overFloor = w('tools', 'ours') / w('tools', 'floor');
    return {
      name: 'cli-memory',
      metrics: [
        { name: 'mcp-harness call everything/echo, peak RSS (median)', value: m('call', 'ours'), unit: 'MB' },
        { name: 'Inspector CLI tools/call echo, peak RSS (median)', value: m('call', 'theirs'), unit: 'MB' },
        { name: 'call: ours / Inspector', value: callRatio, unit: 'ratio', target: '<= 1.00', pass: callRatio <= 1 },
        { name: 'mcp-harness tools everything, peak RSS (median)', value: m('tools', 'ours'), unit: 'MB' },
        { name: 'Inspector CLI tools/list, peak RSS (median)', value: m('tools', 'theirs'), unit: 'MB' },
        { name: 'tools: ours / Inspector', value: toolsRatio, unit: 'ratio', target: '<= 1.00', pass: toolsRatio <= 1 },
        { name: 'call wall time: ours / Inspector (medians)', value: callWall, unit: 'ratio', target: '<= 0.35', pass: callWall <= 0.35 },
        { name: 'tools wall time: ours / Inspector (medians)', value: toolsWall, unit: 'ratio', target: '<= 0.35', pass: toolsWall <= 0.35 },
        { name: 'wall time (medians): ours call / tools', value: `${w('call', 'ours').toFixed(2)} / ${w('tools', 'ours').toFixed(2)}`, unit: 's' },
        { name: 'wall time (medians): Inspector call / tools', value: `${w('call', 'theirs').toFixed(2)} / ${w('tools', 'theirs').toFixed(2)}`, unit: 's' },
        { name: 'floor: a bare client listing the tools, wall (median)', value: w('tools', 'floor'), unit: 's' },
        { name: 'tools wall time: ours / floor', value: overFloor, unit: 'ratio' },
      ],
      notes: `${ROUNDS} alternating rounds, Node ${process.version}, /usr/bin/time %M (the largest resident set in the process tree: the client or server-everything). Ours guards the call (schema, policy, output guardrails, token counts) and prints the step record; the Inspector prints the raw result. Both end server-everything after a grace (it does not exit on end of input: it waits on the roots/list it sends after the handshake): ours 200 ms (the CLI default, MCP_HARNESS_STOP_GRACE_MS), the Inspector's SDK 2 s. Ours declares sampling, elicitation and roots (server-everything lists 16 tools), the Inspector roots only (13); the floor client declares ours.`,
    };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}
