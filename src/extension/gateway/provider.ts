// "MCP Harness (guarded)" for VS Code's agent: an MCP server definition provider whose one server is the
// in-host gateway. provide() is called eagerly and must not start anything, so it only describes the
// server (none in Restricted Mode); resolve() — called when VS Code starts it — starts the gateway and
// fills in its address and token.
import * as vscode from 'vscode';
import { HARNESS_VERSION } from '../../core/version';
import { GATEWAY_MODE_SETTING } from '../config';
import { Disposable } from '../disposable';
import type { GatewayContext, InHostGateway } from './inHost';
import { exposedServers } from './inHost';

export const PROVIDER_ID = 'mcpHarness.gateway';
export const GATEWAY_LABEL = 'MCP Harness (guarded)';
/** Replaced in resolve(): the gateway listens on a free port chosen when it starts. */
const PLACEHOLDER_URI = 'http://127.0.0.1/mcp';

export class GatewayDefinitionProvider extends Disposable implements vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition> {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeMcpServerDefinitions = this.changed.event;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly gateway: InHostGateway,
  ) {
    super();
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
    this._register(ctx.discovery.onDidChange(() => void this.serversChanged()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(GATEWAY_MODE_SETTING) && void this.modeChanged()));
  }

  provideMcpServerDefinitions(): vscode.McpHttpServerDefinition[] {
    if (!vscode.workspace.isTrusted) return [];
    return [new vscode.McpHttpServerDefinition(GATEWAY_LABEL, vscode.Uri.parse(PLACEHOLDER_URI), {}, this.version())];
  }

  async resolveMcpServerDefinition(server: vscode.McpHttpServerDefinition): Promise<vscode.McpHttpServerDefinition | undefined> {
    if (server.label !== GATEWAY_LABEL) return server;
    const running = await this.gateway.start();
    server.uri = vscode.Uri.parse(running.url);
    server.headers = { ...server.headers, Authorization: `Bearer ${running.token}` };
    return server;
  }

  /** The version changes with the exposed servers and the mode, so VS Code offers to refresh the tools. */
  private version(): string {
    return `${HARNESS_VERSION}+${this.ctx.config.gatewayMode}+${exposedServers(this.ctx.discovery.definitions).join(',')}`;
  }

  /** A running gateway keeps the mode it started in: another mode restarts it on next use. */
  private async modeChanged(): Promise<void> {
    const running = await this.gateway.mode;
    if (running && running !== this.ctx.config.gatewayMode) await this.gateway.stop('the gateway mode changed');
    this.changed.fire();
  }

  /** A running gateway exposes the servers it started with: when they change it is restarted on next use. */
  private async serversChanged(): Promise<void> {
    const running = await this.gateway.servers;
    const now = exposedServers(this.ctx.discovery.definitions);
    if (running && running.join('\0') !== now.join('\0')) await this.gateway.stop('the workspace\'s servers changed');
    this.changed.fire();
  }
}
