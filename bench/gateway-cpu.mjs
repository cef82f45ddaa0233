// CPU per call of the stdio gateway against its floor (a bare SDK proxy, as in gateway.bench.mjs), read from
// /proc/PID/stat (utime + stime) over CALLS interleaved `echo` calls after 300 warm-up calls: steadier than
// latency on a loaded machine. PROF=DIR also writes a --cpu-prof profile of the gateway into DIR (summarise
// it with bench/cpuprofile-summary.mjs). Linux only. After `node esbuild.mjs`, under the heavy lock:
//   flock /work/heavy.lock node bench/gateway-cpu.mjs
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { workspace, writeBareProxy } from './gateway.bench.mjs';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli.js');
const CALLS = Number(process.env.CALLS ?? 2000);
const PROF = process.env.PROF; // dir for cpu profile
const ws = workspace();
const bareFile = writeBareProxy(ws);
/** Linux's USER_HZ: /proc/PID/stat counts CPU time in 1/100 s. */
const TICK = 100;
function cpuMs(pid) { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 1000 / TICK; }
async function client(args, env) {
  const c = new Client({ name: 'b', version: '0' });
  const t = new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore', env: { ...process.env, ...env } });
  await c.connect(t);
  return { c, pid: t.pid };
}
const bare = await client([bareFile]);
const gw = await client([...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []), CLI, 'gateway', '--stdio', '--workspace', ws, '--trace-dir', join(ws, 'traces')], {});
for (let i = 0; i < 300; i++) { await bare.c.callTool({ name: 'echo', arguments: { message: `w${i}` } }); await gw.c.callTool({ name: 'everything__echo', arguments: { message: `w${i}` } }); }
const b0 = cpuMs(bare.pid), g0 = cpuMs(gw.pid);
const tb = [], tg = [];
for (let i = 0; i < CALLS; i++) {
  const a = { message: `hello ${i}` };
  let t = performance.now(); const r1 = await bare.c.callTool({ name: 'echo', arguments: a }); tb.push(performance.now() - t);
  t = performance.now(); const r2 = await gw.c.callTool({ name: 'everything__echo', arguments: a }); tg.push(performance.now() - t);
  if (r2.isError) throw new Error(JSON.stringify(r2));
}
const b1 = cpuMs(bare.pid), g1 = cpuMs(gw.pid);
const p50 = (x) => x.sort((a, b) => a - b)[x.length >> 1];
console.log(JSON.stringify({ calls: CALLS, bareCpuMsPerCall: +((b1 - b0) / CALLS).toFixed(3), gwCpuMsPerCall: +((g1 - g0) / CALLS).toFixed(3), bareP50us: Math.round(p50(tb) * 1000), gwP50us: Math.round(p50(tg) * 1000) }));
await bare.c.close(); await gw.c.close();
await new Promise((r) => setTimeout(r, 1500)); // let the gateway write its profile on exit
rmSync(ws, { recursive: true, force: true });
