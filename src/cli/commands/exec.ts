// `mcp-harness exec FILE|-`: runs sandbox code (an async function body) against the workspace's MCP
// servers, every tool call through the guard pipeline, and prints {ok, value?, logs, error?, metrics}.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SandboxLimitError, type LimitAdvice, type LimitName } from '../../core/sandbox/limits';
import { resolveLimits } from '../../core/sandbox/sandbox';
import { sandboxLimitsFromSettings } from '../../core/sandbox/settings';
import { loadSkills } from '../../core/sandbox/skills';
import type { ExecResult, SandboxLimits } from '../../core/sandbox/types';
import type { CodeRunResult } from '../../core/run/types';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand, type CliIO } from '../io';
import { OTLP_USAGE } from '../otel';
import { registerCliCodeSteps, settingsAdvice } from '../codeSteps';
import { asCliRun, openRunEnvironment, RUN_ENVIRONMENT_OPTIONS } from '../runEnvironment';
import { failureExit } from '../workspace';

/** The sandbox limits `exec` has flags for. */
const LIMIT_FLAGS: Partial<Record<LimitName, string>> = { timeoutMs: '--timeout-ms', memoryMb: '--memory-mb', maxToolCalls: '--max-tool-calls' };

/** How a CLI user raises a limit: exec's flag, else the settings.json entry (read by exec and run alike). */
const execAdvice: LimitAdvice = (limit) => (LIMIT_FLAGS[limit] ? `pass ${LIMIT_FLAGS[limit]}` : settingsAdvice(limit));

const MAX_CODE_BYTES = 1024 * 1024;

function positiveInt(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, e.g. --${name} 5000.`);
  return n;
}

async function readCode(source: string, io: CliIO, signal: AbortSignal): Promise<string> {
  if (source === '-') {
    let text: string;
    try {
      text = await io.readStdin(signal, MAX_CODE_BYTES);
    } catch (err) {
      // The first Ctrl-C ends a read that would otherwise wait for an input that never ends.
      if (signal.aborted) throw new CliError('stopped while reading the code from standard input; nothing ran.', EXIT_FAILURE, 'interrupted');
      throw new UsageError(`could not read the code from standard input (${(err as Error).message}).`);
    }
    if (Buffer.byteLength(text) > MAX_CODE_BYTES) throw new UsageError(`the code on standard input is larger than ${MAX_CODE_BYTES} bytes; sandbox code must be smaller.`);
    return text;
  }
  const file = resolve(io.cwd, source);
  try {
    const handle = await open(file, 'r');
    try {
      if ((await handle.stat()).isDirectory()) throw new UsageError(`'${source}' is a folder. Pass a .mcp.js file, or - to read the code from standard input.`);
      // At most one byte past the cap is read, so an endless source (/dev/zero) is refused rather than read whole.
      const buffer = Buffer.alloc(MAX_CODE_BYTES + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > MAX_CODE_BYTES) throw new UsageError(`'${source}' is larger than ${MAX_CODE_BYTES} bytes; sandbox code must be smaller.`);
      return buffer.toString('utf8', 0, length);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`could not read '${source}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Pass a .mcp.js file, or - to read the code from standard input.`);
  }
}

/** What exec prints: the sandbox's result, or, when the code never ran, why (as a runtime error). */
function printable(run: CodeRunResult): Pick<ExecResult, 'ok' | 'logs' | 'error' | 'metrics'> & { value?: unknown } {
  if (run.exec) return run.exec;
  const message = run.record?.error ?? run.session.error ?? 'The code did not run.';
  return { ok: false, logs: [], error: { kind: 'runtime', message }, metrics: { duration_ms: 0, tool_calls: 0, tokens_raw: 0, tokens_returned: 0, heap_bytes_peak: 0 } };
}

