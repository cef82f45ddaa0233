// The questions "MCP: Run Agent…" asks: the goal, the servers, the mode and the model. Each answer can
// also come in the command's options (a session file, a keybinding or another extension), and is then
// not asked.
import * as vscode from 'vscode';
import type { AgentMode } from '../../core/agent/types';
import type { HarnessContext } from '../context';

export const NO_MODELS =
  'No language model is available in VS Code. Install and sign in to an extension that provides chat models (for example GitHub Copilot Chat), then run "MCP: Run Agent…" again.';

export async function askGoal(): Promise<string | undefined> {
  const goal = await vscode.window.showInputBox({
    title: 'Run Agent (1/4): goal',
    prompt: 'What should the model achieve with your MCP servers? Every tool call it makes goes through the guards.',
    placeHolder: 'e.g. Add 2 and 3 with the calculator tool and tell me the result',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Say what the model should achieve.'),
  });
  return goal?.trim() || undefined;
}

export async function askServers(ctx: Pick<HarnessContext, 'discovery'>): Promise<string[] | undefined> {
  await ctx.discovery.ready();
  const ids = ctx.discovery.definitions.map((d) => d.id);
  if (!ids.length) throw new Error('There are no MCP servers in this workspace. Add one to .vscode/mcp.json (or another MCP config file), then run "MCP: Run Agent…" again.');
  const picked = await vscode.window.showQuickPick(
    ids.map((id) => ({ label: id, picked: true })),
    { title: 'Run Agent (2/4): servers', placeHolder: 'Which servers may the model use?', canPickMany: true, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (!picked.length) throw new Error('Pick at least one server for the agent to use.');
  return picked.map((p) => p.label);
}

export async function askMode(): Promise<AgentMode | 'both' | undefined> {
  const items: (vscode.QuickPickItem & { mode: AgentMode | 'both' })[] = [
    { label: 'Direct', description: 'the model sees every tool definition and calls tools itself', mode: 'direct' },
    { label: 'Code', description: 'the model sees search_tools and run_code and writes sandbox code that calls tools', mode: 'code' },
    { label: 'Both (A/B)', description: 'run direct, then code mode, and compare turns, tokens, cost and time', mode: 'both' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Run Agent (3/4): mode', placeHolder: 'How does the model reach the tools?', ignoreFocusOut: true });
  return picked?.mode;
}

/** The chat models VS Code offers; none is an error saying what to install. */
export async function availableModels(): Promise<vscode.LanguageModelChat[]> {
  const models = await vscode.lm.selectChatModels();
  if (!models.length) throw new Error(NO_MODELS);
  return models;
}

/**
 * The model: `preferred` (an id, family or vendor/id) when VS Code offers it, else the user picks one of
 * `offered` (asked of VS Code when not given).
 */
export async function pickModel(preferred?: string, offered?: vscode.LanguageModelChat[]): Promise<vscode.LanguageModelChat | undefined> {
  const models = offered ?? (await availableModels());
  if (preferred) {
    const match = models.find((m) => m.id === preferred || `${m.vendor}/${m.id}` === preferred) ?? models.find((m) => m.family === preferred);
    if (match) return match;
  }
  const picked = await vscode.window.showQuickPick(
    models.map((model) => ({ label: model.name, description: `${model.vendor} · ${model.family}`, detail: `up to ${model.maxInputTokens} input tokens`, model })),
    {
      title: 'Run Agent (4/4): model',
      placeHolder: preferred ? `VS Code offers no model "${preferred}"; pick one of these` : 'Which model should work toward the goal?',
      ignoreFocusOut: true,
    },
  );
  return picked?.model;
}

/** The folder whose trace directory the run writes to: the only one, or the one the user picks. */
export async function pickFolder(): Promise<string | undefined | null> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0]?.uri.fsPath;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder\'s servers and trace directory?' });
  return picked ? picked.uri.fsPath : null;
}
