import type * as vscode from 'vscode';
import { createApi, type HarnessApi } from './api';
import { registerCommands } from './commands';
import { registerFeatures } from './features';
import { createHarness, type Harness } from './harness';

export type { HarnessApi } from './api';

let harness: Harness | undefined;

export function activate(extension: vscode.ExtensionContext): HarnessApi {
  const created = createHarness(extension);
  harness = created;
  const { ctx } = created;
  const { serversTree, gateway, disposables } = registerFeatures(ctx);
  // The harness is released with the extension's subscriptions too (dispose is idempotent), so whoever
  // disposes them — VS Code, or a test re-activating the bundle — releases everything it registered.
  extension.subscriptions.push(...disposables, ...registerCommands(ctx), { dispose: () => created.dispose() });
  return createApi(ctx, serversTree, gateway, deactivate);
}

/** Awaited by VS Code: every server process is gone before the extension host exits. */
export async function deactivate(): Promise<void> {
  await harness?.dispose();
  harness = undefined;
}
