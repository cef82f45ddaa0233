// Confirmation before a destructive tool runs (policy.confirmDestructive): a modal in VS Code.
// It is the default of ctx.dialogs.confirmTool (tests replace it through api.testing).
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { ToolCallRequest } from '../../core/guards/types';

export async function confirmDestructiveModal(request: ToolCallRequest, tool: Tool): Promise<boolean> {
  const args = JSON.stringify(request.args, null, 2);
  const picked = await vscode.window.showWarningMessage(
    `"${request.server}/${tool.name}" may change or delete data. Call it?`,
    {
      modal: true,
      detail:
        `Step: ${request.stepId}\n` +
        (tool.description ? `\n${tool.description}\n` : '') +
        `\nArguments:\n${args.length > 4000 ? `${args.slice(0, 4000)}\n… (${args.length} characters in all)` : args}` +
        '\n\nThe server does not mark this tool read-only (or is not in mcpHarness.trustedServers), so the policy asks first.',
    },
    'Call Tool',
  );
  return picked === 'Call Tool';
}
