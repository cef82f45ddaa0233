// `mcp-harness conformance SERVER`: the official MCP conformance suite's server scenarios against one workspace
// server. An HTTP server is tested at its URL; a stdio server behind a loopback Streamable HTTP bridge.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioHttpBridge } from '../../core/conformance/bridge';
import { CONFORMANCE_PACKAGE, CONFORMANCE_VERSION, locateConformanceCli, renderResults, runConformance, type ScenarioResult } from '../../core/conformance/suite';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_STOP_GRACE_MS } from '../../core/servers';
import { CliError, EXIT_FAILURE, EXIT_OK, UnreachableError, UsageError, type CliCommand } from '../io';
import { openWorkspace } from '../workspace';
import { findServer } from './tools';

export interface ConformanceReport {
  server: string;
  /** What the suite was pointed at: the server's own URL, or the bridge's for a stdio server. */
  url: string;
  bridged: boolean;
  /** Ctrl-C or SIGTERM stopped the suite: the scenarios are those that finished. */
  cancelled?: true;
  passed: number;
  failed: number;
  scenarios: ScenarioResult[];
}

export const conformanceCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness conformance SERVER [--workspace DIR] [--scenario NAME] [--json] [--verbose]',
    '',
    `Runs the server scenarios of ${CONFORMANCE_PACKAGE} (${CONFORMANCE_VERSION}) against SERVER (a name from`,
    '`mcp-harness servers`) and prints one row per scenario: checks passed, failed, warnings, the first failure.',
    'An http server is tested at its URL. A stdio server is started behind a Streamable HTTP bridge on',
    '127.0.0.1 (one process per scenario), since the suite speaks HTTP only. SSE-only servers are not supported.',
    '',
    '  --workspace DIR   the workspace folder (default: the current folder)',
    '  --scenario NAME   run one scenario (see `npx @modelcontextprotocol/conformance list --server`)',
    "  --verbose         also print the suite's own output on stderr",
    '  --json            print {server, url, bridged, passed, failed, scenarios: [{scenario, passed, failed, warnings, failures}]}',
    '',
    'Ctrl-C (or SIGTERM) stops the suite and the server and prints the scenarios that finished ("cancelled": true).',
    '',
    'Exit codes: 0 every scenario passed, 1 a scenario failed, 2 unknown server or bad arguments,',
    '3 the server could not be reached or the suite is not installed, 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    scenario: { type: 'string' },
    verbose: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'stopping the suite and the server, and keeping the scenarios that finished' },
  async run({ values, positionals, json, signal }, io) {
    const cli = locateConformanceCli();
    if (!cli) {
      throw new UnreachableError(`the conformance suite is not installed. Install it next to mcp-harness: npm install --save-dev ${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION}.`);
    }
    const scenario = values.scenario as string | undefined;
    if (scenario !== undefined && !/^[a-z0-9][a-z0-9._/-]*$/i.test(scenario)) throw new UsageError(`--scenario takes a scenario name such as tools-list; got '${scenario}'.`);
    const ws = await openWorkspace(values.workspace as string | undefined, io);
    const def = findServer(ws.definitions, positionals[0], ws.folder);
    await ws.close();
    if (def.error) throw new UnreachableError(def.error);
    if (def.transport === 'sse') {
      throw new CliError(`${def.id} uses the older HTTP+SSE transport; the conformance suite tests Streamable HTTP and stdio servers only.`, EXIT_FAILURE, 'unsupported');
    }
    const bridge = def.transport === 'stdio' ? new StdioHttpBridge(def, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, stopGraceMs: DEFAULT_STOP_GRACE_MS }) : undefined;
    const out = mkdtempSync(join(tmpdir(), 'mcp-harness-conformance-'));
    try {
      const url = bridge ? await bridge.listen() : def.url!;
      const args = ['--url', url, ...(scenario ? ['--scenario', scenario] : [])];
      let output = '';
      const run = await runConformance(cli, 'server', args, out, (t) => {
        output += t;
        if (values.verbose === true) io.stderr(t);
      }, { signal });
      const cancelled = run.stopped?.reason === 'cancelled';
      if (run.results.length === 0 && !cancelled) throw noScenarioRan(output, def.id, run.exitCode, scenario);
      const report: ConformanceReport = {
        server: def.id,
        url,
        bridged: bridge !== undefined,
        ...(cancelled ? { cancelled: true as const } : {}),
        passed: run.results.filter((r) => r.failed === 0).length,
        failed: run.results.filter((r) => r.failed > 0).length,
        scenarios: run.results,
      };
      if (json) io.stdout(JSON.stringify(report, null, 2) + '\n');
      else io.stdout(`${renderResults(run.results)}\n\n${def.id}: ${report.passed}/${run.results.length} scenarios pass${cancelled ? ' (cancelled: only the scenarios that finished)' : ''}.\n`);
      // A cancelled run exits 130/143 for its signal (main.ts), whatever its scenarios came to.
      return report.failed || cancelled ? EXIT_FAILURE : EXIT_OK;
    } finally {
      // Stopped by Ctrl-C or SIGTERM: the bridged servers are ended at once, not given their grace to exit on end of
      // input (as `lab` does with a cut or cancelled conformance run).
      await bridge?.close({ atOnce: signal.aborted });
      rmSync(out, { recursive: true, force: true });
    }
  },
};

function noScenarioRan(output: string, server: string, exitCode: number | null, scenario: string | undefined): CliError {
  if (scenario && /Unknown scenario/i.test(output)) {
    const known = [...output.matchAll(/^\s+- ([\w./-]+)\s*$/gm)].map((m) => m[1]);
    return new UsageError(`the conformance suite has no server scenario '${scenario}'.${known.length ? ` Server scenarios: ${known.join(', ')}.` : ''}`);
  }
  const tail = output.trim().split('\n').slice(-5).join('\n');
  return new UnreachableError(`the conformance suite ran no scenario against ${server} (it exited with ${exitCode})${tail ? `:\n${tail}` : '.'}`);
}
