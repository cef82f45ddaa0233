// Self time of a .cpuprofile summed by file and by function, over the steady part of the run (40–90 % of
// its duration: start-up, warm-up and shutdown left out). Usage: node bench/cpuprofile-summary.mjs FILE [TOP]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
let ts = p.startTime; const lo = p.startTime + (p.endTime - p.startTime) * 0.4, hi = p.startTime + (p.endTime - p.startTime) * 0.9;
for (let i = 0; i < p.samples.length; i++) { ts += dt[i] ?? 0; if (ts < lo || ts > hi) continue; const id = p.samples[i]; self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0; }
const fn = new Map(), file = new Map();
for (const [id, t] of self) { const n = byId.get(id); const cf = n.callFrame; const f = (cf.url || '(' + cf.functionName + ')').replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/');
  const k = `${cf.functionName || '(anon)'} ${f}:${cf.lineNumber + 1}`; fn.set(k, (fn.get(k) ?? 0) + t); file.set(f, (file.get(f) ?? 0) + t); }
const N = Number(process.argv[3] ?? 40);
const show = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, N).forEach(([k, t]) => console.log((t / 1000).toFixed(1).padStart(9), 'ms', (100 * t / total).toFixed(1).padStart(5) + '%', k));
console.log('total ms', (total / 1000).toFixed(0)); console.log('--- by file'); show(file); console.log('--- by function'); show(fn);
