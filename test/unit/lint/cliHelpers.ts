// Runs the built CLI for the lint and pin tests. The bundle is built with esbuild.mjs and copied to a
// private temp dir, so another suite rebuilding dist/ in parallel cannot swap it mid-test.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function buildPrivateCli(): { cli: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-harness-lint-cli-bundle-'));
  const cli = join(dir, 'cli.js');
  for (let attempt = 0; ; attempt++) {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    // The whole bundle set: the CLI loads the tokenizer (rank tables, full tables) and XLSX bundles beside it on first use.
    for (const f of readdirSync(join(ROOT, 'dist'))) if (/\.(js|wasm|bpe)$/.test(f)) copyFileSync(join(ROOT, 'dist', f), join(dir, f));
    const check = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    if (check.status === 0) break;
    if (attempt >= 2) throw new Error(`the CLI bundle does not run: ${check.stderr}`);
  }
  return { cli, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the CLI; standard input gets `stdin` (empty by default) and is closed, so `exec -` never waits;
 * `env` is laid over this process's environment.
 */
export function runCli(cli: string, args: string[], cwd = ROOT, stdin = '', env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, MCP_HARNESS_VERBOSE: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
    // A CLI that stops reading early (a refused input) may close the pipe before all of it is written.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
