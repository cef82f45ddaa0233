#!/usr/bin/env node
// Runs the integration suite inside the real VS Code extension host (code-server from npm), once per run
// listed in test/integration/runs.mjs plus one run per test/integration/suite/workspaces/<name>/ folder
// that has a fixture workspace test/fixtures/workspaces/<name>/.
//
//   node scripts/run-integration.mjs [--run NAME]... [--grep TEXT] [--no-build] [--verbose]
//
// Each run: copy the fixture workspace to a temp dir, start code-server on 127.0.0.1:0 with its own user
// data and extensions dirs, open the workbench in headless chromium with the smoke-test payload that
// makes the extension host load test/integration/suite/index, print the suite's `[mocha] ` lines, and
// take the exit code the page reports through window.codeAutomationExit. Every process is killed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cleanupAll, launchBrowser, makeTempDir, mirrorWorkspace, readRemoteAuthority, repoRoot, startCodeServer,
  withTimeout, workbenchUrl,
} from './lib/host.mjs';
import { ensureHost } from './setup-host.mjs';

const RUN_TIMEOUT_MS = Number(process.env.MCP_HARNESS_RUN_TIMEOUT_MS) || 300_000;
const suiteDir = join(repoRoot, 'out', 'test', 'integration', 'suite');
const logDir = join(repoRoot, '.vscode-test', 'logs');

function parseArgs(argv) {
  const opts = { runs: [], grep: undefined, build: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--run') opts.runs.push(argv[++i]);
    else if (a === '--grep') opts.grep = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else if (a === '--verbose') opts.verbose = true;
    else {
      process.stderr.write(`Unknown argument ${a}. Usage: run-integration.mjs [--run NAME]... [--grep TEXT] [--no-build] [--verbose]\n`);
      process.exit(2);
    }
  }
  return opts;
}

export async function loadRuns() {
  const runs = (await import(pathToFileURL(join(repoRoot, 'test', 'integration', 'runs.mjs')).href)).default;
  const perWorkspace = join(repoRoot, 'test', 'integration', 'suite', 'workspaces');
  if (existsSync(perWorkspace)) {
    for (const name of readdirSync(perWorkspace).sort()) {
      if (runs.some((r) => r.name === `workspace:${name}`)) continue;
      const workspace = `test/fixtures/workspaces/${name}`;
      if (!existsSync(join(repoRoot, workspace))) {
        throw new Error(`test/integration/suite/workspaces/${name}/ has tests but there is no fixture workspace ${workspace}/.`);
      }
      runs.push({ name: `workspace:${name}`, workspace, files: `workspaces/${name}/**/*.test.js`, trust: 'trusted' });
    }
  }
  return runs;
}

/** The workbench hands log messages over as a JSON array of the console arguments. */
function logMessageText(message) {
  const join = (parts) => parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  if (Array.isArray(message)) return join(message);
  if (typeof message !== 'string') return JSON.stringify(message);
  if (message.startsWith('[')) {
    try {
      const parts = JSON.parse(message);
      if (Array.isArray(parts)) return join(parts);
    } catch {
      // plain text that happens to start with a bracket
    }
  }
  return message;
}

export function build() {
  const res = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('The build failed; fix the errors above.');
}

/**
 * Runs one suite in a fresh code-server + chromium. Returns { code, mocha: string[], results, ms }.
 * `onMocha(line)` receives each tagged line without its tag as it arrives.
 */
