// The typed API returned from activate(). Integration tests use it to read the views' data and to
// replace the consent modal (which cannot be clicked in a test); the test hooks refuse to work
// outside the test runner, so another extension cannot use them to skip the user's consent.
import * as vscode from 'vscode';
import type { ConfirmHook } from '../core/guards/pipeline';
import type { ServerManager } from '../core/servers';
import type { ConsentPrompt, ConsentService } from './consent';
import type { HarnessContext } from './context';
import type { DiscoveryService } from './discovery';
import type { ServersTreeProvider } from './serversView';
import { setConfirmOverride } from './sessions/confirm';
import { lintService } from './lint/features';
import type { LintService } from './lint/service';
import { type TraceApi, traceApi } from './traces/features';

export interface HarnessTestHooks {
  /** Replaces the consent modal; undefined restores it. */
  setConsentPrompt(prompt: ConsentPrompt | undefined): void;
  /** Replaces the destructive-tool confirmation modal; undefined restores it. */
  setConfirmPrompt(prompt: ConfirmHook | undefined): void;
  /** Runs exactly what deactivate() runs (stops every server); the extension is unusable afterwards. */
  deactivate(): Promise<void>;
}

export interface HarnessApi extends TraceApi {
  readonly context: HarnessContext;
  readonly discovery: DiscoveryService;
  readonly servers: ServerManager;
  readonly consent: ConsentService;
  /** The Servers view's data provider (getChildren/getTreeItem). */
  readonly serversTree: ServersTreeProvider;
  /** Tool lint and pinning (diagnostics, lockfile, pending changes). */
  readonly lint: LintService | undefined;
  /** Only available when the extension runs under the test runner (ExtensionMode.Test). */
  readonly testing: HarnessTestHooks;
}

export function createApi(ctx: HarnessContext, serversTree: ServersTreeProvider, deactivate: () => Promise<void>): HarnessApi {
  const inTests = ctx.extension.extensionMode === vscode.ExtensionMode.Test;
  const refuse = (): never => {
    throw new Error('MCP Harness test hooks are only available when the extension runs under the test runner.');
  };
  return {
    context: ctx,
    discovery: ctx.discovery,
    servers: ctx.servers,
    consent: ctx.consent,
    serversTree,
    lint: lintService(),
    ...traceApi(inTests),
    testing: {
      setConsentPrompt: (prompt) => (inTests ? ctx.consent.setPrompt(prompt) : refuse()),
      setConfirmPrompt: (prompt) => (inTests ? setConfirmOverride(prompt) : refuse()),
      deactivate: () => (inTests ? deactivate() : Promise.reject(new Error('deactivate() is only available under the test runner.'))),
    },
  };
}
