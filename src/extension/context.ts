// The one context object built at activation and handed to every feature.
import type * as vscode from 'vscode';
import type { Logger } from '../core/types';

export interface HarnessContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: Logger;
  readonly logChannel: vscode.LogOutputChannel;
}
