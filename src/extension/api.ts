// The typed API returned from activate(). Integration tests use it to read the views' data and to
// replace the modals (which cannot be clicked in a test); the test hooks refuse to work outside the
// test runner, so another extension cannot use them to skip the user's consent or confirmation.
import * as vscode from 'vscode';
import type { ConfirmHook } from '../core/guards/pipeline';
import type { ServerManager } from '../core/servers';
import type { HostToWebview } from '../protocol/messages';
import type { ElicitationStep, UrlPrompt } from './client/elicitationForm';
import type { SamplingConsentPrompt } from './client/samplingConsent';
import type { OpenExternal } from './auth/signIns';
import type { ConsentPrompt, ConsentService } from './consent';
import type { HarnessContext } from './context';
import type { CallToolArgsQuestion, DeleteConfirm, IncludeTokenQuestion, PageFirstQuestion, SaveDialog } from './dialogs';
import type { DiscoveryService } from './discovery';
import type { GatewayFeatures } from './gateway/features';
import type { LintService } from './lint/service';
import type { ServersTreeProvider } from './serversView';
import type { TraceStore } from './traces/store';
import type { SessionsTreeProvider } from './traces/tree';

export interface HarnessTestHooks {
  /** Replaces the consent modal; undefined restores it. */
  setConsentPrompt(prompt: ConsentPrompt | undefined): void;
  /** Replaces the destructive-tool confirmation modal; undefined restores it. */
  setConfirmPrompt(prompt: ConfirmHook | undefined): void;
  /** Replaces the Delete Run confirmation modal; undefined restores it. */
  setDeleteConfirm(confirm: DeleteConfirm | undefined): void;
  /** Replaces the report save dialog; undefined restores it. */
  setSaveDialog(dialog: SaveDialog | undefined): void;
  /** Replaces Copy Gateway Config's "include the token?" question; undefined restores it. */
  setIncludeTokenQuestion(question: IncludeTokenQuestion | undefined): void;
  /** Replaces Call Tool's arguments box; undefined restores it. */
  setCallToolArgs(question: CallToolArgsQuestion | undefined): void;
  /** Replaces Call Tool's "open the page first" notification (Open Page / Retry); undefined restores it. */
  setPageFirstQuestion(question: PageFirstQuestion | undefined): void;
  /** Types of the messages the trace panel posted since it opened, oldest first. */
  panelMessages(): string[];
  /** The last `init` the panel posted (runs, badLines, selection). */
  lastPanelInit(): unknown;
  /** Whether a trace panel is open. */
  panelOpen(): boolean;
  /** How many trace files the Sessions store has read from disk since activation. */
  traceFileReads(): number;
  /** Replaces vscode.env.openExternal for sign-ins (the test acts as the browser); undefined restores it. */
  setOpenExternal(open: OpenExternal | undefined): void;
  /** Runs exactly what deactivate() runs (stops every server); the extension is unusable afterwards. */
  deactivate(): Promise<void>;
  /** Replaces the sampling consent modal; undefined restores it. */
  setSamplingConsentPrompt(prompt: SamplingConsentPrompt | undefined): void;
  /** Replaces the URL-elicitation modal and the browser it opens (also Call Tool's Open Page); undefined restores them. */
  setUrlElicitation(prompt: UrlPrompt | undefined, openExternal?: (uri: vscode.Uri) => Thenable<boolean>): void;
  /** Each quick input of an elicitation form as it opens (the test fills the real widget). */
  onElicitationStep(listener: (step: ElicitationStep) => void): vscode.Disposable;
  /** Each argument quick pick of Run Prompt / Open Resource Template as it opens. */
  onArgumentInput(listener: (pick: vscode.QuickPick<vscode.QuickPickItem>) => void): vscode.Disposable;
}

