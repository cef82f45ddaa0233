import type * as vscode from 'vscode';
import { createApi, type HarnessApi } from './api';
import { registerCommands } from './commands';
import { registerFeatures } from './features';
import { createHarness, type Harness } from './harness';

export type { HarnessApi } from './api';

let harness: Harness | undefined;

export function activate(extension: vscode.ExtensionContext): HarnessApi {
  harness = createHarness(extension);
  const { ctx } = harness;
  const { serversTree, disposables } = registerFeatures(ctx);
  extension.subscriptions.push(...disposables, ...registerCommands(ctx));
  return createApi(ctx, serversTree, deactivate);
}

/** Awaited by VS Code: every server process is gone before the extension host exits. */
export async function deactivate(): Promise<void> {
  await harness?.dispose();
  harness = undefined;
}
