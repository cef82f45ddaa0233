// The server features the VS Code client UI uses beyond tools (resources, prompts, completions), in one place
// over the ServerManager, so the views and providers do not reach into connections. Nothing here starts a
// server: the Resources and Prompts nodes exist only under a running server, and the editor completions ask
// only servers that already run.
import type { CompleteResult, GetPromptResult, ReadResourceResult, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import type { ServerManager } from '../../core/servers';

export type CompletionRef = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

/** A server that is not running: the user starts it (consent, trust and inputs are asked there). */
export class ServerNotRunningError extends Error {
  constructor(readonly server: string) {
    super(`The server '${server}' is not running. Start it in the Servers view first.`);
  }
}

export class ClientServerFeatures {
  constructor(private readonly servers: ServerManager) {}

  isRunning(server: string): boolean {
    return this.servers.state(server)?.status === 'running';
  }

  /** Each change of a server's state, as whether it runs now; returns the unsubscribe. */
  onDidChangeRunning(listener: (server: string, running: boolean) => void): () => void {
    return this.servers.onDidChange((state) => listener(state.id, state.status === 'running'));
  }

  private ensureRunning(server: string): void {
    if (!this.isRunning(server)) throw new ServerNotRunningError(server);
  }

  readResource(server: string, uri: string): Promise<ReadResourceResult> {
    this.ensureRunning(server);
    return this.servers.readResource(server, uri);
  }

  listResourceTemplates(server: string): Promise<ResourceTemplate[]> {
    this.ensureRunning(server);
    return this.servers.listResourceTemplates(server);
  }

  getPrompt(server: string, name: string, args: Record<string, string>): Promise<GetPromptResult> {
    this.ensureRunning(server);
    return this.servers.getPrompt(server, name, args);
  }

  /** Whether the server declared the `completions` capability (asking one that did not is a protocol error). */
  async canComplete(server: string): Promise<boolean> {
    if (!this.isRunning(server)) return false;
    return !!(await this.servers.serverCapabilities(server))?.completions;
  }

  /** Whether the server declared `resources.subscribe` (subscribing to one that did not is a protocol error). */
  async canSubscribe(server: string): Promise<boolean> {
    if (!this.isRunning(server)) return false;
    return !!(await this.servers.serverCapabilities(server))?.resources?.subscribe;
  }

  subscribe(server: string, uri: string): Promise<void> {
    this.ensureRunning(server);
    return this.servers.subscribeResource(server, uri);
  }

  unsubscribe(server: string, uri: string): Promise<void> {
    this.ensureRunning(server);
    return this.servers.unsubscribeResource(server, uri);
  }

  /** completion/complete for one argument of a prompt or a resource template. */
  async complete(server: string, ref: CompletionRef, argument: { name: string; value: string }, context: Record<string, string> = {}): Promise<CompleteResult['completion']> {
    this.ensureRunning(server);
    const result = await this.servers.complete(server, ref, argument, { arguments: context });
    return result.completion;
  }
}
