// `mcp-harness call SERVER/TOOL --args JSON`: one guarded tool call, printed as its step record.
import type { SessionFile } from '../../core/session/parse';
import { TIMEOUT_USAGE } from '../serverHints';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand } from '../io';
import { runInWorkspace } from './run';

export const callCommand: CliCommand = {
  name: 'call',
  summary: 'Call one tool through the guard pipeline and print its step record',
  usage: [
    'Usage: mcp-harness call SERVER/TOOL [--args JSON] [--policy FILE] [--timeout-ms N] [--yes] [--workspace DIR] [--trace-dir DIR] [--json]',
    '',
    'Validates the arguments against the tool\'s inputSchema, applies the policy, calls the tool, runs the',
    'output guardrails (secrets and PII are masked) and prints the step record.',
    '',
    '  --args JSON       the arguments as a JSON object (default: {})',
    '  --policy FILE     policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}',
    TIMEOUT_USAGE,
    '  --yes             confirm the call if the tool is destructive (without it, it is denied)',
    '  --workspace DIR   the workspace whose MCP servers to use (default: the current folder)',
    '  --trace-dir DIR   also write a one-step JSONL trace there',
    '  --json            print the record as one line of JSON',
    '',
    'Exit codes: 0 the call succeeded, 1 it was denied or failed, 2 bad arguments or unknown server/tool,',
    '3 the server could not be started or reached.',
  ].join('\n'),
  options: {
    args: { type: 'string', short: 'a' },
    policy: { type: 'string' },
    'timeout-ms': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    workspace: { type: 'string', short: 'w' },
    'trace-dir': { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, json }, io) {
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
    const session: SessionFile = {
      name: `call ${target}`,
      steps: [{ id: 'call', kind: 'tool', tool: target, server: target.slice(0, slash), toolName: target.slice(slash + 1), args: args as Record<string, unknown>, raw: {}, ranges: { step: { offset: 0, length: 0 } } }],
    };
    const { result } = await runInWorkspace(session, { ...values, json, 'no-trace': !values['trace-dir'] }, io);
    const record = result.steps[0];
    if (!record) throw new UsageError(result.error ?? 'the call did not run.');
    if (result.preflight.some((p) => p.code === 'unknown_tool')) {
      throw new UsageError(record.error ?? `the server has no tool named '${target.slice(slash + 1)}'.`);
    }
    const { expectation: _e, ...printed } = record;
    io.stdout((json ? JSON.stringify(printed) : JSON.stringify(printed, null, 2)) + '\n');
    if (result.preflight.some((p) => p.code === 'unreachable')) return EXIT_UNREACHABLE;
    return record.decision === 'ok' && !record.is_error ? EXIT_OK : EXIT_FAILURE;
  },
};
