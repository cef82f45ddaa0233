// The "MCP Harness Sessions" output channel: session results stream here as each step finishes.
// Created on first use so an unused feature adds no channel.
import * as vscode from 'vscode';

let channel: vscode.OutputChannel | undefined;

export function sessionsChannel(): vscode.OutputChannel {
  channel ??= vscode.window.createOutputChannel('MCP Harness Sessions');
  return channel;
}

export function disposeSessionsChannel(): void {
  channel?.dispose();
  channel = undefined;
}
