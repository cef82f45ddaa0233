// Registers the views and providers over the context's services and feature objects.
import * as vscode from 'vscode';
import type { HarnessContext } from './context';
import { registerGatewayFeatures, type GatewayFeatures } from './gateway/features';
import { ServersTreeProvider } from './serversView';
import { registerSessionFeatures } from './sessions/features';
import { registerLintFeatures } from './lint/features';
import { registerSandboxFeatures } from './sandbox/features';

export function registerFeatures(ctx: HarnessContext): { serversTree: ServersTreeProvider; gateway: GatewayFeatures; disposables: vscode.Disposable[] } {
  const serversTree = new ServersTreeProvider(
    ctx.discovery,
    { state: (id) => ctx.servers.state(id), onDidChangeState: ctx.onDidChangeServers },
    () => vscode.workspace.isTrusted,
  );
  const view = vscode.window.createTreeView('mcpHarness.servers', { treeDataProvider: serversTree, showCollapseAll: true });
  const updateMessage = () => {
    view.message = vscode.workspace.isTrusted
      ? undefined
      : 'Restricted Mode: servers defined by this workspace are shown but never started until you trust the workspace.';
    const errors = ctx.discovery.problems.filter((p) => p.severity === 'error').length;
    view.badge = errors
      ? { value: errors, tooltip: `${errors} problem(s) in MCP config files` }
      : undefined;
  };
  updateMessage();
  const gateway = registerGatewayFeatures(ctx);
  const disposables: vscode.Disposable[] = [
    serversTree,
    view,
    vscode.workspace.onDidGrantWorkspaceTrust(updateMessage),
    ctx.discovery.onDidChange(updateMessage),
    ...registerSessionFeatures(ctx),
    ...registerLintFeatures(ctx),
    ...registerSandboxFeatures(),
    ...gateway.disposables,
  ];
  // Reading config files is cheap and gives the Problems panel its diagnostics; it never starts a server.
  setTimeout(() => void ctx.discovery.ready(), 0);
  return { serversTree, gateway, disposables };
}
