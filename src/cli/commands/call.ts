// `mcp-harness call SERVER/TOOL --args JSON`: one guarded tool call (a one-step session, traced like any
// run), printed as its step record.
import { TIMEOUT_USAGE } from '../serverHints';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand } from '../io';
import { OTLP_USAGE } from '../otel';
import { MisnamedStepError } from '../../core/session/runner';
import { asCliRun, openRunEnvironment, RUN_ENVIRONMENT_OPTIONS } from '../runEnvironment';

export const callCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness call SERVER/TOOL [--args JSON] [--policy FILE] [--timeout-ms N] [--yes] [--workspace DIR] [--trace-dir DIR] [--json]',
    '',
    'Validates the arguments against the tool\'s inputSchema, applies the policy and the tool pins',
    '(.mcp-harness/tools.lock.json), calls the tool, runs the output guardrails (secrets and PII are',
    'masked), prints the step record and writes a one-step JSONL trace to DIR/.mcp-harness/traces/',
    '(the workspace setting mcpHarness.traceDir, or --trace-dir).',
    '',
    '  --args JSON       the arguments as a JSON object (default: {})',
    '  --policy FILE     policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}',
    TIMEOUT_USAGE,
    '  --yes             confirm the call if the tool is destructive (without it, it is denied)',
    '  --workspace DIR   the workspace whose MCP servers to use (default: the current folder)',
    '  --trace-dir DIR   write the trace there instead (relative to the current folder)',
    OTLP_USAGE,
    '  --json            print the record as one line of JSON',
    '',
    'Ctrl-C (or SIGTERM) cancels the call, stops the server and prints the record (decision "cancelled").',
    '',
    'An unknown server or tool is refused before the call runs: no record, no trace.',
    '',
    'Exit codes: 0 the call succeeded, 1 it was denied or failed, 2 bad arguments or unknown server/tool,',
    '3 the server could not be started or reached, 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    args: { type: 'string', short: 'a' },
    'timeout-ms': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    ...RUN_ENVIRONMENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'cancelling the call and stopping the server' },
  async run({ values, positionals, json, signal }, io) {
    const target = positionals[0];
    const slash = target.indexOf('/');
    if (slash <= 0 || slash === target.length - 1) throw new UsageError(`'${target}' is not SERVER/TOOL; write it like everything/echo.`);
    let args: unknown = {};
    if (values.args !== undefined) {
      try {
        args = JSON.parse(values.args as string);
      } catch (err) {
        throw new UsageError(`--args is not valid JSON (${(err as Error).message}); pass an object such as --args '{"message":"hi"}'.`);
      }
    }
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw new UsageError('--args must be a JSON object of argument names to values.');
    const server = target.slice(0, slash);
    const tool = target.slice(slash + 1);
    const run = await openRunEnvironment(values, io, { timeoutFlag: true, signal });
    let call;
    try {
      run.ws.reportProblems(json);
      const known = run.ws.definitions.map((d) => d.id);
      if (!known.includes(server)) {
        throw new UsageError(`no MCP server named '${server}' is configured in ${run.ws.folder} (known: ${known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`);
      }
      // A wrong tool name is refused like a wrong server name: before the run, so nothing is traced.
      call = await asCliRun(run.service.callTool(server, tool, args as Record<string, unknown>, { signal: run.signal, refuseMisnamed: true }));
    } catch (err) {
      if (err instanceof MisnamedStepError) throw new UsageError(misnamed(err, server, tool));
      throw err;
    } finally {
      await run.close();
    }
    const { record, session } = call;
    // A Ctrl-C while the server was still starting ends the run before its one step: there is no record to print.
    if (!record) {
      if (signal.aborted) throw new CliError('stopped before the call reached the server; nothing ran.', EXIT_FAILURE, 'interrupted');
      throw new CliError(session.error ?? 'the call did not run.', EXIT_FAILURE);
    }
    const { expectation: _e, ...printed } = record;
    io.stdout((json ? JSON.stringify(printed) : JSON.stringify(printed, null, 2)) + '\n');
    if (session.preflight.some((p) => p.code === 'unreachable') || run.ws.signInNeeded.has(server)) return EXIT_UNREACHABLE;
    return record.decision === 'ok' && !record.is_error ? EXIT_OK : EXIT_FAILURE;
  },
};

/** What a refused call names that does not exist, and what there is instead. */
function misnamed(err: MisnamedStepError, server: string, tool: string): string {
  if (err.code === 'unknown_server') return `no MCP server named '${server}' is configured (known: ${err.known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`;
  const has = err.known.length ? `it has: ${err.known.slice(0, 20).join(', ')}${err.known.length > 20 ? ', …' : ''}` : 'it has none';
  return `the server '${server}' has no tool named '${tool}' (${has}). List them with \`mcp-harness tools ${server}\`.`;
}
