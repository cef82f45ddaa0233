// The command table: every contributed command is one entry here, registered in one loop.
// A test checks that this table and package.json's contributes.commands list the same ids.
import * as vscode from 'vscode';
import { clientCommands } from './client/commands';
import { taskCommands } from './client/tasks';
import { agentCommands } from './agent/commands';
import type { HarnessContext } from './context';
import { gatewayCommands } from './gateway/features';
import { labCommands } from './lab/commands';
import { signInCommands } from './auth/commands';
import { lintCommands } from './lint/commands';
import { sandboxCommands } from './sandbox/commands';
import { serverCommands } from './serverCommands';
import { callToolCommands } from './sessions/callTool';
import { sessionCommands } from './sessions/runSession';
import { otelCommands } from './otel/commands';
import { traceCommands } from './traces/commands';

export interface CommandEntry {
  id: string;
  run(ctx: HarnessContext, ...args: unknown[]): unknown;
}

export function allCommands(): CommandEntry[] {
  return [...serverCommands, ...sessionCommands, ...callToolCommands, ...sandboxCommands, ...lintCommands, ...traceCommands, ...gatewayCommands, ...labCommands, ...agentCommands, ...signInCommands, ...otelCommands, ...clientCommands, ...taskCommands];
}

export function registerCommands(ctx: HarnessContext): vscode.Disposable[] {
  return allCommands().map((entry) =>
    vscode.commands.registerCommand(entry.id, async (...args: unknown[]) => {
      try {
        return await entry.run(ctx, ...args);
      } catch (err) {
        ctx.log.error(err instanceof Error ? err : String(err));
        void vscode.window.showErrorMessage(`MCP Harness: ${(err as Error)?.message ?? String(err)}`);
        return undefined;
      }
    }),
  );
}
