// Mocha runner loaded by the real VS Code extension host (extensionTestsPath). The host's console output
// reaches the test runner mixed with workbench logs, so every reporter line is tagged `[mocha] ` and the
// runner prints only those. Which files run comes from MCP_HARNESS_TEST_FILES (comma-separated globs
// relative to this folder, `!` to exclude), set by scripts/run-integration.mjs per run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

const TAG = '[mocha] ';

function say(text: string): void {
  for (const line of text.split('\n')) console.log(TAG + line);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more directories.
        re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

export function selectTestFiles(dir: string, spec: string): string[] {
  const patterns = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const include = patterns.filter((p) => !p.startsWith('!')).map(globToRegExp);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
  return listFiles(dir)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => include.some((re) => re.test(f)) && !exclude.some((re) => re.test(f)))
    .sort()
    .map((f) => path.join(dir, f));
}

class TaggedReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const failures: { title: string; err: Error }[] = [];
    const results: { title: string; state: string; ms?: number; error?: string }[] = [];
    let depth = 0;
    const indent = () => '  '.repeat(depth);
    runner.on('suite', (suite) => {
      if (suite.root) return;
      say(`${indent()}${suite.title}`);
      depth++;
    });
    runner.on('suite end', (suite) => {
      if (!suite.root) depth--;
    });
    runner.on('pass', (test) => {
      say(`${indent()}✓ ${test.title} (${test.duration ?? 0} ms)`);
      results.push({ title: test.fullTitle(), state: 'passed', ms: test.duration });
    });
    runner.on('pending', (test) => {
      say(`${indent()}- ${test.title} (pending)`);
      results.push({ title: test.fullTitle(), state: 'pending' });
    });
    runner.on('fail', (test, err: Error) => {
      failures.push({ title: test.fullTitle(), err });
      say(`${indent()}✗ ${failures.length}) ${test.title}`);
      results.push({ title: test.fullTitle(), state: 'failed', error: String(err?.stack ?? err) });
    });
    runner.once('end', () => {
      failures.forEach(({ title, err }, i) => {
        say('');
        say(`${i + 1}) ${title}`);
        say(String(err?.stack ?? err));
      });
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      say('');
      say(`${stats.passes} passed, ${stats.failures} failed${stats.pending ? `, ${stats.pending} pending` : ''}`);
      const resultsFile = process.env.MCP_HARNESS_TEST_RESULTS;
      if (resultsFile) {
        fs.writeFileSync(resultsFile, JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: stats.pending, results }, null, 2));
      }
    });
  }
}

export async function run(): Promise<void> {
  const spec = process.env.MCP_HARNESS_TEST_FILES || '**/*.test.js,!restricted/**';
  const files = selectTestFiles(__dirname, spec);
  if (files.length === 0) {
    say(`No test files match "${spec}" in ${__dirname}.`);
    say('0 passed, 1 failed');
    throw new Error(`No integration test files match "${spec}".`);
  }
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.MCP_HARNESS_TEST_TIMEOUT) || 60_000,
    reporter: TaggedReporter,
    grep: process.env.MCP_HARNESS_TEST_GREP || undefined,
  });
  for (const f of files) mocha.addFile(f);
  await new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration tests failed.`)) : resolve()));
    } catch (err) {
      say(String((err as Error)?.stack ?? err));
      reject(err);
    }
  });
}
