// An agent run in this window: a goal, a model picked through the Language Model API, servers and a mode,
// run through the folder's run service (so the Sessions view and the trace panel follow it live) under a
// cancellable progress notification. Limits come from the mcpHarness.agent.* settings, with a session
// file's "agent.limits" over them. Each run's outcome goes to the "MCP Harness Sessions" channel; with
// mode "both" the A/B comparison is written next to the traces.
import * as vscode from 'vscode';
import {
  comparisonBase,
  comparisonMarkdown,
  maskedGoal,
  resolveAgentLimits,
  runAgentSpec,
  writeComparisonFiles,
  type AgentHost,
  type AgentLimits,
  type AgentRunResult,
  type AgentSessionResult,
  type AgentSpec,
  type ModelProvider,
  type StopReason,
} from '../../core/agent/index';
import type { GuardrailsConfig, PolicyConfig } from '../../core/guards/types';
import { sandboxLimitsFromSettings } from '../../core/sandbox/settings';
import type { HarnessContext } from '../context';

export interface AgentRunRequest {
  /** The workspace folder whose run service (and trace directory) the run uses. */
  folder: string | undefined;
  spec: AgentSpec;
  provider: ModelProvider;
  /** The model's name as the trace and the price table know it. */
  modelId: string;
  servers?: string[];
  policy?: Partial<PolicyConfig>;
  guardrails?: Partial<GuardrailsConfig>;
  /** Cancels the run as the notification's Cancel button does. */
  cancellation?: vscode.CancellationToken;
}

export interface AgentWindowResult extends AgentSessionResult {
  /** The comparison's JSON and Markdown files (mode "both" with a trace directory). */
  comparisonFiles?: string[];
}

const STOP_SETTINGS: Partial<Record<StopReason, keyof AgentLimits>> = { max_turns: 'maxTurns', max_tokens: 'maxTokens', max_cost: 'maxCostUsd', wall_time: 'wallTimeMs' };

/** The settings' limits with the session's over them; an out-of-range value names where to fix it. */
export function agentLimitsFor(ctx: Pick<HarnessContext, 'config'>, fromSession: Partial<AgentLimits> | undefined): AgentLimits {
  try {
    return resolveAgentLimits({ ...ctx.config.agentLimits, ...fromSession });
  } catch (err) {
    const key = /^Agent limit (\w+)/.exec((err as Error).message)?.[1];
    throw new Error(`${(err as Error).message}${key ? ` Fix mcpHarness.agent.${key} in the settings or agent.limits.${key} in the session file.` : ''}`);
  }
}

/** The core's stop message plus the setting that raises the limit. */
export function agentStopMessage(r: AgentRunResult): string {
  const key = r.stopReason && STOP_SETTINGS[r.stopReason];
  return `${r.message ?? ''}${key ? ` Raise mcpHarness.agent.${key} (or agent.limits.${key} in a session file) to allow more.` : ''}`;
}

/** What every agent run and replay of this window runs with: the folder's run service, the sandbox pool, the settings. */
export function windowAgentHost(ctx: HarnessContext, folder: string | undefined, signal: AbortSignal): AgentHost {
  return {
    service: ctx.runs.for(folder),
    sandbox: ctx.sandbox.pool,
    sandboxLimits: sandboxLimitsFromSettings((key) => vscode.workspace.getConfiguration('mcpHarness').get<unknown>(key), (m) => ctx.log.warn(m)),
    prices: ctx.config.prices,
    signal,
  };
}

