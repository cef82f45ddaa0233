// Shared by the client-feature tests: the harness API with consent answered, and calls to the `ui` fixture.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import { activateHarness } from '../helpers';

export async function clientApi(): Promise<HarnessApi> {
  const api = await activateHarness<HarnessApi>();
  await api.discovery.ready();
  api.testing.setConsentPrompt(async () => 'allow');
  return api;
}

export interface ToolText {
  isError: boolean;
  text: string;
}

/** Calls a tool of the `ui` fixture directly (no run) and returns its first text. */
export async function callUi(api: HarnessApi, tool: string, args: Record<string, unknown> = {}): Promise<ToolText> {
  const result = await api.servers.callTool('ui', tool, args);
  const first = (result.content as { type: string; text?: string }[])[0];
  assert.equal(first?.type, 'text', `ui/${tool} answered no text`);
  return { isError: result.isError === true, text: first.text ?? '' };
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('mcpHarness').update(key, value, vscode.ConfigurationTarget.Workspace);
}
