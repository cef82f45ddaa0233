// `mcp-harness run SESSION_FILE`: runs a session file through the run service; also the helpers `call` shares.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StepRecord } from '../../protocol/trace';
import { parseSession, type ParsedSession, type SessionFile } from '../../core/session/parse';
import type { SessionResult } from '../../core/run/types';
import { buildReport, stepSummary } from '../../core/session/report';
import { registerCliCodeSteps } from '../codeSteps';
import { asCliRun, openRunEnvironment, RUN_ENVIRONMENT_OPTIONS, type CliRunContext } from '../runEnvironment';
import { offsetToPosition } from '../../core/config';
import { DEFAULT_AGENT_MODEL } from '../../core/agent/session';
import { createProvider, runSpec } from './agent';
import { TIMEOUT_USAGE } from '../serverHints';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand, type CliIO } from '../io';
import { OTLP_USAGE } from '../otel';

export function sessionProblemLines(parsed: ParsedSession, text: string, file: string): string[] {
  return parsed.problems
    .filter((p) => p.severity === 'error')
    .map((p) => {
      const pos = offsetToPosition(text, p.range.offset);
      return `${file}:${pos.line + 1}:${pos.character + 1}: ${p.message}`;
    });
}


/** Fails with exit 2, before anything starts, when the session names servers the workspace does not configure. */
export function checkKnownServers(session: SessionFile, run: CliRunContext): void {
  const known = run.ws.definitions.map((d) => d.id);
  const unknown = [...new Set(session.steps.filter((s) => s.server && !known.includes(s.server)).map((s) => s.server!))];
  if (unknown.length) {
    throw new UsageError(`no MCP server named ${unknown.map((u) => `'${u}'`).join(', ')} is configured in ${run.ws.folder} (known: ${known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`);
  }
}

export function exitCodeFor(result: SessionResult): number {
  if (result.preflight.some((p) => p.code === 'unreachable')) return EXIT_UNREACHABLE;
  return result.status === 'passed' ? EXIT_OK : EXIT_FAILURE;
}

export const runCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness run SESSION_FILE [--workspace DIR] [--trace-dir DIR] [--report FILE.json] [--policy FILE] [--timeout-ms N] [--yes] [--json]',
    '',
    'Runs every step of SESSION_FILE through the guards (schema, policy and pins, output guardrails), checks',
    'each step\'s expectations and writes a JSONL trace to DIR/.mcp-harness/traces/ (the workspace setting',
    'mcpHarness.traceDir, relative to DIR, or --trace-dir). Under "guardrails": {"mode": "hard_gate"} a tool',
    'whose definition differs from .mcp-harness/tools.lock.json (see `mcp-harness pin`) is denied.',
    '',
    '  --workspace DIR   the workspace whose MCP servers the session uses (default: the current folder)',
    '  --trace-dir DIR   write the trace there instead (relative to the current folder)',
    OTLP_USAGE,
    '  --report FILE     also write {mcp_details: {sessions, summary}} as JSON',
    '  --policy FILE     policy/guardrails as JSON: {"policy": {...}, "guardrails": {...}}; applied over the',
    '                    workspace\'s .vscode/settings.json (mcpHarness.policy.*, mcpHarness.guardrails.*)',
    TIMEOUT_USAGE,
    '  --yes             confirm destructive tool calls (without it they are denied)',
    '  --json            print {session_id, status, steps, totals, decisions}',
    '',
    'A session with an "agent" block ({"goal", "model", "mode", "limits", "system"}) runs as `mcp-harness agent`',
    'does (see `mcp-harness agent --help`), with the session\'s servers, policy and guardrails.',
    '',
    'Ctrl-C (or SIGTERM) cancels the step under way, stops the servers, ends the trace and prints the steps',
    'done so far. A second Ctrl-C exits at once.',
    '',
    'Exit codes: 0 every expectation held, 1 one did not, 2 invalid session file or arguments,',
    '3 a server could not be started or reached, 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    report: { type: 'string' },
    'timeout-ms': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    ...RUN_ENVIRONMENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'cancelling the step under way, stopping the servers and keeping the steps done' },
  async run({ values, positionals, json, signal }, io) {
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
    const agent = parsed.session.agent;
    if (agent) {
      const spec = { ...agent, model: agent.model ?? parsed.session.model ?? DEFAULT_AGENT_MODEL };
      const provider = createProvider({}, io, spec.model);
      const run = await openRunEnvironment(values, io, { timeoutFlag: true, session: parsed.session, signal });
      try {
        return await runSpec(run, spec, provider, values, io, json, parsed.session);
      } finally {
        await run.close();
      }
    }
    const run = await openRunEnvironment(values, io, { timeoutFlag: true, session: parsed.session, signal });
    registerCliCodeSteps(run, io);
    // Columns as wide as the session's longest step id and tool name, so every line of the table lines up.
    const widths = {
      id: Math.max(16, ...parsed.session.steps.map((s) => s.id.length)),
      tool: Math.max(32, ...parsed.session.steps.map((s) => (s.tool ?? '').length)),
    };
    let result: SessionResult;
    try {
      run.ws.reportProblems(json);
      checkKnownServers(parsed.session, run);
      result = await asCliRun(run.service.runSession(parsed.session, {
        signal: run.signal,
        // Task-based steps can run for a while: their status changes are shown as they happen.
        onTaskStatus: (_i, stepId, u) => {
          if (!json) io.stderr(`  ${stepId}: task ${u.taskId.slice(0, 12)} ${u.status}${u.message ? ` (${u.message})` : ''}\n`);
        },
        onStep: (r) => {
          if (!json) io.stdout(`${mark(r)} ${r.step_id.padEnd(widths.id)} ${(r.server ? `${r.server}/${r.tool}` : r.kind).padEnd(widths.tool)} ${r.decision.padEnd(16)} ${r.latency_ms.toFixed(1).padStart(8)} ms${r.expectation && !r.expectation.passed ? `  ${r.expectation.failures.join('; ')}` : ''}\n`);
        },
      }));
    } finally {
      await run.close();
    }
    if (values.report) writeFileSync(resolve(io.cwd, values.report as string), JSON.stringify(buildReport([result]), null, 2) + '\n');
    const out = { session_id: result.session_id, status: result.status, steps: result.steps.map(stepSummary), totals: result.totals, decisions: result.decisions, ...(result.trace_file ? { trace_file: result.trace_file } : {}), ...(result.error ? { error: result.error } : {}) };
    if (json) io.stdout(JSON.stringify(out) + '\n');
    else {
      for (const p of result.preflight) io.stderr(`preflight: ${p.message}\n`);
      io.stdout(`${result.status.toUpperCase()}: ${result.totals.steps} steps, ${result.totals.latency_ms.toFixed(1)} ms, ${result.totals.tokens_in}+${result.totals.tokens_out} tokens, ~$${result.totals.cost_est.toFixed(6)}${result.trace_file ? `\ntrace: ${result.trace_file}` : ''}\n`);
    }
    // A server that needs sign-in mid-run is exit 3 like one that cannot be reached: `mcp-harness login` fixes it.
    return run.ws.signInNeeded.size && result.status !== 'passed' ? EXIT_UNREACHABLE : exitCodeFor(result);
  },
};

function mark(r: StepRecord): string {
  return r.expectation?.passed === false ? '✗' : '✓';
}
