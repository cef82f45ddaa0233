// The core and the CLI must run without VS Code: src/core never imports 'vscode' and the CLI bundle
// neither requires it nor needs it to load.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

  before(() => {
    // The real build (esbuild.mjs), so the check covers exactly what ships; then a copy of the CLI bundle in
    // a bare temp dir, where no node_modules could supply a stray 'vscode' package.
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-harness-cli-'));
    cliBundle = path.join(bundleDir, 'cli.js');
    // The whole bundle set: the CLI loads the tokenizer (rank tables, full tables) and XLSX bundles beside it on first use.
    for (const f of fs.readdirSync(path.join(repo, 'dist'))) {
      if (/\.(js|wasm|bpe)$/.test(f)) fs.copyFileSync(path.join(repo, 'dist', f), path.join(bundleDir, f));
    }
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

  it('the CLI bundle (dist/cli.js) does not require vscode', () => {
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

  it('every bundle but the extension is vscode-free (tokenizer, XLSX writer, sandbox worker)', () => {
    const bundles = fs.readdirSync(bundleDir).filter((f) => f.endsWith('.js') && f !== 'extension.js');
    assert.ok(bundles.includes('tokenizer.js') && bundles.includes('xlsx.js'), bundles.join(', '));
    for (const f of bundles) assert.doesNotMatch(fs.readFileSync(path.join(bundleDir, f), 'utf8'), VSCODE_IMPORT, f);
  });

  it('the lazily loaded bundles resolve beside the CLI, with no node_modules around', () => {
    // lint counts tokens (tokenizer.js); report --xlsx writes a workbook (xlsx.js).
    const lint = spawnSync(process.execPath, [cliBundle, 'lint', '--tools-file', path.join(repo, 'test/fixtures/lint/poisoned-tools.json'), '--json'],
      { cwd: bundleDir, encoding: 'utf8', timeout: 60_000 });
    assert.ok(lint.status === 0 || lint.status === 1, `lint failed: ${lint.stderr}`);
    assert.ok(Array.isArray(JSON.parse(lint.stdout)));
    const xlsx = path.join(bundleDir, 'report.xlsx');
    const report = spawnSync(process.execPath, [cliBundle, 'report', path.join(repo, 'test/fixtures/traces/every-decision.jsonl'), '--xlsx', xlsx],
      { cwd: bundleDir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(report.status, 0, `report failed: ${report.stderr}`);
    assert.equal(fs.readFileSync(xlsx).subarray(0, 2).toString('latin1'), 'PK');
    // trace export writes OTLP JSON through the OpenTelemetry SDK (otel-sdk.js).
    const otlp = spawnSync(process.execPath, [cliBundle, 'trace', 'export', '--format', 'otlp-json', path.join(repo, 'test/fixtures/traces/every-decision.jsonl')],
      { cwd: bundleDir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(otlp.status, 0, `trace export failed: ${otlp.stderr}`);
    assert.ok(JSON.parse(otlp.stdout).resourceSpans[0].scopeSpans[0].spans.length > 1);
  });
});