export interface HarnessApi {
  readonly context: HarnessContext;
  readonly discovery: DiscoveryService;
  readonly servers: ServerManager;
  readonly consent: ConsentService;
  /** The Servers view's data provider (getChildren/getTreeItem). */
  readonly serversTree: ServersTreeProvider;
  /** Tool lint and pinning (diagnostics, lockfile, pending changes). */
  readonly lint: LintService;
  /** The Sessions view's data provider. */
  readonly sessionsTree: SessionsTreeProvider;
  /** Every run in the workspace's trace directories and the runs of this window. */
  readonly traceStore: TraceStore;
  /** "MCP Harness (guarded)": the in-host gateway and the server definition provider VS Code's agent uses. */
  readonly gateway: Pick<GatewayFeatures, 'gateway' | 'provider' | 'registered'>;
  /** Only available when the extension runs under the test runner (ExtensionMode.Test). */
  readonly testing: HarnessTestHooks;
}

export function createApi(ctx: HarnessContext, serversTree: ServersTreeProvider, gateway: GatewayFeatures, deactivate: () => Promise<void>): HarnessApi {
  return {
    context: ctx,
    discovery: ctx.discovery,
    servers: ctx.servers,
    consent: ctx.consent,
    serversTree,
    lint: ctx.lint,
    sessionsTree: ctx.traces.tree,
    traceStore: ctx.traces.store,
    gateway: { gateway: gateway.gateway, provider: gateway.provider, registered: gateway.registered },
    testing: ctx.extension.extensionMode === vscode.ExtensionMode.Test ? testHooks(ctx, deactivate) : refusingHooks(),
  };
}

function testHooks(ctx: HarnessContext, deactivate: () => Promise<void>): HarnessTestHooks {
  // What the open panel posted is recorded here, under the test runner only; the panel just emits it.
  let posted: string[] = [];
  let lastInit: HostToWebview | undefined;
  ctx.extension.subscriptions.push(
    ctx.traces.onDidOpenPanel((panel) => {
      posted = [];
      lastInit = undefined;
      panel.onDidPost((m) => {
        posted.push(m.type);
        if (m.type === 'init') lastInit = m;
      });
    }),
  );
  return {
    setConsentPrompt: (prompt) => ctx.consent.setPrompt(prompt),
    setConfirmPrompt: (prompt) => ctx.dialogs.replace('confirmTool', prompt),
    setDeleteConfirm: (confirm) => ctx.dialogs.replace('confirmDelete', confirm),
    setSaveDialog: (dialog) => ctx.dialogs.replace('saveReport', dialog),
    setIncludeTokenQuestion: (question) => ctx.dialogs.replace('includeGatewayToken', question),
    setCallToolArgs: (question) => ctx.dialogs.replace('callToolArgs', question),
    setPageFirstQuestion: (question) => ctx.dialogs.replace('pageFirst', question),
    panelMessages: () => [...posted],
    lastPanelInit: () => lastInit,
    panelOpen: () => !!ctx.traces.panel,
    traceFileReads: () => ctx.traces.store.fileReads(),
    setOpenExternal: (open) => ctx.signIns.setOpenExternal(open),
    deactivate,
    setSamplingConsentPrompt: (prompt) => ctx.clientHost.samplingConsent.setPrompt(prompt),
    setUrlElicitation: (prompt, open) => ctx.clientHost.elicitation.replaceUrlHandling(prompt, open),
    onElicitationStep: (listener) => ctx.clientHost.elicitation.onDidShowStep(listener),
    onArgumentInput: (listener) => ctx.client.onDidShowArgumentInput(listener),
  };
}

function refusingHooks(): HarnessTestHooks {
  const refuse = (): never => {
    throw new Error('MCP Harness test hooks are only available when the extension runs under the test runner.');
  };
  return {
    setConsentPrompt: refuse,
    setConfirmPrompt: refuse,
    setDeleteConfirm: refuse,
    setSaveDialog: refuse,
    setIncludeTokenQuestion: refuse,
    setCallToolArgs: refuse,
    setPageFirstQuestion: refuse,
    panelMessages: refuse,
    lastPanelInit: refuse,
    panelOpen: refuse,
    traceFileReads: refuse,
    setOpenExternal: refuse,
    deactivate: () => Promise.reject(new Error('deactivate() is only available under the test runner.')),
    setSamplingConsentPrompt: refuse,
    setUrlElicitation: refuse,
    onElicitationStep: refuse,
    onArgumentInput: refuse,
  };
}
