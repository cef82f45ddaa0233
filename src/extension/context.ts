// The one context object built at activation and handed to every feature and command.
import type * as vscode from 'vscode';
import type { ServerManager } from '../core/servers';
import type { Logger } from '../core/types';
import type { ClientFeatures } from './client/features';
import type { VsCodeClientHost } from './client/handlers';
import type { Config } from './config';
import type { ConsentService } from './consent';
import type { SignIns } from './auth/signIns';
import type { Dialogs } from './dialogs';
import type { DiscoveryService } from './discovery';
import type { InputStore } from './inputs';
import type { WorkspacePins } from './lint/pins';
import type { LintService } from './lint/service';
import type { OtelFeature } from './otel/feature';
import type { LazyOutputChannel } from './outputChannel';
import type { RunServices } from './runs';
import type { SandboxFeatures } from './sandbox/features';
import type { ServerOutputChannels } from './serverOutput';
import type { TraceFeatures } from './traces/features';

/** The services every feature is built on. */
export interface HarnessCore {
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
  /** The modal questions (destructive tool call, delete a run, where to save a report). */
  readonly dialogs: Dialogs;
  /** The "MCP Harness Sessions" channel that session runs and Call Tool write to. */
  readonly sessionsOutput: LazyOutputChannel;
  /** What VS Code answers when a server asks (sampling, elicitation, roots) and where its notifications go. */
  readonly clientHost: VsCodeClientHost;
  /** OAuth sign-ins of HTTP servers (tokens in SecretStorage). */
  readonly signIns: SignIns;
}

/** The core services plus the feature objects that own their state. */
export interface HarnessContext extends HarnessCore {
  /** The tool lockfiles: the run environment asks them whether a tool still matches its pin. */
  readonly pins: WorkspacePins;
  /** Tool lint and pin drift (diagnostics, review, accept/reject). */
  readonly lint: LintService;
  /** The trace store, the Sessions view and the trace panel. */
  readonly traces: TraceFeatures;
  /** The sandbox pool and its output channel. */
  readonly sandbox: SandboxFeatures;
  /** The run services every entry point runs through (one per workspace folder). */
  readonly runs: RunServices;
  /** Resources, prompts, templates, argument completions and roots of the running servers. */
  readonly client: ClientFeatures;
  /** OpenTelemetry export of runs while mcpHarness.otel.endpoint is set. */
  readonly otel: OtelFeature;
}
