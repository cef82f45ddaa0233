// Builds the one HarnessContext. Cheap by design: nothing here spawns a process or connects anywhere;
// discovery only reads config files, servers start when first needed.
import * as vscode from 'vscode';
import { discover } from '../core/config/discover';
import { ServerManager } from '../core/servers';
import { HARNESS_VERSION } from '../core/version';
import { ClientFeatures } from './client/features';
import { VsCodeClientHost } from './client/handlers';
import { vscodeServerHint } from './serverHints';
import { Config, DEFAULTS, REDISCOVER_SETTINGS, RELOAD_REQUIRED_SETTINGS } from './config';
import { SignIns } from './auth/signIns';
import { ConsentService } from './consent';
import type { HarnessContext, HarnessCore } from './context';
import { Dialogs } from './dialogs';
import { askIncludeToken } from './gateway/copyConfig';
import { DiscoveryService } from './discovery';
import { InputStore } from './inputs';
import { WorkspacePins } from './lint/pins';
import { LintService } from './lint/service';
import { createLogger } from './logger';
import { LazyOutputChannel } from './outputChannel';
import { RunServices } from './runs';
import { SandboxFeatures } from './sandbox/features';
import { ServerOutputChannels } from './serverOutput';
import { askCallToolArgs, askPageFirst } from './sessions/callTool';
import { confirmDestructiveModal } from './sessions/confirm';
import { saveReportDialog } from './traces/exportReport';
import { confirmDeleteModal, TraceFeatures } from './traces/features';
import { OtelFeature } from './otel/feature';

export interface Harness {
  ctx: HarnessContext;
  /** Stops every server and releases everything; awaited by deactivate(). */
  dispose(): Promise<void>;
}

export function createHarness(extension: vscode.ExtensionContext): Harness {
  const { logger, channel } = createLogger();
  const config = new Config();
  const disposables: vscode.Disposable[] = [channel];
  const serverOutput = new ServerOutputChannels();
  disposables.push(serverOutput);
  const consent = new ConsentService(extension.workspaceState, logger);
  const inputs = new InputStore(extension.secrets, extension.workspaceState);
  const serversChanged = new vscode.EventEmitter<void>();
  disposables.push(serversChanged);
  const signIns = new SignIns(extension.secrets, logger);
  disposables.push(signIns);

  // Built before the manager: it declares a client capability (sampling, elicitation, roots) per handler present.
  const clientHost = new VsCodeClientHost({ workspaceState: extension.workspaceState, config, serverOutput });
  disposables.push(clientHost);
  const servers = new ServerManager({
    definitions: [],
    logger,
    clientInfo: { name: 'mcp-harness', version: HARNESS_VERSION },
    consent: consent.consent,
    isTrusted: () => vscode.workspace.isTrusted,
    requestTimeoutMs: config.requestTimeoutMs,
    onStderr: (id, chunk) => serverOutput.appendStderr(id, chunk),
    hint: vscodeServerHint,
    serverRequests: clientHost.features.requestHandlers(),
    serverNotifications: clientHost.features.notificationHandlers(),
    authProviderFor: signIns.providerFor,
  });
  const unsubscribe = servers.onDidChange(() => serversChanged.fire());

  const discovery = new DiscoveryService(
    {
      discover: async (folders, askInputs) => {
        const result = await discover({
          folders,
          includeUserConfigs: config.includeUserConfigs,
          resolveInput: inputs.resolve,
          deferInputs: (server) => !askInputs(server.id),
        });
        const envFiles = result.definitions.map((d) => d.envFile).filter((f): f is string => !!f);
        return {
          definitions: result.definitions,
          problems: result.problems,
          files: result.files.filter((f) => f.exists).map((f) => f.path),
          watch: [...result.files.map((f) => f.path), ...envFiles],
          inputs: result.inputs.map((i) => ({ file: i.file, id: i.id })),
        };
      },
      inputsStored: (file, ids) => inputs.allStored(file, ids),
      apply: (out) => servers.setDefinitions(out.definitions),
      debounceMs: DEFAULTS.discoveryDebounceMs,
    },
    logger,
  );
  disposables.push(discovery);

  disposables.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      logger.info('The workspace is now trusted: its servers can be started.');
      serversChanged.fire();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (Config.affects(e, REDISCOVER_SETTINGS)) discovery.schedule('discovery settings changed');
      if (Config.affects(e, RELOAD_REQUIRED_SETTINGS)) {
        void vscode.window
          .showInformationMessage('MCP Harness: reload the window for the new request timeout to apply.', 'Reload Window')
          .then((b) => b === 'Reload Window' && vscode.commands.executeCommand('workbench.action.reloadWindow'));
      }
    }),
  );

  const sessionsOutput = new LazyOutputChannel('MCP Harness Sessions');
  disposables.push(sessionsOutput);
  const core: HarnessCore = {
    extension,
    log: logger,
    logChannel: channel,
    config,
    discovery,
    servers,
    consent,
    inputs,
    serverOutput,
    onDidChangeServers: serversChanged.event,
    dialogs: new Dialogs({
      confirmTool: confirmDestructiveModal,
      confirmDelete: confirmDeleteModal,
      saveReport: saveReportDialog,
      includeGatewayToken: askIncludeToken,
      callToolArgs: askCallToolArgs,
      pageFirst: askPageFirst,
    }),
    sessionsOutput,
    clientHost,
    signIns,
  };
  const pins = new WorkspacePins(core);
  const lint = new LintService(core, pins);
  const traces = new TraceFeatures(core);
  const sandbox = new SandboxFeatures(core);
  const otel = new OtelFeature(core);
  const runs = new RunServices({ ...core, pins, traces, otel });
  const client = new ClientFeatures({ servers, host: clientHost, storage: extension.storageUri ?? extension.globalStorageUri, logger });
  disposables.push(lint, traces, sandbox, otel, runs, client);
  const ctx: HarnessContext = { ...core, pins, lint, traces, sandbox, runs, otel, client };

  let disposed: Promise<void> | undefined;
  return {
    ctx,
    dispose: () => {
      disposed ??= (async () => {
        unsubscribe();
        // Spans of the runs that just ended leave before the window goes (bounded by the flush deadline).
        await otel.shutdown();
        try {
          await servers.dispose();
        } catch (err) {
          logger.error(err as Error);
        }
        for (const d of disposables.reverse()) {
          try {
            d.dispose();
          } catch {
            // keep releasing the rest
          }
        }
      })();
      return disposed;
    },
  };
}
