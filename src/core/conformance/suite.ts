// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, a CLI) as a child process and reads
// the checks it writes per scenario (<out>/<scenario>-<timestamp>/checks.json, or server-<scenario>-... in server
// mode). The build bundles the suite into dist/conformance.js (esbuild.mjs), so the CLI and the extension run it
// without node_modules; a run from source uses the installed devDependency.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';

export const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance';
export const CONFORMANCE_VERSION = '0.1.16';
/** The bundle of the suite's CLI that the build writes next to the CLI and extension bundles. */
export const BUNDLED_CONFORMANCE = 'conformance.js';

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
  /** Server mode: the scenarios in the order the suite started them. */
  started: string[];
  /** Why the run was stopped before the suite ended it, and the scenario it stopped at (not run). */
  stopped?: { reason: 'budget' | 'cancelled' | 'overran'; at?: string };
}

export interface RunOptions {
  cwd?: string;
  /** Server mode: no scenario starts after this time (ms since the epoch); the one under way may finish. */
  startBy?: number;
  /** Server mode: the scenario still under way at this time is stopped too. */
  stopBy?: number;
  signal?: AbortSignal;
}

/** The suite's CLI: the bundle next to this one, else the installed package; undefined when there is neither. */
export function locateConformanceCli(searchFrom: string[] = [__dirname, process.cwd()]): string | undefined {
  const bundled = join(__dirname, BUNDLED_CONFORMANCE);
  if (existsSync(bundled)) return bundled;
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

const SCENARIO_START = /^=== Running scenario: (\S+) ===$/gm;

/**
 * Runs `conformance <mode> ...args -o outDir`; its console output goes to onOutput. In server mode the suite runs
 * its scenarios one after another: `startBy` stops it when it is about to start one late, `stopBy` and `signal`
 * stop it at once. Results are read from the scenarios that finished.
 */
export function runConformance(cli: string, mode: 'client' | 'server', args: string[], outDir: string, onOutput: (text: string) => void, options: RunOptions = {}): Promise<SuiteRun> {
  // The extension host's binary is Electron; ELECTRON_RUN_AS_NODE makes it run the suite as Node.
  const child = spawn(process.execPath, [...nodeFlags(cli), cli, mode, ...args, '-o', outDir], { cwd: options.cwd, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: string[] = [];
  let stopped: SuiteRun['stopped'];
  const stop = (reason: NonNullable<SuiteRun['stopped']>['reason'], at?: string) => {
    stopped ??= { reason, ...(at ? { at } : {}) };
    child.kill('SIGKILL');
  };
  let pending = '';
  child.stdout.on('data', (c: Buffer) => {
    const text = c.toString();
    onOutput(text);
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const m of lines.join('\n').matchAll(SCENARIO_START)) {
      if (stopped) break;
      if (options.startBy !== undefined && Date.now() > options.startBy) stop('budget', m[1]);
      else started.push(m[1]);
    }
  });
  child.stderr.on('data', (c: Buffer) => onOutput(c.toString()));
  const onAbort = () => stop('cancelled');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const overrun = options.stopBy !== undefined ? setTimeout(() => stop('overran'), Math.max(0, options.stopBy - Date.now())) : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(overrun);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, results: readResults(outDir, mode), started, ...(stopped ? { stopped } : {}) });
    });
  });
}

/** The suite's own ESM build needs the `fs` shim on Node 20; the CommonJS bundle does not. */
function nodeFlags(cli: string): string[] {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  return nodeMajor < 22 && !cli.endsWith(BUNDLED_CONFORMANCE) ? ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`] : [];
}

/**
 * The server scenarios a default run starts, in order. The suite's `list` command also names its pending
 * scenarios, which a run leaves out; a run against a loopback server that refuses everything (each scenario
 * fails at once) names exactly the ones a run starts. `signal` stops it (then it fails: the list would be partial).
 */
export async function listServerScenarios(cli: string, outDir: string, signal?: AbortSignal): Promise<string[]> {
  const refuse = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => refuse.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(refuse.address() as AddressInfo).port}/mcp`;
    let output = '';
    const run = await runConformance(cli, 'server', ['--url', url], outDir, (t) => (output += t), { signal });
    if (run.stopped) throw new Error('the listing of the conformance scenarios was stopped');
    return [...output.matchAll(SCENARIO_START)].map((m) => m[1]);
  } finally {
    refuse.closeAllConnections();
    await new Promise((r) => refuse.close(r));
  }
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
