// The gateway in VS Code: the in-host gateway, its server definition provider for VS Code's agent, and
// the Copy Gateway Config command.
import * as vscode from 'vscode';
import type { CommandEntry } from '../commands';
import { copyGatewayConfig, type CopyGatewayOptions } from './copyConfig';
import { InHostGateway, type GatewayContext } from './inHost';
import { GatewayDefinitionProvider, PROVIDER_ID } from './provider';

export const gatewayCommands: CommandEntry[] = [{ id: 'mcpHarness.copyGatewayConfig', run: (ctx, target, options) => copyGatewayConfig(ctx, target, copyOptions(options)) }];

/** The command's second argument, when another command (or a test) passes one: fields of the wrong type do not count. */
function copyOptions(raw: unknown): CopyGatewayOptions {
  const o = (raw ?? {}) as Record<string, unknown>;
  return {
    ...(o.transport === 'stdio' || o.transport === 'http' ? { transport: o.transport } : {}),
    // The port is checked where it is used (copyConfig's one rule): a wrong one is refused there, not dropped.
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(typeof o.includeToken === 'boolean' ? { includeToken: o.includeToken } : {}),
  };
}

export interface GatewayFeatures {
  gateway: InHostGateway;
  provider: GatewayDefinitionProvider;
  /** Whether VS Code accepted the provider (false in editors without the MCP API). */
  registered: boolean;
  disposables: vscode.Disposable[];
}

export function registerGatewayFeatures(ctx: GatewayContext): GatewayFeatures {
  const gateway = new InHostGateway(ctx);
  const provider = new GatewayDefinitionProvider(ctx, gateway);
  const disposables: vscode.Disposable[] = [gateway, provider];
  // Editors without the MCP API (VS Code before 1.101, some forks) simply do not get the provider.
  const registered = typeof vscode.lm?.registerMcpServerDefinitionProvider === 'function';
  if (registered) disposables.push(vscode.lm.registerMcpServerDefinitionProvider(PROVIDER_ID, provider));
  else ctx.log.info('This editor has no MCP server definition API; "MCP Harness (guarded)" is not offered to its agent.');
  return { gateway, provider, registered, disposables };
}
