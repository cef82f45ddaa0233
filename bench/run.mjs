#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs, prints one table and writes bench/results/latest.json.
// A bench module exports `async function run()` returning
//   { name, metrics: [{ name, value, unit, target?, pass? }], notes? }
// `target` is a human-readable goal (e.g. "<= 50"); `pass` is the bench's own verdict against it.
//
//   node bench/run.mjs [--only SUBSTRING]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

function fmt(v) {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

const files = readdirSync(benchDir).filter((f) => f.endsWith('.bench.mjs')).filter((f) => !only || f.includes(only)).sort();
const results = [];
let failed = 0;
for (const file of files) {
  const started = Date.now();
  process.stderr.write(`running ${file} ...\n`);
  try {
    const mod = await import(pathToFileURL(join(benchDir, file)).href);
    if (typeof mod.run !== 'function') throw new Error(`${file} does not export an async run() function.`);
    const res = await mod.run();
    if (!res || !Array.isArray(res.metrics)) throw new Error(`${file}: run() must return { name, metrics: [...] }.`);
    results.push({ file, ...res, seconds: (Date.now() - started) / 1000 });
  } catch (err) {
    failed++;
    results.push({ file, name: file, error: String(err?.stack ?? err), metrics: [], seconds: (Date.now() - started) / 1000 });
  }
}

const rows = [['bench', 'metric', 'value', 'unit', 'target', 'ok']];
for (const r of results) {
  if (r.error) {
    rows.push([r.name, 'ERROR', r.error.split('\n')[0], '', '', '✗']);
    continue;
  }
  for (const m of r.metrics) {
    rows.push([r.name, m.name, fmt(m.value), m.unit ?? '', m.target ?? '', m.pass === undefined ? '' : m.pass ? '✓' : '✗']);
  }
}
process.stdout.write(`${table(rows)}\n`);
for (const r of results) {
  if (r.notes) process.stdout.write(`\n${r.name}: ${r.notes}\n`);
  if (r.error) process.stdout.write(`\n${r.name} failed:\n${r.error}\n`);
}

const outDir = join(benchDir, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), JSON.stringify({
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  results,
}, null, 2));
process.stdout.write(`\nwrote bench/results/latest.json\n`);
// Missed targets are reported, not fatal: figures vary with the machine. A bench that crashes is fatal.
process.exit(failed ? 1 : 0);
