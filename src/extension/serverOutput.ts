// One log channel per server for its stderr, created the first time the server writes something
// (or the user asks for it), so a workspace with ten idle servers does not get ten empty channels.
import * as vscode from 'vscode';

export class ServerOutputChannels implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  /** Partial last lines, so a chunk boundary never splits a log line in two. */
  private readonly partial = new Map<string, string>();

  channel(serverId: string): vscode.LogOutputChannel {
    let ch = this.channels.get(serverId);
    if (!ch) {
      ch = vscode.window.createOutputChannel(`MCP Server: ${serverId}`, { log: true });
      this.channels.set(serverId, ch);
    }
    return ch;
  }

  has(serverId: string): boolean {
    return this.channels.has(serverId);
  }

  /** Appends a stderr chunk; complete lines are logged, the rest waits for the next chunk. */
  appendStderr(serverId: string, chunk: string): void {
    const text = (this.partial.get(serverId) ?? '') + chunk;
    const lines = text.split(/\r?\n/);
    this.partial.set(serverId, lines.pop() ?? '');
    const ch = this.channel(serverId);
    for (const line of lines) if (line.length) ch.info(line);
  }

  note(serverId: string, message: string): void {
    this.channel(serverId).info(`[MCP Harness] ${message}`);
  }

  show(serverId: string): void {
    this.channel(serverId).show(true);
  }

  dispose(): void {
    for (const ch of this.channels.values()) ch.dispose();
    this.channels.clear();
  }
}
