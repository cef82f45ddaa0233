// `mcp-harness run SESSION_FILE`: runs a session file through the guard pipeline; also the helpers `call` shares.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StepRecord } from '../../protocol/trace';
import { parseSession, type SessionFile } from '../../core/session/parse';
import { SessionRunner, type SessionResult } from '../../core/session/runner';
import { buildReport, stepSummary } from '../../core/session/report';
import { defaultTraceDir } from '../../core/trace/writer';
import { openWorkspace } from '../workspace';
import { mergeGuardrails, mergePolicy } from '../../core/guards/defaults';
import { settingsJsonReader, settingsToConfig, type HarnessSettings } from '../../core/guards/settings';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import type { GuardrailsConfig, PolicyConfig } from '../../core/guards/types';
import type { ParsedSession } from '../../core/session/parse';
import { offsetToPosition } from '../../core/config';
import { envTimeout, TIMEOUT_USAGE, timeoutOption } from '../serverHints';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand, type CliIO } from '../io';

/**
 * Defaults for a CLI run: the workspace's .vscode/settings.json (`mcpHarness.*`, as in VS Code), then
 * the --policy file on top.
 */
export function loadSettings(workspace: string, file: string | undefined, cwd: string): HarnessSettings {
  let base = settingsToConfig(() => undefined);
  const settingsFile = join(workspace, '.vscode', 'settings.json');
  if (existsSync(settingsFile)) {
    const errors: ParseError[] = [];
    const value = parseJsonc(readFileSync(settingsFile, 'utf8'), errors, { allowTrailingComma: true });
    if (value && typeof value === 'object' && !Array.isArray(value)) base = settingsToConfig(settingsJsonReader(value as Record<string, unknown>));
  }
  if (!file) return base;
  const path = resolve(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`could not read the policy file '${file}': ${(err as Error).message}. Pass a JSON file such as {"policy": {"deny": ["*/delete*"]}, "guardrails": {"mode": "hard_gate"}}.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`the policy file '${file}' must hold a JSON object.`);
  const v = value as Record<string, unknown>;
  const policyPart = ('policy' in v || 'guardrails' in v ? v.policy : v) as Partial<PolicyConfig> | undefined;
  const guardrailsPart = v.guardrails as Partial<GuardrailsConfig> | undefined;
  return { ...base, policy: mergePolicy(base.policy, policyPart), guardrails: mergeGuardrails(base.guardrails, guardrailsPart) };
}

export function sessionProblemLines(parsed: ParsedSession, text: string, file: string): string[] {
  return parsed.problems
    .filter((p) => p.severity === 'error')
    .map((p) => {
      const pos = offsetToPosition(text, p.range.offset);
      return `${file}:${pos.line + 1}:${pos.character + 1}: ${p.message}`;
    });
}


/** Runs a parsed session in an opened workspace; shared by `run` and `call`. */
export async function runInWorkspace(
  session: SessionFile,
  values: Record<string, unknown>,
  io: CliIO,
  onStep?: (r: StepRecord) => void,
): Promise<{ result: SessionResult; workspace: string }> {
  const timeoutMs = timeoutOption(values) ?? envTimeout(io.env);
  const ws = await openWorkspace(values.workspace as string | undefined, io, { requestTimeoutMs: timeoutMs, timeoutFlag: true });
  let settings: HarnessSettings;
  try {
    settings = loadSettings(ws.folder, values.policy as string | undefined, io.cwd);
    if (timeoutMs !== undefined) settings = { ...settings, policy: { ...settings.policy, timeoutMs } };
  } catch (err) {
    await ws.close();
    throw err;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    ws.reportProblems(values.json === true);
    const known = ws.definitions.map((d) => d.id);
    const unknown = [...new Set(session.steps.filter((s) => s.server && !known.includes(s.server)).map((s) => s.server!))];
    if (unknown.length) {
      throw new UsageError(`no MCP server named ${unknown.map((u) => `'${u}'`).join(', ')} is configured in ${ws.folder} (known: ${known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`);
    }
    const traceDir = values['trace-dir'] ? resolve(io.cwd, values['trace-dir'] as string) : values['no-trace'] ? undefined : defaultTraceDir(ws.folder);
    const yes = values.yes === true;
    const result = await new SessionRunner().run(session, {
      manager: ws.manager,
      policy: settings.policy,
      guardrails: settings.guardrails,
      prices: settings.prices,
      traceDir,
      workspace: ws.folder,
      knownServers: known,
      confirm: async () => yes,
      signal: controller.signal,
      onStep,
    });
    return { result, workspace: ws.folder };
  } finally {
    process.off('SIGINT', onSigint);
    await ws.close();
  }
}

export function exitCodeFor(result: SessionResult): number {
  if (result.preflight.some((p) => p.code === 'unreachable')) return EXIT_UNREACHABLE;
  return result.status === 'passed' ? EXIT_OK : EXIT_FAILURE;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run a session file (*.mcp-session.json) through the guard pipeline',
  usage: [
    'Usage: mcp-harness run SESSION_FILE [--workspace DIR] [--trace-dir DIR] [--report FILE.json] [--policy FILE] [--timeout-ms N] [--yes] [--json]',
    '',
    'Runs every step of SESSION_FILE through the guards (schema, policy, output guardrails), checks each',
    'step\'s expectations and writes a JSONL trace to DIR/.mcp-harness/traces/ (or --trace-dir).',
    '',
    '  --workspace DIR   the workspace whose MCP servers the session uses (default: the current folder)',
    '  --trace-dir DIR   write the trace there instead',
    '  --report FILE     also write {mcp_details: {sessions, summary}} as JSON',
    '  --policy FILE     policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}; applied over the',
    '                    workspace\'s .vscode/settings.json (mcpHarness.policy.*, mcpHarness.guardrails.*)',
    TIMEOUT_USAGE,
    '  --yes             confirm destructive tool calls (without it they are denied)',
    '  --json            print {session_id, status, steps, totals, decisions}',
    '',
    'Exit codes: 0 every expectation held, 1 one did not, 2 invalid session file or arguments,',
    '3 a server could not be started or reached.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    'trace-dir': { type: 'string' },
    report: { type: 'string' },
    policy: { type: 'string' },
    'timeout-ms': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, json }, io) {
    const file = resolve(io.cwd, positionals[0]);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`could not read the session file '${positionals[0]}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}.`);
    }
    const parsed = parseSession(text, file);
    if (!parsed.session) {
      throw new UsageError(`the session file is not valid; fix these problems:\n${sessionProblemLines(parsed, text, positionals[0]).join('\n')}`);
    }
    const { result } = await runInWorkspace(parsed.session, { ...values, json }, io, (r) => {
      if (!json) io.stdout(`${mark(r)} ${r.step_id.padEnd(16)} ${(r.server ? `${r.server}/${r.tool}` : r.kind).padEnd(32)} ${r.decision.padEnd(16)} ${r.latency_ms.toFixed(1).padStart(8)} ms${r.expectation && !r.expectation.passed ? `  ${r.expectation.failures.join('; ')}` : ''}\n`);
    });
    if (values.report) writeFileSync(resolve(io.cwd, values.report as string), JSON.stringify(buildReport([result]), null, 2) + '\n');
    const out = { session_id: result.session_id, status: result.status, steps: result.steps.map(stepSummary), totals: result.totals, decisions: result.decisions, ...(result.trace_file ? { trace_file: result.trace_file } : {}), ...(result.error ? { error: result.error } : {}) };
    if (json) io.stdout(JSON.stringify(out) + '\n');
    else {
      for (const p of result.preflight) io.stderr(`preflight: ${p.message}\n`);
      io.stdout(`${result.status.toUpperCase()}: ${result.totals.steps} steps, ${result.totals.latency_ms.toFixed(1)} ms, ${result.totals.tokens_in}+${result.totals.tokens_out} tokens, ~$${result.totals.cost_est.toFixed(6)}${result.trace_file ? `\ntrace: ${result.trace_file}` : ''}\n`);
    }
    return exitCodeFor(result);
  },
};

function mark(r: StepRecord): string {
  return r.expectation?.passed === false ? '✗' : '✓';
}
