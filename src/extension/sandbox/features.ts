// Code mode in VS Code: the sandbox pool that runs *.mcp.js code and session code steps, its output
// channel, and the CodeLens on *.mcp.js files. Nothing starts at activation: workers start on the first run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SandboxPool } from '../../core/sandbox/sandbox';
import { registerCodeStepKind } from '../../core/sandbox/session-step';
import { sandboxLimitsFromSettings } from '../../core/sandbox/settings';
import type { ExecResult, ExecuteOptions } from '../../core/sandbox/types';
import type { HarnessCore } from '../context';
import { Disposable } from '../disposable';
import { LazyOutputChannel } from '../outputChannel';

export const CODE_FILE_SUFFIX = '.mcp.js';
/** Results kept for "Run Code" to read back; session code steps are never read, so old ones are dropped. */
const MAX_KEPT_RESULTS = 64;

export function isCodeFile(uri: vscode.Uri | undefined): boolean {
  return !!uri && uri.path.endsWith(CODE_FILE_SUFFIX);
}

export class SandboxFeatures extends Disposable {
  /** The "MCP Harness Code" channel. */
  readonly output = this._register(new LazyOutputChannel('MCP Harness Code'));
  private readonly pool: SandboxPool;
  /** ExecResults of finished executions, by the code step id (the runner only hands back the StepRecord). */
  private readonly results = new Map<string, ExecResult>();

  constructor(ctx: HarnessCore) {
    super();
    this.pool = new SandboxPool({ size: 2, workerPath: path.join(ctx.extension.extensionPath, 'dist', 'sandbox-worker.js'), logger: ctx.log });
    const pool = this.pool;
    this._register({ dispose: () => void pool.dispose() });
    const section = () => vscode.workspace.getConfiguration('mcpHarness');
    registerCodeStepKind({
      sandbox: {
        execute: async (options: ExecuteOptions) => {
          const result = await pool.execute(options);
          this.results.set(options.parentStepId, result);
          if (this.results.size > MAX_KEPT_RESULTS) this.results.delete(this.results.keys().next().value!);
          return result;
        },
      },
      limits: () => sandboxLimitsFromSettings((key) => section().get<unknown>(key), (m) => ctx.log.warn(m)),
    });
  }

  /** The sandbox's own result of a code step that ran in this window (and forgets it). */
  takeResult(stepId: string): ExecResult | undefined {
    const result = this.results.get(stepId);
    this.results.delete(stepId);
    return result;
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