export async function runAgentInWindow(ctx: HarnessContext, request: AgentRunRequest): Promise<AgentWindowResult> {
  const { spec } = request;
  const limits = agentLimitsFor(ctx, spec.limits);
  await ctx.discovery.ready();
  const service = ctx.runs.for(request.folder);
  const out = ctx.sessionsOutput.get();
  out.show(true);
  out.appendLine('');
  out.appendLine(`▶ Agent (${spec.mode ?? 'direct'}) with ${request.modelId} — ${new Date().toLocaleString()}`);
  out.appendLine(`  Goal: ${maskedGoal(spec.goal)}`);
  const title = `MCP: agent (${spec.mode ?? 'direct'}) — ${truncate(maskedGoal(spec.goal), 50)}`;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const cancel = () => abort.abort(new Error('Cancelled by the user.'));
    const onCancel = token.onCancellationRequested(cancel);
    const onCallerCancel = request.cancellation?.onCancellationRequested(cancel);
    if (request.cancellation?.isCancellationRequested) cancel();
    const onStep = service.onStep((record) => {
      if (record.model_turn?.provider === request.provider.name) progress.report({ message: `${record.model_turn.mode} mode, model turn ${record.model_turn.turn}: ${record.model_turn.tool_calls.length} tool call(s)` });
    });
    const host: AgentHost = {
      ...windowAgentHost(ctx, request.folder, abort.signal),
      ...(request.servers ? { servers: request.servers } : {}),
      ...(request.policy ? { policy: request.policy } : {}),
      ...(request.guardrails ? { guardrails: request.guardrails } : {}),
      onRun: (r) => printRun(out, r),
    };
    try {
      return await runAgentSpec(host, { ...spec, model: request.modelId }, request.provider, limits);
    } finally {
      onStep.dispose();
      onCancel.dispose();
      onCallerCancel?.dispose();
    }
  });
  const windowResult: AgentWindowResult = { ...result };
  if (result.comparison) {
    out.appendLine('');
    out.appendLine(comparisonMarkdown(result.comparison));
    const dir = service.env.traceDir;
    if (dir) {
      windowResult.comparisonFiles = writeComparisonFiles(result.comparison, comparisonBase(dir));
      out.appendLine(`  report: ${windowResult.comparisonFiles.join(', ')}`);
    }
  }
  void announce(result, windowResult.comparisonFiles);
  return windowResult;
}

function printRun(out: vscode.OutputChannel, r: AgentRunResult): void {
  const head = r.outcome === 'answered' ? 'answered' : r.outcome === 'error' ? 'error' : `stopped (${r.stopReason})`;
  out.appendLine(`[${r.mode}] ${head}: ${r.turns} turn(s), ${r.toolCalls} tool call(s)${r.denied ? ` (${r.denied} denied)` : ''}, tokens ${r.tokensIn}/${r.tokensOut}, ~$${r.costUsd.toFixed(6)}, ${r.wallMs} ms`);
  if (r.outcome !== 'answered') out.appendLine(`  ${agentStopMessage(r)}`);
  if (r.answer) out.appendLine(`  answer: ${r.answer}`);
  if (r.session.trace_file) out.appendLine(`  trace: ${r.session.trace_file}`);
}

async function announce(result: AgentSessionResult, comparisonFiles: string[] | undefined): Promise<void> {
  const last = result.runs[result.runs.length - 1];
  if (!last) return;
  const openPanel = 'Open in Trace Panel';
  const openReport = 'Open Comparison';
  const message = result.runs.length === 2 && result.comparison
    ? `Agent A/B: direct ${result.runs[0].outcome}, code ${result.runs[1].outcome}; code mode read ${(result.comparison.input_tokens_saved * 100).toFixed(1)} % fewer input tokens.`
    : last.outcome === 'answered'
      ? `The agent answered in ${last.turns} turn(s) with ${last.toolCalls} tool call(s).`
      : `The agent ${last.outcome === 'error' ? 'failed' : 'stopped'}: ${agentStopMessage(last)}`;
  const buttons = [openPanel, ...(comparisonFiles ? [openReport] : [])];
  const shown = last.outcome === 'answered' ? vscode.window.showInformationMessage(message, ...buttons) : vscode.window.showWarningMessage(message, ...buttons);
  const picked = await shown;
  if (picked === openPanel) await vscode.commands.executeCommand('mcpHarness.openTracePanel', result.runs[0].session.session_id);
  if (picked === openReport && comparisonFiles) await vscode.window.showTextDocument(vscode.Uri.file(comparisonFiles[1]));
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}
