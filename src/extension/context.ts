// The one context object built at activation and handed to every feature.
import type * as vscode from 'vscode';
import type { ServerManager } from '../core/servers';
import type { Logger } from '../core/types';
import type { Config } from './config';
import type { ConsentService } from './consent';
import type { DiscoveryService } from './discovery';
import type { InputStore } from './inputs';
import type { ServerOutputChannels } from './serverOutput';

export interface HarnessContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: Logger;
  readonly logChannel: vscode.LogOutputChannel;
  /** Typed settings. */
  readonly config: Config;
  /** Discovered definitions and config problems; refreshed when config files change. */
  readonly discovery: DiscoveryService;
  /** Connections to the discovered servers (nothing runs until a server is needed). */
  readonly servers: ServerManager;
  readonly consent: ConsentService;
  readonly inputs: InputStore;
  /** One log channel per server for its stderr. */
  readonly serverOutput: ServerOutputChannels;
  /** Fires whenever any server's state changes (status, tools, ...). */
  readonly onDidChangeServers: vscode.Event<void>;
  /** Tool pinning for the guard pipeline (set by the lint feature; every GuardPipeline passes it as pinCheck). */
  pinCheck?: (server: string, tool: { name: string }) => 'ok' | 'changed' | 'unpinned';
}
