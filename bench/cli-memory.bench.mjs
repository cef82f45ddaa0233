// Whole-process peak memory of one guarded `mcp-harness call` (and of `mcp-harness tools`) beside the
// official MCP Inspector CLI doing the same against the same server-everything, with the same Node:
// `/usr/bin/time` reports the largest resident set of the process tree (the client or its server),
// runs alternate between the two, and the medians are compared. Target: ours <= the Inspector's.
// The same runs give the whole-process wall time (GNU time %e): target ours <= 0.35 x the Inspector's.
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
    const pairs = {
      call: {
        ours: () => measured([CLI, 'call', 'everything/echo', '--args', '{"message":"hi"}', '--json'], ws, /"decision":"ok"/),
        theirs: () => measured([INSPECTOR, '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=hi', ...server], ws, /Echo: hi/),
      },
      tools: {
        ours: () => measured([CLI, 'tools', 'everything', '--json'], ws, /"echo"/),
        theirs: () => measured([INSPECTOR, '--method', 'tools/list', ...server], ws, /"echo"/),
      },
    };
    const samples = { call: { ours: [], theirs: [] }, tools: { ours: [], theirs: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, pair] of Object.entries(pairs)) {
        // Alternate which one goes first, so neither always meets a warmer page cache.
        const order = round % 2 ? ['theirs', 'ours'] : ['ours', 'theirs'];
        for (const who of order) samples[name][who].push(pair[who]());
      }
    }
    const m = (name, who) => median(samples[name][who].map((x) => x.mb));
    const w = (name, who) => median(samples[name][who].map((x) => x.wall));
    const callRatio = m('call', 'ours') / m('call', 'theirs');
    const toolsRatio = m('tools', 'ours') / m('tools', 'theirs');
    const callWall = w('call', 'ours') / w('call', 'theirs');
    const toolsWall = w('tools', 'ours') / w('tools', 'theirs');
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
      ],
      notes: `${ROUNDS} alternating rounds, Node ${process.version}, /usr/bin/time %M (the largest resident set in the process tree: the client or server-everything). Ours guards the call (schema, policy, output guardrails, token counts) and prints the step record; the Inspector prints the raw result.`,
    };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}
