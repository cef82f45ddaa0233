// The "Servers" tree: one node per discovered definition with its live status, its tools, resources
// and prompts as children, and an error node per config problem.
import * as path from 'node:path';
import type { Prompt, Resource, Tool } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { ConfigProblem, ServerDefinition } from '../core/config/types';
import type { ServerState } from '../core/servers/types';
import { Disposable } from './disposable';
import type { DiscoveryService } from './discovery';

export type ServersNode =
  | { kind: 'server'; definition: ServerDefinition }
  | { kind: 'category'; serverId: string; category: 'tools' | 'resources' | 'prompts'; count: number }
  | { kind: 'tool'; serverId: string; tool: Tool }
  | { kind: 'resource'; serverId: string; resource: Resource }
  | { kind: 'prompt'; serverId: string; prompt: Prompt }
  | { kind: 'problem'; problem: ConfigProblem }
  | { kind: 'info'; serverId?: string; label: string; detail?: string; icon: string };

export interface ServerStates {
  state(id: string): ServerState | undefined;
  readonly onDidChangeState: vscode.Event<void>;
}

/** A server waiting out its reconnect backoff, as the tree and the Stop picker say it: "reconnecting in 3s (attempt 2)". */
export function reconnectText(reconnect: NonNullable<ServerState['reconnect']>, now = Date.now()): string {
  return `reconnecting in ${Math.max(0, Math.ceil((reconnect.at - now) / 1000))}s (attempt ${reconnect.attempt})`;
}

/** Badges for a tool's annotations; absent hints are shown as what the policy will assume. */
export function toolBadges(tool: Tool): string[] {
  const a = tool.annotations ?? {};
  const badges: string[] = [];
  if (a.readOnlyHint === true) badges.push('read-only');
  else if (a.destructiveHint !== false) badges.push('destructive');
  if (a.openWorldHint !== false) badges.push('open-world');
  if (a.idempotentHint === true) badges.push('idempotent');
  return badges;
}

export function relativeSource(def: ServerDefinition): string {
  const folder = def.source.workspaceFolder;
  if (folder) {
    const rel = path.relative(folder, def.source.file);
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    return multiRoot ? `${path.basename(folder)}/${rel}` : rel;
  }
  return def.source.file;
}

const STATUS_ICON: Record<ServerState['status'], vscode.ThemeIcon> = {
  stopped: new vscode.ThemeIcon('circle-large-outline'),
  starting: new vscode.ThemeIcon('loading~spin'),
  running: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  'needs-sign-in': new vscode.ThemeIcon('account', new vscode.ThemeColor('list.warningForeground')),
};

function schemaBlock(value: unknown): string {
  return '```json\n' + JSON.stringify(value, null, 2) + '\n```';
}