export async function runSuite(run, { grep, verbose = false, onMocha = () => {}, timeoutMs = RUN_TIMEOUT_MS, extraEnv = {} } = {}) {
  const started = Date.now();
  const tmp = makeTempDir(`it-${run.name.replace(/[^a-z0-9]+/gi, '-')}`);
  const copy = mirrorWorkspace(run.workspace, tmp);
  // `workspaceFile` (relative to the workspace folder) opens that .code-workspace file: a multi-root window.
  const workspace = run.workspaceFile ? join(copy, run.workspaceFile) : copy;
  const resultsFile = join(tmp, 'results.json');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${run.name.replace(/[^a-z0-9]+/gi, '-')}.log`);
  const hostLog = [];
  const record = (line) => {
    hostLog.push(line);
    if (verbose) process.stderr.write(`  | ${line}\n`);
  };
  const mochaLines = [];
  let server;
  let browser;
  try {
    return await withTimeout((async () => {
      server = await startCodeServer({
        workspace,
        trusted: run.trust !== 'restricted',
        settings: run.settings ?? {},
        env: {
          MCP_HARNESS_TEST_FILES: run.files,
          MCP_HARNESS_TEST_RESULTS: resultsFile,
          MCP_HARNESS_TEST_GREP: grep ?? '',
          MCP_HARNESS_REPO: repoRoot,
          ...(run.env ?? {}),
          ...extraEnv,
        },
        log: (l) => record(`[server] ${l}`),
        supportExtensions: true,
      });
      const authority = await readRemoteAuthority(server.url);
      const payload = [
        ['extensionDevelopmentPath', `vscode-remote://${authority}${repoRoot}`],
        ['extensionTestsPath', `vscode-remote://${authority}${join(suiteDir, 'index')}`],
        ['skipWelcome', 'true'],
      ];
      browser = await launchBrowser();
      const { page } = browser;
      let settle;
      const exited = new Promise((resolve) => {
        settle = resolve;
      });
      await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
      await page.exposeFunction('codeAutomationLog', (type, message) => {
        for (const line of logMessageText(message).split('\n')) {
          const i = line.indexOf('[mocha] ');
          if (i >= 0) {
            const l = line.slice(i + 8);
            mochaLines.push(l);
            hostLog.push(`[mocha] ${l}`);
            onMocha(l);
          } else {
            record(`[host:${type}] ${line}`);
          }
        }
      });
      page.on('pageerror', (err) => record(`[page error] ${err.message}`));
      page.on('console', (msg) => record(`[page:${msg.type()}] ${msg.text()}`));
      await page.goto(workbenchUrl(server.url, workspace, payload));
      const code = await exited;
      let results;
      if (existsSync(resultsFile)) results = JSON.parse(readFileSync(resultsFile, 'utf8'));
      // A suite that crashed before mocha reported anything must not count as a pass.
      const finalCode = code === 0 && (!results || results.failed > 0) ? 1 : code;
      return { code: finalCode, mocha: mochaLines, results, ms: Date.now() - started, logFile };
    })(), timeoutMs, `Integration run "${run.name}"`);
  } catch (err) {
    return { code: 1, mocha: mochaLines, error: err, ms: Date.now() - started, logFile };
  } finally {
    writeFileSync(logFile, hostLog.join('\n') + '\n');
    await browser?.close();
    await server?.stop();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) build();
  if (!existsSync(join(suiteDir, 'index.js'))) throw new Error(`${suiteDir}/index.js is missing; run \`node esbuild.mjs\`.`);
  ensureHost();
  let runs = await loadRuns();
  if (opts.runs.length) {
    const unknown = opts.runs.filter((n) => !runs.some((r) => r.name === n));
    if (unknown.length) throw new Error(`Unknown run ${unknown.join(', ')}; known: ${runs.map((r) => r.name).join(', ')}.`);
    runs = runs.filter((r) => opts.runs.includes(r.name));
  }
  let failed = 0;
  const summary = [];
  for (const run of runs) {
    process.stdout.write(`\n▶ integration run "${run.name}" (${run.workspace}, ${run.trust ?? 'trusted'})\n`);
    const res = await runSuite(run, { grep: opts.grep, verbose: opts.verbose, onMocha: (l) => process.stdout.write(`  ${l}\n`) });
    if (res.error) process.stdout.write(`  ✗ ${res.error.message}\n`);
    if (res.code !== 0) {
      failed++;
      process.stdout.write(`  run "${run.name}" failed (exit ${res.code}); host and workbench log: ${res.logFile}\n`);
    }
    summary.push(`${res.code === 0 ? '✓' : '✗'} ${run.name}: ${res.results ? `${res.results.passed} passed, ${res.results.failed} failed` : 'no results'} in ${(res.ms / 1000).toFixed(1)} s`);
  }
  process.stdout.write(`\n${summary.join('\n')}\n`);
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    process.stderr.write(`${err?.message ?? err}\n`);
  } finally {
    await cleanupAll();
  }
  process.exit(code);
}
