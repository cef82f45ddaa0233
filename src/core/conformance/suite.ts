// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, a CLI) as a child process and reads
// the checks it writes per scenario (<out>/<scenario>-<timestamp>/checks.json, or server-<scenario>-... in server
// mode). The suite is a devDependency: a CLI user without it gets a message naming the package to install.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance';
export const CONFORMANCE_VERSION = '0.1.16';

// The suite imports `globSync` from `fs` (Node >= 22) for its tier-check command only. On Node 20 the suite's own
// `fs` import is redirected to a module adding that export; nothing else changes. Data URLs keep the hook inside
// the bundle.
const FS_WITH_GLOB = `
import * as fs from 'node:fs'; import path from 'node:path';
export * from 'node:fs'; export default fs;
export function globSync(pattern, options = {}) {
  const m = /^\\*\\*\\/([^*?[\\]{}/]+)$/.exec(pattern);
  if (!m) throw new Error('globSync shim (Node 20): unsupported pattern ' + pattern);
  return fs.readdirSync(options.cwd ?? process.cwd(), { recursive: true }).filter((e) => path.basename(String(e)) === m[1]);
}`;
const HOOKS = `
const SHIM = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(FS_WITH_GLOB)}`)};
export async function resolve(specifier, context, next) {
  if (context.parentURL?.includes('/@modelcontextprotocol/conformance/') && (specifier === 'fs' || specifier === 'node:fs')) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

export interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  /** "CheckName: error message" for each failed check. */
  failures: string[];
}

export interface SuiteRun {
  exitCode: number | null;
  results: ScenarioResult[];
}

/** The suite's CLI entry, or undefined when the package is not installed next to us. */
export function locateConformanceCli(searchFrom: string[] = [__dirname, process.cwd()]): string | undefined {
  for (const from of searchFrom) {
    try {
      const pkg = require.resolve(`${CONFORMANCE_PACKAGE}/package.json`, { paths: [from] });
      const entry = join(dirname(pkg), 'dist', 'index.js');
      if (existsSync(entry)) return entry;
    } catch {
      // Not resolvable from here; try the next place.
    }
  }
  return undefined;
}

/** Runs `conformance <mode> ...args -o outDir`; its console output goes to onOutput. */
export function runConformance(cli: string, mode: 'client' | 'server', args: string[], outDir: string, onOutput: (text: string) => void, cwd?: string): Promise<SuiteRun> {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const nodeArgs = nodeMajor < 22 ? ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, cli, mode, ...args, '-o', outDir], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => onOutput(c.toString()));
    child.stderr.on('data', (c: Buffer) => onOutput(c.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, results: readResults(outDir, mode) }));
  });
}

/** One result per scenario directory under outDir (client auth scenarios sit one level deeper: auth/<name>-<ts>). */
export function readResults(outDir: string, mode: 'client' | 'server'): ScenarioResult[] {
  if (!existsSync(outDir)) return [];
  const files = readdirSync(outDir, { recursive: true })
    .map(String)
    .filter((f) => f.split(sep).pop() === 'checks.json');
  return files
    .map((file) => {
      const dir = relative(outDir, join(outDir, file, '..')).split(sep).join('/');
      const scenario = dir.replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '').replace(mode === 'server' ? /^server-/ : /^$/, '');
      return summarize(scenario, JSON.parse(readFileSync(join(outDir, file), 'utf8')));
    })
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
}

function summarize(scenario: string, checks: { name?: string; id?: string; status?: CheckStatus; errorMessage?: string }[]): ScenarioResult {
  const result: ScenarioResult = { scenario, passed: 0, failed: 0, warnings: 0, failures: [] };
  for (const check of Array.isArray(checks) ? checks : []) {
    if (check.status === 'SUCCESS') result.passed++;
    else if (check.status === 'WARNING') result.warnings++;
    else if (check.status === 'FAILURE') {
      result.failed++;
      result.failures.push(`${check.name ?? check.id}${check.errorMessage ? `: ${check.errorMessage}` : ''}`);
    }
  }
  return result;
}

export interface BaselineComparison {
  /** Failed and not in the baseline: a regression. */
  unexpected: ScenarioResult[];
  /** In the baseline and failed, as expected. */
  expected: ScenarioResult[];
  /** In the baseline but passed: the entry can be removed. */
  nowPassing: string[];
  /** In the baseline but the suite did not run it (renamed or removed upstream). */
  missing: string[];
}

/** `baseline` maps a scenario name to the one-line reason it is expected to fail. */
export function compareWithBaseline(results: ScenarioResult[], baseline: Record<string, string>): BaselineComparison {
  const ran = new Set(results.map((r) => r.scenario));
  const failed = results.filter((r) => r.failed > 0);
  return {
    unexpected: failed.filter((r) => !(r.scenario in baseline)),
    expected: failed.filter((r) => r.scenario in baseline),
    nowPassing: results.filter((r) => r.failed === 0 && r.scenario in baseline).map((r) => r.scenario),
    missing: Object.keys(baseline).filter((s) => !ran.has(s)),
  };
}

/** A fixed-width table: scenario, passed, failed, warnings, first failure. */
export function renderResults(results: ScenarioResult[], reasons: Record<string, string> = {}): string {
  const width = Math.max(8, ...results.map((r) => r.scenario.length));
  const head = `${'scenario'.padEnd(width)}  pass  fail  warn  note`;
  const rows = results.map((r) => {
    const note = r.failed ? (reasons[r.scenario] ? `expected: ${reasons[r.scenario]}` : r.failures[0] ?? '') : '';
    return `${r.scenario.padEnd(width)}  ${String(r.passed).padStart(4)}  ${String(r.failed).padStart(4)}  ${String(r.warnings).padStart(4)}  ${note}`;
  });
  return [head, ...rows].join('\n');
}
