#!/usr/bin/env node
// End-to-end tier: the real workbench (code-server) in headless Debian chromium driven by playwright-core.
// Every test/e2e/*.e2e.mjs file exports `default` = { name, workspace?, trusted?, settings?, run(wb, t) }
// or an array of them; each gets its own code-server + browser on a copy of its workspace
// (default examples/demo). Screenshots go to test/e2e/screenshots/.
//
//   node scripts/run-e2e.mjs [--only SUBSTRING] [--no-build] [--verbose]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanupAll, repoRoot, withTimeout } from './lib/host.mjs';
import { openWorkbench } from './lib/workbench.mjs';
import { ensureHost } from './setup-host.mjs';

const TEST_TIMEOUT_MS = Number(process.env.MCP_HARNESS_E2E_TIMEOUT_MS) || 180_000;
const e2eDir = join(repoRoot, 'test', 'e2e');
const logDir = join(repoRoot, '.vscode-test', 'logs');

function parseArgs(argv) {
  const opts = { only: undefined, build: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') opts.only = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else if (a === '--verbose') opts.verbose = true;
    else {
      process.stderr.write(`Unknown argument ${a}. Usage: run-e2e.mjs [--only SUBSTRING] [--no-build] [--verbose]\n`);
      process.exit(2);
    }
  }
  return opts;
}

async function loadTests() {
  const tests = [];
  for (const file of readdirSync(e2eDir).filter((f) => f.endsWith('.e2e.mjs')).sort()) {
    const mod = await import(pathToFileURL(join(e2eDir, file)).href);
    const list = Array.isArray(mod.default) ? mod.default : [mod.default];
    for (const t of list) {
      if (!t || typeof t.run !== 'function' || !t.name) throw new Error(`${file} must export default { name, run(wb, t) } (or an array of them).`);
      tests.push({ ...t, file });
    }
  }
  return tests;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) {
    const res = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) throw new Error('The build failed; fix the errors above.');
  }
  ensureHost();
  mkdirSync(logDir, { recursive: true });
  let tests = await loadTests();
  if (opts.only) tests = tests.filter((t) => `${t.file} ${t.name}`.includes(opts.only));
  let failed = 0;
  for (const test of tests) {
    const started = Date.now();
    const logLines = [];
    const log = (l) => {
      logLines.push(l);
      if (opts.verbose) process.stderr.write(`  | ${l}\n`);
    };
    const notes = [];
    const t = { log: (msg) => notes.push(msg) };
    let wb;
    let error;
    try {
      await withTimeout((async () => {
        wb = await openWorkbench({ workspace: test.workspace ?? 'examples/demo', trusted: test.trusted ?? true, settings: test.settings ?? {}, log });
        await test.run(wb, t);
      })(), test.timeoutMs ?? TEST_TIMEOUT_MS, `e2e test "${test.name}"`);
    } catch (err) {
      error = err;
      if (wb) {
        try {
          const shot = await wb.screenshot(`FAILED-${test.name.replace(/[^a-z0-9]+/gi, '-')}`);
          notes.push(`screenshot of the failure: ${shot}`);
        } catch {
          // the page is gone
        }
      }
    } finally {
      await wb?.close();
      const logFile = join(logDir, `e2e-${test.name.replace(/[^a-z0-9]+/gi, '-')}.log`);
      writeFileSync(logFile, logLines.join('\n') + '\n');
      if (error) notes.push(`workbench log: ${logFile}`);
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (error) {
      failed++;
      process.stdout.write(`✗ ${test.name} (${secs} s)\n    ${String(error.stack ?? error).split('\n').join('\n    ')}\n`);
    } else {
      process.stdout.write(`✓ ${test.name} (${secs} s)\n`);
    }
    for (const n of notes) process.stdout.write(`    ${n}\n`);
  }
  process.stdout.write(`\n${tests.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    process.stderr.write(`${err?.stack ?? err}\n`);
  } finally {
    await cleanupAll();
  }
  process.exit(code);
}
