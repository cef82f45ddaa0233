import * as vscode from 'vscode';
import { registerCommands } from './commands';
import type { HarnessContext } from './context';
import { createLogger } from './logger';

export interface HarnessApi {
  readonly context: HarnessContext;
}

export function activate(extension: vscode.ExtensionContext): HarnessApi {
  const { logger, channel } = createLogger();
  const ctx: HarnessContext = { extension, log: logger, logChannel: channel };
  extension.subscriptions.push(channel, ...registerCommands(ctx));
  return { context: ctx };
}

export function deactivate(): void {}
