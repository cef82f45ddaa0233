// The core and the CLI must run without VS Code: src/core never imports 'vscode' and the CLI bundle
// neither requires it nor needs it to load.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const repo = path.resolve(__dirname, '..', '..', '..');
const coreDir = path.join(repo, 'src', 'core');

// import ... from 'vscode', import 'vscode', import('vscode'), require('vscode'), export ... from 'vscode'
const VSCODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"`])vscode\1/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(c|m)?[jt]s$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('no vscode in core and CLI', function () {
  this.timeout(60_000);
  let bundleDir: string;
  let cliBundle: string;

  before(async () => {
    // Build the CLI exactly as esbuild.mjs does, into a temp dir, so the test checks the current sources.
    bundleDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'mcp-harness-cli-'));
    cliBundle = path.join(bundleDir, 'cli.js');
    await esbuild.build({
      entryPoints: [path.join(repo, 'src', 'cli', 'main.ts')],
      outfile: cliBundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode'],
      logLevel: 'silent',
      banner: { js: '#!/usr/bin/env node' },
    });
  });

  after(() => {
    fs.rmSync(bundleDir, { recursive: true, force: true });
  });

  it('the pattern catches every import form (so the checks below can fail)', () => {
    for (const s of [`import * as vscode from 'vscode';`, `import "vscode";`, `const v = require('vscode')`,
      'await import(`vscode`)', `export { window } from "vscode"`, `import type { Uri } from 'vscode'`]) {
      assert.match(s, VSCODE_IMPORT, s);
    }
    for (const s of [`import x from 'vscode-jsonrpc'`, `// the vscode extension`, `require('./vscode')`]) {
      assert.doesNotMatch(s, VSCODE_IMPORT, s);
    }
  });

  it('no file in src/core imports vscode', () => {
    const files = sourceFiles(coreDir);
    assert.ok(files.length > 0, 'src/core has no source files');
    const offenders = files.filter((f) => VSCODE_IMPORT.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(repo, f));
    assert.deepEqual(offenders, []);
  });

  it('the CLI bundle does not require vscode', () => {
    const code = fs.readFileSync(cliBundle, 'utf8');
    assert.doesNotMatch(code, VSCODE_IMPORT);
  });

  it('the CLI bundle loads and runs where vscode cannot be resolved', () => {
    // A bare directory outside the repo: no node_modules to find a stray 'vscode' package in.
    const res = spawnSync(process.execPath, [cliBundle, '--help'], { cwd: bundleDir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(res.status, 0, `cli --help failed: ${res.stderr}`);
    assert.match(res.stdout + res.stderr, /mcp-harness/);
    assert.doesNotMatch(res.stderr, /Cannot find module 'vscode'/);
  });

  it('the built dist/cli.js (if present) does not require vscode', function () {
    const dist = path.join(repo, 'dist', 'cli.js');
    if (!fs.existsSync(dist)) this.skip();
    assert.doesNotMatch(fs.readFileSync(dist, 'utf8'), VSCODE_IMPORT);
  });
});