export class ServersTreeProvider extends Disposable implements vscode.TreeDataProvider<ServersNode> {
  private readonly changed = this._register(new vscode.EventEmitter<ServersNode | undefined | void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly states: ServerStates,
    private readonly isTrusted: () => boolean,
  ) {
    super();
    this._register(discovery.onDidChange(() => this.changed.fire()));
    this._register(
      states.onDidChangeState(() => {
        this.changed.fire();
        this.followCountdown();
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
    this._register({ dispose: () => this.stopCountdown() });
  }

  private countdown: NodeJS.Timeout | undefined;

  /** While a server waits to reconnect, its "reconnecting in Ns" is redrawn every second; the timer stops with the last wait. */
  private followCountdown(): void {
    const waiting = this.discovery.definitions.some((d) => this.states.state(d.id)?.reconnect);
    if (waiting && !this.countdown) this.countdown = setInterval(() => this.changed.fire(), 1000);
    else if (!waiting) this.stopCountdown();
  }

  private stopCountdown(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = undefined;
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: ServersNode): Promise<ServersNode[]> {
    if (!node) {
      await this.discovery.ready();
      const servers: ServersNode[] = this.discovery.definitions.map((definition) => ({ kind: 'server', definition }));
      // Problems that belong to a listed server show under it; the rest (a server that could not be
      // read at all, a malformed file) show at the top level so nothing is hidden.
      const ids = new Set(this.discovery.definitions.map((d) => d.id));
      const orphans: ServersNode[] = this.discovery.problems
        .filter((p) => !p.server || !ids.has(p.server))
        .map((problem) => ({ kind: 'problem', problem }));
      return [...servers, ...orphans];
    }
    if (node.kind === 'server') return this.serverChildren(node.definition);
    if (node.kind === 'category') {
      const st = this.states.state(node.serverId);
      if (node.category === 'tools') return (st?.tools ?? []).map((tool) => ({ kind: 'tool', serverId: node.serverId, tool }));
      if (node.category === 'resources')
        return (st?.resources ?? []).map((resource) => ({ kind: 'resource', serverId: node.serverId, resource }));
      return (st?.prompts ?? []).map((prompt) => ({ kind: 'prompt', serverId: node.serverId, prompt }));
    }
    return [];
  }

  private serverChildren(def: ServerDefinition): ServersNode[] {
    const out: ServersNode[] = [];
    for (const problem of this.discovery.problems.filter((p) => p.server === def.id)) {
      out.push({ kind: 'problem', problem });
    }
    for (const note of def.notes) out.push({ kind: 'info', serverId: def.id, label: note, icon: 'info' });
    const st = this.states.state(def.id);
    if ((st?.status === 'error' || st?.status === 'needs-sign-in') && st.error) {
      out.push({ kind: 'info', serverId: def.id, label: st.error, icon: 'warning' });
    } else if (def.error && st?.status !== 'running' && !this.discovery.problems.some((p) => p.server === def.id)) {
      out.push({ kind: 'info', serverId: def.id, label: def.error, icon: 'error' });
    }
    if (st?.tools || st?.resources || st?.prompts) {
      out.push({ kind: 'category', serverId: def.id, category: 'tools', count: st.tools?.length ?? 0 });
      out.push({ kind: 'category', serverId: def.id, category: 'resources', count: st.resources?.length ?? 0 });
      out.push({ kind: 'category', serverId: def.id, category: 'prompts', count: st.prompts?.length ?? 0 });
    } else if (!this.isTrusted() && def.source.workspaceFolder) {
      out.push({
        kind: 'info',
        serverId: def.id,
        label: 'Restricted Mode: trust this workspace to start this server',
        icon: 'shield',
      });
    } else if (st?.status !== 'starting') {
      out.push({ kind: 'info', serverId: def.id, label: 'Start the server to list its tools', icon: 'debug-start' });
    }
    return out;
  }

  getTreeItem(node: ServersNode): vscode.TreeItem {
    switch (node.kind) {
      case 'server':
        return this.serverItem(node.definition);
      case 'category': {
        const labels = { tools: 'Tools', resources: 'Resources', prompts: 'Prompts' } as const;
        const icons = { tools: 'tools', resources: 'file-symlink-file', prompts: 'comment-discussion' } as const;
        const item = new vscode.TreeItem(
          labels[node.category],
          node.count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon(icons[node.category]);
        item.contextValue = `category.${node.category}`;
        item.id = `${node.serverId}/${node.category}`;
        return item;
      }
      case 'tool': {
        const t = node.tool;
        const item = new vscode.TreeItem(t.title ?? t.annotations?.title ?? t.name);
        if ((t.title ?? t.annotations?.title) && t.name) item.label = `${t.name}`;
        item.description = toolBadges(t).join(' · ');
        item.iconPath = new vscode.ThemeIcon(
          t.annotations?.readOnlyHint === true ? 'eye' : t.annotations?.destructiveHint === false ? 'tools' : 'warning',
        );
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${t.name}**${t.title ? ` — ${t.title}` : ''}\n\n`);
        if (t.description) md.appendText(`${t.description}\n\n`);
        const badges = toolBadges(t);
        if (badges.length) md.appendMarkdown(`*${badges.join(', ')}*\n\n`);
        md.appendMarkdown(`Input schema:\n\n${schemaBlock(t.inputSchema)}`);
        if (t.outputSchema) md.appendMarkdown(`\n\nOutput schema:\n\n${schemaBlock(t.outputSchema)}`);
        item.tooltip = md;
        item.contextValue = 'tool';
        item.id = `${node.serverId}/tools/${t.name}`;
        // A click opens the tool's schema document, where its lint findings are (Call Tool… is on the row).
        item.command = { command: 'mcpHarness.openToolSchema', title: 'Open Tool Schema', arguments: [node] };
        return item;
      }
      case 'resource': {
        const r = node.resource;
        const item = new vscode.TreeItem(r.name || r.uri);
        item.description = r.uri;
        item.tooltip = new vscode.MarkdownString().appendText(
          [r.uri, r.mimeType, r.description].filter(Boolean).join('\n\n'),
        );
        item.iconPath = new vscode.ThemeIcon('file');
        item.contextValue = 'resource';
        item.id = `${node.serverId}/resources/${r.uri}`;
        item.command = { command: 'mcpHarness.openResource', title: 'Open Resource', arguments: [node] };
        return item;
      }
      case 'prompt': {
        const p = node.prompt;
        const item = new vscode.TreeItem(p.name);
        item.description = (p.arguments ?? []).map((a) => (a.required ? a.name : `${a.name}?`)).join(', ');
        item.tooltip = p.description;
        item.iconPath = new vscode.ThemeIcon('comment');
        item.contextValue = 'prompt';
        item.id = `${node.serverId}/prompts/${p.name}`;
        // A click runs it, as a resource's opens it: its arguments are asked for first.
        item.command = { command: 'mcpHarness.runPrompt', title: 'Run Prompt…', arguments: [node] };
        return item;
      }
      case 'problem': {
        const p = node.problem;
        const label = p.server ? `${p.server}: ${p.message}` : p.message;
        const item = new vscode.TreeItem(label);
        item.description = path.basename(p.file);
        item.tooltip = `${p.file}\n${p.message} (${p.code})`;
        item.iconPath = new vscode.ThemeIcon(
          p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'info',
          new vscode.ThemeColor(p.severity === 'error' ? 'errorForeground' : 'list.warningForeground'),
        );
        item.contextValue = 'problem';
        item.command = {
          command: 'mcpHarness.openServerDefinition',
          title: 'Open Problem',
          arguments: [node],
        };
        return item;
      }
      case 'info': {
        const item = new vscode.TreeItem(node.label);
        item.tooltip = node.detail ?? node.label;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = 'info';
        return item;
      }
    }
  }

  private serverItem(def: ServerDefinition): vscode.TreeItem {
    const st = this.states.state(def.id);
    const live = st?.status ?? 'stopped';
    // A definition that cannot start (missing command, unresolved variable) is an error before it is tried.
    const status = live === 'stopped' && def.error ? 'error' : live;
    const item = new vscode.TreeItem(def.id, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `server:${def.id}`;
    const blocked = !this.isTrusted() && !!def.source.workspaceFolder;
    const reconnect = st?.reconnect;
    const statusText = reconnect
      ? reconnectText(reconnect)
      : blocked && status === 'stopped'
        ? 'blocked (Restricted Mode)'
        : status === 'stopped' && def.disabled
          ? 'disabled'
          : status === 'stopped' && def.pendingInputs?.length
            ? 'stopped, needs input'
            : status === 'needs-sign-in'
              ? 'needs sign-in'
              : status === 'running' && st?.signIn
                ? 'running, needs sign-in'
                : status;
    // The protocol version is the one last negotiated; it is shown while the server runs.
    const protocol = live === 'running' && st?.protocol ? ` · MCP ${st.protocol.version}` : '';
    item.description = `${statusText} · ${def.transport}${protocol} · ${relativeSource(def)}`;
    item.iconPath = blocked && status === 'stopped' ? new vscode.ThemeIcon('shield') : STATUS_ICON[status];
    if (st?.circuitOpen) item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('errorForeground'));
    if (reconnect) item.iconPath = new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground'));
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${def.name}** — ${statusText}\n\n`);
    const error = st?.error ?? (status === 'error' ? def.error : undefined);
    if (error) md.appendText(`${error}\n\n`);
    if (reconnect) md.appendText('A call needs it, so it will be started again after the wait. Stop cancels the reconnect.\n\n');
    if (st?.serverInfo) md.appendText(`${st.serverInfo.name} ${st.serverInfo.version}\n\n`);
    if (st?.protocol) md.appendText(`MCP protocol ${st.protocol.version} (${st.protocol.era === 'modern' ? '2026 generation, stateless' : '2025 generation, initialize handshake'})\n\n`);
    if (def.transport === 'stdio') {
      md.appendMarkdown('Command:\n\n');
      md.appendCodeblock([def.command ?? '', ...(def.args ?? [])].join(' '), 'sh');
    } else if (def.url) {
      md.appendText(`URL: ${def.url}\n\n`);
    }
    md.appendText(`Defined in ${def.source.file}`);
    for (const n of def.notes) md.appendText(`\n\nNote: ${n}`);
    item.tooltip = md;
    item.contextValue = reconnect ? 'server.reconnecting' : status === 'needs-sign-in' ? 'server.needsSignIn' : `server.${status}`;
    return item;
  }
}
