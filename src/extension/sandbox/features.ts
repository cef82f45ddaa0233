// Code mode in VS Code: the sandbox pool that runs *.mcp.js code and session code steps, its output
// channel, and the CodeLens on *.mcp.js files. Nothing starts at activation: workers start on the first run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SandboxPool } from '../../core/sandbox/sandbox';
import { registerCodeStepKind } from '../../core/sandbox/session-step';
import { sandboxLimitsFromSettings, settingAdvice } from '../../core/sandbox/settings';
import type { HarnessCore } from '../context';
import { Disposable } from '../disposable';
import { LazyOutputChannel } from '../outputChannel';

export const CODE_FILE_SUFFIX = '.mcp.js';

export function isCodeFile(uri: vscode.Uri | undefined): boolean {
  return !!uri && uri.path.endsWith(CODE_FILE_SUFFIX);
}

export class SandboxFeatures extends Disposable {
  /** The "MCP Harness Code" channel. */
  readonly output = this._register(new LazyOutputChannel('MCP Harness Code'));
  /** The workers that run code: *.mcp.js files, session code steps and an agent's run_code calls. */
  readonly pool: SandboxPool;

  constructor(ctx: HarnessCore) {
    super();
    const pool = new SandboxPool({ size: 2, workerPath: path.join(ctx.extension.extensionPath, 'dist', 'sandbox-worker.js'), logger: ctx.log });
    this.pool = pool;
    this._register({ dispose: () => void pool.dispose() });
    const section = () => vscode.workspace.getConfiguration('mcpHarness');
    registerCodeStepKind({
      sandbox: pool,
      limits: () => sandboxLimitsFromSettings((key) => section().get<unknown>(key), (m) => ctx.log.warn(m)),
      // A limit the code hit is reported with the setting that raises it.
      limitAdvice: (limit) => settingAdvice(limit),
    });
  }
}

class RunCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isCodeFile(document.uri)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(play) Run in Sandbox', command: 'mcpHarness.runCode', arguments: [document.uri], tooltip: 'Run this file in the QuickJS sandbox; tool calls go through the guards' }),
      new vscode.CodeLens(top, { title: 'Generate Tool Typings', command: 'mcpHarness.generateToolTypings', tooltip: 'Write .mcp-harness/types/mcp-tools.d.ts for completion in *.mcp.js files' }),
    ];
  }
}

export function registerSandboxFeatures(): vscode.Disposable[] {
  return [vscode.languages.registerCodeLensProvider({ pattern: `**/*${CODE_FILE_SUFFIX}` }, new RunCodeLens())];
}
