// `mcp-harness exec FILE|-`: runs sandbox code (an async function body) against the workspace's MCP
// servers, every tool call through the guard pipeline, and prints {ok, value?, logs, error?, metrics}.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { GuardPipeline } from '../../core/guards/pipeline';
import { settingsJsonReader } from '../../core/guards/settings';
import { adviseOnLimit, SandboxLimitError, type LimitAdvice, type LimitName } from '../../core/sandbox/limits';
import { Sandbox, resolveLimits } from '../../core/sandbox/sandbox';
import { registerCodeStepKind } from '../../core/sandbox/session-step';
import { sandboxLimitsFromSettings, settingAdvice } from '../../core/sandbox/settings';
import { loadSkills } from '../../core/sandbox/skills';
import type { SandboxLimits } from '../../core/sandbox/types';
import { SessionWorkspace } from '../../core/sandbox/workspace';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand, type CliIO } from '../io';
import { openWorkspace } from '../workspace';
import { envTimeout } from '../serverHints';
import { loadSettings } from './run';

/** The sandbox limits `exec` has flags for. */
const LIMIT_FLAGS: Partial<Record<LimitName, string>> = { timeoutMs: '--timeout-ms', memoryMb: '--memory-mb', maxToolCalls: '--max-tool-calls' };

/** How a CLI user raises a limit: a settings.json entry (read by exec and run alike), or exec's flag. */
const settingsAdvice: LimitAdvice = (limit) => settingAdvice(limit, ' in .vscode/settings.json');
const execAdvice: LimitAdvice = (limit) => (LIMIT_FLAGS[limit] ? `pass ${LIMIT_FLAGS[limit]}` : settingsAdvice(limit));

// Session files run by `mcp-harness run` may hold code steps: the CLI registers the sandbox's step kind.
registerCodeStepKind({ limitAdvice: settingsAdvice });

const MAX_CODE_BYTES = 1024 * 1024;

function positiveInt(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, e.g. --${name} 5000.`);
  return n;
}

async function readCode(source: string, io: CliIO): Promise<string> {
  if (source === '-') return io.readStdin();
  const file = resolve(io.cwd, source);
  try {
    const text = await readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_CODE_BYTES) throw new UsageError(`'${source}' is larger than ${MAX_CODE_BYTES} bytes; sandbox code must be smaller.`);
    return text;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`could not read '${source}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Pass a .mcp.js file, or - to read the code from standard input.`);
  }
}

function settingsLimits(folder: string, io: CliIO): Partial<SandboxLimits> {
  const file = join(folder, '.vscode', 'settings.json');
  if (!existsSync(file)) return {};
  const value = parseJsonc(readFileSync(file, 'utf8'), [], { allowTrailingComma: true });
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return sandboxLimitsFromSettings(settingsJsonReader(value as Record<string, unknown>), (m) => io.stderr(`mcp-harness: ${m}\n`));
}

export const execCommand: CliCommand = {
  name: 'exec',
  summary: 'Run sandbox code (an async function body) that calls MCP tools through the guard pipeline',
  usage: [
    'Usage: mcp-harness exec FILE|- [--servers a,b] [--timeout-ms N] [--memory-mb N] [--max-tool-calls N]',
    '                            [--policy FILE] [--yes] [--workspace DIR] [--json]',
    '',
    'Runs the code in a QuickJS WebAssembly sandbox (no network, files or host objects). It can use',
    'mcp.servers(), mcp.search(q), mcp.describe("server/tool"), mcp.call("server/tool", args),',
    'tools.<server>.<tool>(args), skills.<name>.<fn>() from .mcp-harness/skills/*.js, workspace.get/set',
    'and console.*; its return value is the result. Prints {ok, value?, logs, error?, metrics}.',
    '',
    '  --servers a,b       only these servers are visible to the code (default: every configured server)',
    '  --timeout-ms N      wall-clock deadline (default 5000, setting mcpHarness.sandbox.timeoutMs)',
    '  --memory-mb N       memory cap (default 64, setting mcpHarness.sandbox.memoryMb)',
    '  --max-tool-calls N  tool calls per run (default 100, setting mcpHarness.sandbox.maxToolCalls)',
    '  --policy FILE       policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}',
    '  --yes               confirm destructive tool calls (without it they are denied)',
    '  --workspace DIR     the workspace whose MCP servers and skills to use (default: the current folder)',
    '  --json              print the result as one line of JSON',
    '',
    'Error kinds: timeout, memory, stack, runtime, denied, output_too_large.',
    'Exit codes: 0 ok, 1 the code failed (ok is false), 2 bad arguments or unreadable code.',
  ].join('\n'),
  options: {
    servers: { type: 'string', short: 's' },
    'timeout-ms': { type: 'string' },
    'memory-mb': { type: 'string' },
    'max-tool-calls': { type: 'string' },
    policy: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    workspace: { type: 'string', short: 'w' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, json }, io) {
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
    const code = await readCode(positionals[0], io);
    if (!code.trim()) throw new UsageError('the code is empty; write an async function body that returns a value, e.g. return await mcp.servers();');

    const ws = await openWorkspace(values.workspace as string | undefined, io);
    const sandbox = new Sandbox();
    try {
      const known = ws.definitions.map((d) => d.id);
      let servers = known;
      if (typeof values.servers === 'string') {
        servers = values.servers.split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = servers.filter((s) => !known.includes(s));
        if (unknown.length) {
          throw new UsageError(`no MCP server named ${unknown.map((s) => `'${s}'`).join(', ')} in this workspace (known: ${known.join(', ') || 'none'}).`);
        }
      }
      const settings = loadSettings(ws.folder, values.policy as string | undefined, io.cwd);
      const requestTimeoutMs = envTimeout(io.env);
      if (requestTimeoutMs !== undefined) settings.policy = { ...settings.policy, timeoutMs: requestTimeoutMs };
      const limits = { ...settingsLimits(ws.folder, io), ...flags };
      const gateway = new GuardPipeline({
        sessionId: `exec-${randomUUID()}`,
        connections: ws.manager,
        servers,
        policy: settings.policy,
        guardrails: settings.guardrails,
        prices: settings.prices,
        confirm: async () => values.yes === true,
      });
      let skills;
      try {
        skills = await loadSkills(ws.folder);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const result = await sandbox.execute({
        code,
        gateway,
        parentStepId: 'exec',
        limits,
        skills,
        workspace: new SessionWorkspace(),
        servers,
      });
      const printed: Record<string, unknown> = { ok: result.ok };
      if ('value' in result) printed.value = result.value;
      printed.logs = result.logs;
      if (result.error) printed.error = adviseOnLimit(result.error, execAdvice);
      printed.metrics = result.metrics;
      io.stdout((json ? JSON.stringify(printed) : JSON.stringify(printed, null, 2)) + '\n');
      return result.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      await sandbox.dispose();
      await ws.close();
    }
  },
};
