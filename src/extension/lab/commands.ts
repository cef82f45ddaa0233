// "MCP: Test Server Reliability…": pick a server and the suites, run the reliability lab with progress and
// Cancel, and show the result in the trace panel's Lab tab. Every probe is a guarded step of the folder's run
// service (the Steps tab lists the lab's runs); the server starts only after Workspace Trust and consent.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { partialNote } from '../../core/lab/report';
import type * as LabRunner from '../../core/lab/runner';
import type * as LabScratch from '../../core/lab/scratch';
import type * as LabServiceHost from '../../core/lab/serviceHost';
import { ALL_SUITES, DEFAULT_SUITES, type LabResult, type SuiteName } from '../../core/lab/types';
import { HARNESS_DIR } from '../../core/trace/writer';
import { labResultKey } from '../../protocol/messages';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import { pickServer, prepareToStart } from '../serverCommands';

/** What a caller (a test, another extension's command) may fix instead of being asked. */
export interface LabCommandOptions {
  suites?: SuiteName[];
  budgetMs?: number;
  seed?: number;
  callTimeoutMs?: number;
  allowDestructive?: boolean;
  /** Cancels the run like the progress notification's Cancel button. */
  signal?: AbortSignal;
}

const SUITE_DETAIL: Record<SuiteName, string> = {
  props: 'Inputs generated from each tool\'s schema; invalid inputs; outputSchema; annotation truth',
  faults: 'The server behind the fault-injection proxy: garbage, duplicates, reordering, latency, drops, a disconnect',
  bench: 'One read-only tool at concurrency 1, 4 and 16: latency percentiles, calls/s, server memory and CPU',
  conformance: 'The official MCP conformance suite\'s server scenarios, one after another within the budget',
};
const DESTRUCTIVE = 'destructive';
const BUDGET_SETTING = 'mcpHarness.lab.budgetSeconds';

async function pickSuites(): Promise<{ suites: SuiteName[]; allowDestructive: boolean } | undefined> {
  const items: (vscode.QuickPickItem & { suite?: SuiteName })[] = [
    ...ALL_SUITES.map((suite) => ({ label: suite, detail: SUITE_DETAIL[suite], picked: DEFAULT_SUITES.includes(suite), suite })),
    { label: 'Also call tools that may modify data', description: DESTRUCTIVE, detail: 'Tools not annotated read-only are called with generated inputs; a stdio server runs on temporary copies of the folders and files it is given.' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Test Server Reliability (2/2)', placeHolder: 'Which suites?', canPickMany: true });
  if (!picked) return undefined;
  const suites = picked.map((p) => p.suite).filter((s): s is SuiteName => !!s);
  if (!suites.length) {
    void vscode.window.showInformationMessage('Pick at least one suite to run.');
    return undefined;
  }
  return { suites, allowDestructive: picked.some((p) => p.description === DESTRUCTIVE) };
}

/** The chaos proxy is this extension's own CLI bundle, run by the extension host's binary as Node. */
function proxyLauncher(ctx: HarnessContext): LabServiceHost.ProxyLauncher {
  return { command: process.execPath, args: [path.join(ctx.extension.extensionPath, 'dist', 'cli.js')], env: { ELECTRON_RUN_AS_NODE: '1' } };
}

async function testServerReliability(ctx: HarnessContext, arg: unknown, options: LabCommandOptions = {}): Promise<LabResult | undefined> {
  const picked = await pickServer(ctx, arg, 'Test Server Reliability (1/2): which server?');
  if (!picked) return undefined;
  const def = await prepareToStart(ctx, picked);
  if (!def) return undefined;
  const choice = options.suites ? { suites: options.suites, allowDestructive: options.allowDestructive === true } : await pickSuites();
  if (!choice) return undefined;
  // The suites (fast-check, the HDR histogram, the conformance bridge) load when a lab runs, not at activation.
  const { DEFAULT_CALL_TIMEOUT_MS, runLab } = require('../../core/lab/runner') as typeof LabRunner;
  const { ServiceLabHost } = require('../../core/lab/serviceHost') as typeof LabServiceHost;
  const { withScratchCopy } = require('../../core/lab/scratch') as typeof LabScratch;
  const folder = def.source.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const host = new ServiceLabHost(ctx.runs.for(folder), ctx.servers, proxyLauncher(ctx));
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const abort = new AbortController();
  if (options.signal?.aborted) abort.abort(options.signal.reason);
  options.signal?.addEventListener('abort', () => abort.abort(options.signal?.reason), { once: true });
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Testing the reliability of ${def.id}`, cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      try {
        // With the opt-in, a server given folders or files runs on scratch copies of them.
        return await withScratchCopy(ctx.servers, def.id, choice.allowDestructive, async (testId, copies) => {
          const r = await runLab(host, {
            server: testId,
            suites: choice.suites,
            seed,
            budgetMs: options.budgetMs ?? ctx.config.labBudgetMs,
            // A caller that fixed the budget itself is not sent to the setting.
            ...(options.budgetMs === undefined ? { budgetAdvice: `raise ${BUDGET_SETTING}` } : {}),
            callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
            allowDestructive: choice.allowDestructive,
            outDir: path.join(folder ?? ctx.extension.globalStorageUri.fsPath, HARNESS_DIR, 'lab'),
            signal: abort.signal,
            onProgress: (message) => progress.report({ message }),
          });
          return { ...r, server: def.id, ...(copies.length ? { scratch: copies } : {}) };
        });
      } finally {
        await host.dispose();
      }
    },
  );
  // An open panel shows the Lab tab when the result is added; one opened now shows it from its first message.
  ctx.traces.lab.add(result);
  await ctx.traces.showPanel({ kind: 'workspace' }, { tab: 'lab' });
  if (result.cancelled) void vscode.window.showInformationMessage(`The reliability test of ${def.id} was cancelled; the Lab tab shows what it found until then (suites not started are skipped).`);
  else void announce(ctx, result);
  return result;
}

async function announce(ctx: HarnessContext, result: LabResult): Promise<void> {
  const save = 'Save Report Card…';
  const worst = result.findings.filter((f) => f.severity === 'critical' || f.severity === 'major').length;
  const partial = partialNote(result);
  const text = `${result.server} scores ${result.score}/100${partial ? ` on the suites that ran (${partial}; to give them more time, raise ${BUDGET_SETTING})` : ''}${worst ? ` with ${worst} critical or major finding(s)` : ''}. The Lab tab of the trace panel has the details.`;
  const picked = await (result.score >= 75 && !partial ? vscode.window.showInformationMessage(text, save) : vscode.window.showWarningMessage(text, save));
  if (picked !== save) return;
  const out = await ctx.traces.lab.saveReportCard(labResultKey(result));
  if (out.path) void vscode.window.showInformationMessage(`Report card saved to ${out.path}.`);
}

export const labCommands: CommandEntry[] = [{ id: 'mcpHarness.testServerReliability', run: (ctx, arg, options) => testServerReliability(ctx, arg, options as LabCommandOptions | undefined) }];
