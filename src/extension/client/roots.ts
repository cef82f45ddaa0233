// Roots are the workspace folders: roots/list answers them, and a change of folders tells every running
// server (notifications/roots/list_changed) so it can ask again.
import * as vscode from 'vscode';
import type { ListRootsResult } from '../../core/servers/serverRequests';

export function workspaceRoots(): ListRootsResult {
  return { roots: (vscode.workspace.workspaceFolders ?? []).map((f) => ({ uri: f.uri.toString(), name: f.name })) };
}

/** Sends roots/list_changed whenever the folders change; failures are logged by the connection layer. */
export function watchRoots(notify: () => Promise<void>): vscode.Disposable {
  return vscode.workspace.onDidChangeWorkspaceFolders(() => void notify());
}
