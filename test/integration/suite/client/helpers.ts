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

/** The quick inputs of elicitation forms (or argument forms) in the order they open, for a test to fill in. */
export class StepQueue<T> implements vscode.Disposable {
  private readonly shown: T[] = [];
  private waiting: ((step: T) => void) | undefined;
  private readonly sub: vscode.Disposable;

  constructor(subscribe: (listener: (step: T) => void) => vscode.Disposable) {
    this.sub = subscribe((step) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(step);
      } else this.shown.push(step);
    });
  }

  next(what = 'the next form step', timeoutMs = 10_000): Promise<T> {
    const ready = this.shown.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)), timeoutMs);
      this.waiting = (step) => {
        clearTimeout(timer);
        resolve(step);
      };
    });
  }

  dispose(): void {
    this.sub.dispose();
  }
}

/**
 * Accepts the focused quick input the way Enter does. The extension host sends a quick input's property
 * changes (value, active and selected items) to the workbench on a 0 ms timer; the timer queued here runs
 * after it, so the accept reaches the workbench after the values the test set, not before.
 */
export async function acceptQuickInput(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
}
