#!/usr/bin/env node
// The same integration suite under @vscode/test-electron, for machines that can download VS Code
// (update.code.visualstudio.com). Offline machines use `npm run test:integration` (code-server) instead;
// here this fails with ENOTFOUND, which is expected.
//
//   node scripts/run-electron.mjs [--run NAME]... [--vscode-version 1.101.0|stable|insiders] [--no-build]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { build, loadRuns } from './run-integration.mjs';
import { mirrorWorkspace, QUIET_SETTINGS, repoRoot, writeUserSettings } from './lib/host.mjs';

function parseArgs(argv) {
  // The oldest VS Code the extension declares (engines.vscode) is the default, so API misuse shows up.
  const opts = { runs: [], version: process.env.MCP_HARNESS_VSCODE_VERSION ?? '1.101.0', build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--run') opts.runs.push(argv[++i]);
    else if (a === '--vscode-version') opts.version = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else {
      process.stderr.write(`Unknown argument ${a}. Usage: run-electron.mjs [--run NAME]... [--vscode-version V] [--no-build]\n`);
      process.exit(2);
    }
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) build();
  let runs = await loadRuns();
  if (opts.runs.length) runs = runs.filter((r) => opts.runs.includes(r.name));
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode(opts.version);
  } catch (err) {
    process.stderr.write(`VS Code ${opts.version} could not be downloaded: ${err?.message ?? err}\n` +
      'Without internet use `npm run test:integration` (the same suite in code-server from npm).\n');
    return 1;
  }
  let failed = 0;
  for (const run of runs) {
    process.stdout.write(`\n▶ electron run "${run.name}" (${run.workspace}, ${run.trust ?? 'trusted'})\n`);
    const tmp = mkdtempSync(join(tmpdir(), 'mcp-harness-electron-'));
    try {
      // The copy keeps its relative paths to the repo (see mirrorWorkspace), so tests never dirty the repo.
      const copy = mirrorWorkspace(run.workspace, tmp);
      // A run with `workspaceFile` opens that .code-workspace file (a multi-root window), as in run-integration.
      const workspace = run.workspaceFile ? join(copy, run.workspaceFile) : copy;
      const userDataDir = join(tmp, 'user-data');
      const restricted = run.trust === 'restricted';
      writeUserSettings(userDataDir, {
        ...QUIET_SETTINGS,
        ...(restricted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {}),
        ...(run.settings ?? {}),
      });
      const code = await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: join(repoRoot, 'out', 'test', 'integration', 'suite', 'index'),
        extensionTestsEnv: { MCP_HARNESS_TEST_FILES: run.files, MCP_HARNESS_REPO: repoRoot, ...(run.env ?? {}) },
        launchArgs: [
          workspace,
          '--user-data-dir', userDataDir,
          '--extensions-dir', join(tmp, 'extensions'),
          '--disable-extensions',
          '--skip-welcome',
          '--skip-release-notes',
          ...(restricted ? [] : ['--disable-workspace-trust']),
        ],
      });
      if (code !== 0) failed++;
    } catch (err) {
      failed++;
      process.stderr.write(`run "${run.name}" failed: ${err?.message ?? err}\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return failed ? 1 : 0;
}

process.exit(await main());