export const execCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness exec FILE|- [--servers a,b] [--timeout-ms N] [--memory-mb N] [--max-tool-calls N]',
    '                            [--policy FILE] [--yes] [--workspace DIR] [--trace-dir DIR] [--json]',
    '',
    'Runs the code in a QuickJS WebAssembly sandbox (no network, files or host objects). It can use',
    'mcp.servers(), mcp.search(q), mcp.describe("server/tool"), mcp.call("server/tool", args),',
    'tools.<server>.<tool>(args), skills.<name>.<fn>() from .mcp-harness/skills/*.js, workspace.get/set',
    'and console.*; its return value is the result. Prints {ok, value?, logs, error?, metrics, trace_file}.',
    'Every tool call goes through the guards (policy, pins, output guardrails); the run is traced like a',
    'one-step session in DIR/.mcp-harness/traces/ (the workspace setting mcpHarness.traceDir, or --trace-dir).',
    '',
    '  --servers a,b       only these servers are visible to the code (default: every configured server; only those the code uses are started)',
    '  --timeout-ms N      wall-clock deadline (default 5000, setting mcpHarness.sandbox.timeoutMs)',
    '  --memory-mb N       memory cap (default 64, setting mcpHarness.sandbox.memoryMb)',
    '  --max-tool-calls N  tool calls per run (default 100, setting mcpHarness.sandbox.maxToolCalls)',
    '  --policy FILE       policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}',
    '  --yes               confirm destructive tool calls (without it they are denied)',
    '  --workspace DIR     the workspace whose MCP servers and skills to use (default: the current folder)',
    '  --trace-dir DIR     write the trace there instead (relative to the current folder)',
    OTLP_USAGE,
    '  --json              print the result as one line of JSON',
    '',
    'Error kinds: timeout, memory, stack, runtime, denied, output_too_large.',
    'Ctrl-C (or SIGTERM) cancels the code, stops the servers and prints the result (ok false).',
    'Exit codes: 0 ok, 1 the code failed (ok is false), 2 bad arguments or unreadable code,',
    '3 the code failed and a server needs sign-in, 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    servers: { type: 'string', short: 's' },
    'timeout-ms': { type: 'string' },
    'memory-mb': { type: 'string' },
    'max-tool-calls': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    ...RUN_ENVIRONMENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'cancelling the code and stopping the servers' },
  async run({ values, positionals, json, signal }, io) {
    const flags: Partial<SandboxLimits> = {};
    const timeoutMs = positiveInt('timeout-ms', values['timeout-ms']);
    const memoryMb = positiveInt('memory-mb', values['memory-mb']);
    const maxToolCalls = positiveInt('max-tool-calls', values['max-tool-calls']);
    if (timeoutMs !== undefined) flags.timeoutMs = timeoutMs;
    if (memoryMb !== undefined) flags.memoryMb = memoryMb;
    if (maxToolCalls !== undefined) flags.maxToolCalls = maxToolCalls;
    try {
      resolveLimits(flags);
    } catch (err) {
      if (err instanceof SandboxLimitError) throw new UsageError(err.describeAs(LIMIT_FLAGS[err.limit as LimitName] ?? err.limit));
      throw err;
    }
    const code = await readCode(positionals[0], io, signal);
    if (!code.trim()) throw new UsageError('the code is empty; write an async function body that returns a value, e.g. return await mcp.servers();');

    const run = await openRunEnvironment(values, io, { signal });
    registerCliCodeSteps(run, io);
    let outcome: CodeRunResult;
    try {
      const known = run.ws.definitions.map((d) => d.id);
      let servers: string[] | undefined;
      if (typeof values.servers === 'string') {
        servers = values.servers.split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = servers.filter((s) => !known.includes(s));
        if (unknown.length) {
          throw new UsageError(`no MCP server named ${unknown.map((s) => `'${s}'`).join(', ')} in this workspace (known: ${known.join(', ') || 'none'}).`);
        }
      }
      // Skills load again inside the code step; a broken skill is a usage error here, before anything runs.
      try {
        await loadSkills(run.ws.folder);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const limits = { ...sandboxLimitsFromSettings(run.read, (m) => io.stderr(`mcp-harness: ${m}\n`)), ...flags };
      outcome = await asCliRun(run.service.runCode(code, {
        name: positionals[0] === '-' ? 'exec (stdin)' : `exec ${positionals[0]}`,
        stepId: 'exec',
        limits,
        limitAdvice: execAdvice,
        signal: run.signal,
        ...(servers ? { servers } : {}),
        ...(positionals[0] !== '-' ? { codeFile: positionals[0] } : {}),
      }));
    } finally {
      await run.close();
    }
    const result = printable(outcome);
    const printed: Record<string, unknown> = { ok: result.ok };
    if ('value' in result) printed.value = result.value;
    printed.logs = result.logs;
    if (result.error) printed.error = result.error;
    printed.metrics = result.metrics;
    if (outcome.session.trace_file) printed.trace_file = outcome.session.trace_file;
    io.stdout((json ? JSON.stringify(printed) : JSON.stringify(printed, null, 2)) + '\n');
    return result.ok ? EXIT_OK : failureExit(run.ws);
  },
};
