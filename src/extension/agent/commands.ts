// The agent commands: "MCP: Run Agent…" (goal, servers, mode and model asked in turn, or given as the
// command's options), a session file with an "agent" block (from "MCP: Run Session"), and
// "MCP: Replay Agent Run".
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentLimits, AgentMode, AgentSpec } from '../../core/agent/types';
import type { SessionFile } from '../../core/session/parse';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import { runAgentInWindow, type AgentWindowResult } from './agentRun';
import { LanguageModelProvider } from './lmProvider';
import { askGoal, askMode, askServers, availableModels, pickFolder, pickModel } from './pickers';
import { replayAgentRun } from './replay';

/** What "MCP: Run Agent…" may be given instead of asking. */
export interface RunAgentOptions {
  goal?: string;
  servers?: string[];
  mode?: AgentMode | 'both';
  /** A model id, family or vendor/id as vscode.lm reports it. */
  model?: string;
  limits?: Partial<AgentLimits>;
  system?: string;
  /** The workspace folder (absolute path) whose traces the run writes. */
  folder?: string;
  /** Cancels the run like the progress notification's Cancel button (for callers such as another extension). */
  cancellation?: vscode.CancellationToken;
}

function optionsOf(arg: unknown): RunAgentOptions {
  return arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? (arg as RunAgentOptions) : {};
}

export async function runAgentCommand(ctx: HarnessContext, arg: unknown): Promise<AgentWindowResult | undefined> {
  const opts = optionsOf(arg);
  // Without a model nothing can run: say so before asking three questions whose answers would be thrown away.
  const models = await availableModels();
  const goal = opts.goal ?? (await askGoal());
  if (!goal) return undefined;
  const servers = opts.servers ?? (await askServers(ctx));
  if (!servers) return undefined;
  const mode = opts.mode ?? (await askMode());
  if (!mode) return undefined;
  const model = await pickModel(opts.model, models);
  if (!model) return undefined;
  const folder = opts.folder ?? (await pickFolder());
  if (folder === null) return undefined;
  const spec: AgentSpec = { goal, mode, ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.system ? { system: opts.system } : {}) };
  return runAgentInWindow(ctx, { folder, spec, provider: new LanguageModelProvider(model), modelId: model.id, servers, ...(opts.cancellation ? { cancellation: opts.cancellation } : {}) });
}

/** A session file whose "agent" block says what to do: its servers, policy and guardrails apply. */
export async function runAgentSession(ctx: HarnessContext, session: SessionFile & { agent: AgentSpec }, uri: vscode.Uri): Promise<AgentWindowResult | undefined> {
  const model = await pickModel(session.agent.model ?? session.model);
  if (!model) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  return runAgentInWindow(ctx, {
    folder,
    spec: session.agent,
    provider: new LanguageModelProvider(model),
    modelId: model.id,
    ...(session.servers ? { servers: session.servers } : {}),
    ...(session.policy ? { policy: session.policy } : {}),
    ...(session.guardrails ? { guardrails: session.guardrails } : {}),
  });
}

export const agentCommands: CommandEntry[] = [
  { id: 'mcpHarness.runAgent', run: (ctx, arg) => runAgentCommand(ctx, arg) },
  { id: 'mcpHarness.replayAgentRun', run: (ctx, arg) => replayAgentRun(ctx, arg) },
];
