// The command table: every contributed command is one entry here, registered in one loop.
// A test checks that this table and package.json's contributes.commands list the same ids.
import * as vscode from 'vscode';
import type { HarnessContext } from './context';

export interface CommandEntry {
  id: string;
  run(ctx: HarnessContext, ...args: unknown[]): unknown;
}

const tables: CommandEntry[][] = [];

/** Feature modules add their entries here (at import time). */
export function addCommands(entries: CommandEntry[]): void {
  tables.push(entries);
}

export function allCommands(): CommandEntry[] {
  return tables.flat();
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
