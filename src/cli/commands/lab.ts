// `mcp-harness lab SERVER`: the reliability lab — property tests from the tool schemas, fault injection
// through the chaos proxy, a benchmark — with a 0–100 score, a JSON result, an HTML report card and a
// Markdown summary. Every probe is a guarded, traced step of the one run service.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_SUITES, DEFAULT_SUITES, type SuiteName } from '../../core/lab/types';
import type * as LabRunner from '../../core/lab/runner';
import { ServiceLabHost, type ProxyLauncher } from '../../core/lab/serviceHost';
import { htmlReport, markdownSummary, partialNote } from '../../core/lab/report';
import { ScratchTooLargeError, withScratchCopy } from '../../core/lab/scratch';
import { HARNESS_DIR } from '../../core/trace/writer';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand } from '../io';
import { OTLP_USAGE } from '../otel';
import { openRunEnvironment, RUN_ENVIRONMENT_OPTIONS, type CliRunContext } from '../runEnvironment';

export const labCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness lab SERVER [--suite props,faults,bench,conformance] [--seed N] [--budget 60s] [--json] [--report FILE.html]',
    '                          [--markdown FILE.md] [--min-score N] [--allow-destructive] [--call-timeout MS]',
    '                          [--out DIR] [--workspace DIR] [--trace-dir DIR] [--policy FILE]',
    '',
    'Generates inputs from each tool\'s inputSchema (valid ones must give a result; invalid ones must be',
    'refused cleanly), checks outputSchema and the readOnly/idempotent annotations, runs the server behind',
    'the fault-injection proxy, benchmarks one read-only tool, and scores it 0-100 (see README, Reliability lab).',
    '',
    '  --suite LIST          suites to run (default: props,faults,bench; conformance runs the official',
    '                        conformance suite\'s server scenarios, bundled with mcp-harness)',
    '  --seed N              seed for inputs and toxics (default: random, printed); the same seed repeats a run',
    '  --budget TIME         wall-clock time for the whole lab, e.g. 60s, 2m (default: 60s). Each suite starts',
    '                        with what is left × its time weight (props 0.3, faults 0.15, bench 0.15, conformance',
    '                        0.5) / the weights of the suites still to run: time one does not use passes on, time',
    '                        it overruns is taken from the ones after it. When the budget ends the suite under',
    '                        way is stopped (partial) and the rest are skipped: the result says "cut short"',
    '  --call-timeout MS     a call taking longer counts as a hang (default: 5000)',
    '  --allow-destructive   also call tools not annotated read-only; a stdio server then runs on scratch',
    '                        copies of the folders in its arguments and the files/folders in its env',
    '  --report FILE.html    write the HTML report card',
    '  --markdown FILE.md    write the Markdown summary (for a pull-request comment)',
    '  --min-score N         exit 1 when the score is below N (for CI)',
    '  --out DIR             where counterexample session files go (default: .mcp-harness/lab)',
    OTLP_USAGE,
    '  --json                print the JSON result (its shape is documented in the README)',
    '',
    'Ctrl-C (or SIGTERM) stops the lab: its servers are stopped and the result so far is printed and written,',
    'marked "cancelled, partial result" (suites not started are skipped). A second Ctrl-C exits at once.',
    '',
    'Exit codes: 0 done (and the score reached --min-score), 1 below --min-score (or, with --min-score, cut',
    'short by --budget), 2 bad arguments, 3 the server could not be started, 130 stopped by Ctrl-C (SIGINT),',
    '143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    suite: { type: 'string' },
    seed: { type: 'string' },
    budget: { type: 'string' },
    'call-timeout': { type: 'string' },
    'allow-destructive': { type: 'boolean' },
    report: { type: 'string' },
    markdown: { type: 'string' },
    'min-score': { type: 'string' },
    out: { type: 'string' },
    ...RUN_ENVIRONMENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'stopping and keeping the partial result' },
  async run({ values, positionals, json, signal }, io) {
    // The suites (fast-check, the HDR histogram) load only when the lab runs: every other command starts lighter.
    const { DEFAULT_BUDGET_MS, DEFAULT_CALL_TIMEOUT_MS, runLab } = require('../../core/lab/runner') as typeof LabRunner;
    const server = positionals[0];
    const suites = parseSuites(values.suite as string | undefined);
    const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('--seed', values.seed as string, -(2 ** 31), 2 ** 31 - 1);
    const budgetMs = values.budget === undefined ? DEFAULT_BUDGET_MS : parseDuration(values.budget as string);
    const callTimeoutMs = values['call-timeout'] === undefined ? DEFAULT_CALL_TIMEOUT_MS : wholeNumber('--call-timeout', values['call-timeout'] as string, 50, 600_000);
    const minScore = values['min-score'] === undefined ? undefined : wholeNumber('--min-score', values['min-score'] as string, 0, 100);
    let result;
    let host: ServiceLabHost | undefined;
    let env: CliRunContext | undefined;
    try {
      env = await openRunEnvironment({ ...values, yes: false }, io, { signal });
      const { ws, service } = env;
      ws.reportProblems(json);
      const known = ws.definitions.map((d) => d.id);
      if (!known.includes(server)) throw new UsageError(`no MCP server named '${server}' is configured in ${ws.folder} (known: ${known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`);
      const labHost = new ServiceLabHost(service, ws.manager, proxyLauncher());
      host = labHost;
      if (!json) io.stderr(`lab: ${server}, suites ${suites.join(',')}, seed ${seed}, budget ${budgetMs / 1000} s\n`);
      const allowDestructive = values['allow-destructive'] === true;
      result = await withScratchCopy(ws.manager, server, allowDestructive, async (testId, copies) => {
        if (copies.length && !json) io.stderr(`lab: the server runs on scratch copies of its data: ${copies.map((c) => `${c.from} → ${c.to}`).join(', ')}\n`);
        const r = await runLab(labHost, {
          server: testId,
          suites,
          seed,
          budgetMs,
          callTimeoutMs,
          allowDestructive,
          outDir: values.out ? resolve(io.cwd, values.out as string) : join(ws.folder, HARNESS_DIR, 'lab'),
          signal,
          budgetAdvice: 'pass a larger --budget',
          onProgress: json ? undefined : (m) => io.stderr(`lab: ${m}\n`),
        });
        return { ...r, server, ...(copies.length ? { scratch: copies } : {}) };
      }).catch((err: unknown) => {
        if (err instanceof ScratchTooLargeError) throw new UsageError(`${err.message}, or run without --allow-destructive.`);
        throw err;
      });
    } finally {
      await host?.dispose();
      await env?.close();
    }
    if (values.report) writeFileSync(resolve(io.cwd, values.report as string), htmlReport(result));
    if (values.markdown) writeFileSync(resolve(io.cwd, values.markdown as string), markdownSummary(result));
    io.stdout(json ? JSON.stringify(result) + '\n' : markdownSummary(result));
    // A partial result is not judged; the CLI exits 130/143 for the signal (see main.ts).
    if (signal.aborted) return EXIT_FAILURE;
    if (result.findings.some((f) => f.kind === 'lab.unreachable')) return EXIT_UNREACHABLE;
    const partial = partialNote(result);
    if (partial) io.stderr(`mcp-harness: the lab was ${partial}: the score ${result.score} covers only the suites that ran. Pass a larger --budget.\n`);
    // A CI gate is not passed on part of a run.
    if (partial && minScore !== undefined) {
      io.stderr(`mcp-harness: a partial score is not judged against --min-score ${minScore}.\n`);
      return EXIT_FAILURE;
    }
    if (minScore !== undefined && result.score < minScore) {
      io.stderr(`mcp-harness: the score ${result.score} is below --min-score ${minScore}.\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
};

/** How the lab starts the chaos proxy: this CLI again, as built (dist/cli.js) or from source under tsx. */
function proxyLauncher(): ProxyLauncher {
  if (__filename.endsWith('.js')) return { command: process.execPath, args: [__filename] };
  return { command: process.execPath, args: ['--import', 'tsx', resolve(__dirname, '..', 'main.ts')] };
}

export function parseSuites(list: string | undefined): SuiteName[] {
  if (list === undefined) return [...DEFAULT_SUITES];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL_SUITES.includes(n as SuiteName));
  if (unknown.length || !names.length) throw new UsageError(`--suite takes a comma-separated list of ${ALL_SUITES.join(', ')}${unknown.length ? `; '${unknown.join("', '")}' is not one` : ''}.`);
  return [...new Set(names)] as SuiteName[];
}

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--budget takes a time such as 60s, 2m or 500ms, not '${text}'.`);
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (ms < 1000 || ms > 3_600_000) throw new UsageError(`--budget must be between 1s and 60m (got ${text}).`);
  return ms;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not '${text}'.`);
  return n;
}
