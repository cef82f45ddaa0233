// "MCP: Replay Agent Run": re-runs a recorded agent run without a model — the model's turns come from the
// trace, the tool calls run live through the guards — and reports where the replay diverged.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { replayAgent, type ReplayResult } from '../../core/agent/index';
import type { HarnessContext } from '../context';
import { agentLimitsFor, agentStopMessage, windowAgentHost } from './agentRun';

/** The trace file of the run `arg` names (a Sessions view node, a session id, a trace file), or the one the user picks. */
async function traceFileOf(ctx: HarnessContext, arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && /\.jsonl$/i.test(arg)) {
    if (!existsSync(arg)) throw new Error(`The trace ${arg} does not exist.`);
    return arg;
  }
  const run = await ctx.traces.resolveRun(arg, 'Which agent run should replay?');
  if (!run) return undefined;
  const file = ctx.traces.store.fileOf(run.id) ?? run.source;
  if (!file) throw new Error('This run has no trace file to replay from (runs outside a workspace folder write none).');
  return file;
}

export async function replayAgentRun(ctx: HarnessContext, arg: unknown): Promise<ReplayResult | undefined> {
  const file = await traceFileOf(ctx, arg);
  if (!file) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  await ctx.discovery.ready();
  const out = ctx.sessionsOutput.get();
  out.show(true);
  out.appendLine('');
  out.appendLine(`▶ Replaying the agent run in ${path.basename(file)} without a model — ${new Date().toLocaleString()}`);
  const limits = agentLimitsFor(ctx, undefined);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MCP: replaying ${path.basename(file)}`, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      try {
        return await replayAgent(windowAgentHost(ctx, folder, abort.signal), file, { wallTimeMs: limits.wallTimeMs, maxTokens: limits.maxTokens, maxCostUsd: limits.maxCostUsd });
      } finally {
        sub.dispose();
      }
    },
  );
  report(out, result);
  return result;
}

function report(out: vscode.OutputChannel, result: ReplayResult): void {
  const { run, callMismatches } = result;
  out.appendLine(`[${run.mode}] ${run.outcome}: ${run.turns} turn(s), ${run.toolCalls} tool call(s)${run.denied ? ` (${run.denied} denied)` : ''}, ${run.wallMs} ms`);
  if (run.outcome !== 'answered') out.appendLine(`  ${agentStopMessage(run)}`);
  for (const d of run.divergences) out.appendLine(`  DIVERGED at model turn ${d.turn}: ${d.message}`);
  for (const m of callMismatches) out.appendLine(`  CALL DIFFERS at ${m.step}: recorded ${m.recorded ?? '(none)'}; replayed ${m.replayed ?? '(none)'}`);
  if (run.session.trace_file) out.appendLine(`  trace: ${run.session.trace_file}`);
  const diverged = run.divergences.length + callMismatches.length;
  const message = diverged
    ? `The replay diverged from the recording in ${diverged} place(s): ${run.divergences[0]?.message ?? `call ${callMismatches[0].step} differs`}.`
    : run.outcome === 'answered'
      ? `The replay made the ${run.toolCalls} recorded tool call(s) and the model was given the recorded results.`
      : `The replay stopped: ${agentStopMessage(run)}`;
  const show = 'Show Output';
  void (diverged || run.outcome !== 'answered' ? vscode.window.showWarningMessage(message, show) : vscode.window.showInformationMessage(message, show)).then((b) => {
    if (b === show) out.show();
  });
}
