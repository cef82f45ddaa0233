// "MCP: Run Session" and the "Run Step" CodeLens: parse the session file (unsaved edits included),
// make sure its servers may start, run it through the folder's run service with a cancellable
// progress notification, and stream each step to the "MCP Harness Sessions" channel as it finishes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseSession, REFERENCE, type SessionFile, type SessionStep } from '../../core/session/parse';
import type { SessionResult } from '../../core/run/index';
import type { StepRecord } from '../../protocol/trace';
import { runAgentSession } from '../agent/commands';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import { offsetRangeToRange } from '../discovery';
import { checkTrusted } from '../serverCommands';

export const SESSION_GLOB = '**/*.mcp-session.json';

const ICON: Record<string, string> = {
  ok: '✓',
  dry_run: '○',
  denied_schema: '⊘',
  denied_policy: '⊘',
  denied_guardrail: '⊘',
  error: '✗',
  timeout: '⏱',
  cancelled: '■',
};

async function pickSessionFile(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.file(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeIsSession = active?.path.endsWith('.mcp-session.json') ? active : undefined;
  const found = await vscode.workspace.findFiles(SESSION_GLOB, '**/node_modules/**', 500);
  const files = [...(activeIsSession ? [activeIsSession] : []), ...found.filter((u) => u.toString() !== activeIsSession?.toString())];
  if (!files.length) {
    const create = 'Create Session File';
    const picked = await vscode.window.showInformationMessage(
      'There are no *.mcp-session.json files in this workspace. A session file lists tool calls to run through the guards.',
      create,
    );
    if (picked === create) await createSessionFile();
    return undefined;
  }
  if (files.length === 1) return files[0];
  const pick = await vscode.window.showQuickPick(
    files.map((uri) => ({
      label: path.basename(uri.fsPath),
      description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)),
      detail: uri.toString() === activeIsSession?.toString() ? 'Active editor' : undefined,
      uri,
    })),
    { title: 'Run Session', placeHolder: 'Which session file?' },
  );
  return pick?.uri;
}

async function createSessionFile(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  const file = vscode.Uri.joinPath(folder.uri, 'smoke.mcp-session.json');
  const doc = await vscode.workspace.openTextDocument(
    file.with({ scheme: 'untitled' }),
  );
  const editor = await vscode.window.showTextDocument(doc);
  await editor.insertSnippet(
    new vscode.SnippetString(
      '{\n  "name": "${1:smoke}",\n  "steps": [\n    { "id": "${2:first}", "tool": "${3:server/tool}", "args": {$0} }\n  ]\n}\n',
    ),
  );
}

/** The step ids a step needs first: those its args reference, transitively. */
export function stepsNeededFor(session: SessionFile, stepId: string): Set<string> {
  const byId = new Map(session.steps.map((s) => [s.id, s]));
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    const step = byId.get(id);
    if (!step) return;
    needed.add(id);
    const text = JSON.stringify(step.args ?? {}) + (step.code ?? '');
    for (const m of text.matchAll(REFERENCE)) visit(m[1]);
  };
  visit(stepId);
  return needed;
}

function formatRecord(r: StepRecord, index: number, total: number): string {
  const head = `${ICON[r.decision] ?? '·'} [${index}/${total}] ${r.step_id}  ${r.server ? `${r.server}/${r.tool}` : r.kind}  ${r.decision}`;
  const metrics = `${Math.round(r.latency_ms)} ms, tokens ${r.tokens_in}/${r.tokens_out}, ~$${r.cost_est.toFixed(6)}${r.reused ? ', reused' : ''}`;
  const lines = [`${head}  (${metrics})`];
  for (const reason of r.reasons) lines.push(`    ${reason}`);
  if (r.error && !r.reasons.includes(r.error)) lines.push(`    error: ${r.error}`);
  for (const f of r.findings) lines.push(`    finding [${f.severity}] ${f.kind}: ${f.message}`);
  if (r.task) lines.push(`    task ${taskPath(r.task.history.map((h) => h.status))}`);
  // A step the user cancelled did not fail its expectations; saying so would only repeat the cancellation.
  if (r.decision !== 'cancelled' && r.expectation && !r.expectation.passed) for (const f of r.expectation.failures) lines.push(`    expectation failed: ${f}`);
  return lines.join('\n');
}

/** A task's statuses without repeats: "working → input_required → working → completed". */
function taskPath(statuses: string[]): string {
  return statuses.filter((s, i) => s !== statuses[i - 1]).join(' → ');
}

function summary(result: SessionResult): string {
  const d = Object.entries(result.decisions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `Session "${result.name}" ${result.status}: ${result.totals.steps} step(s) (${d || 'none'}) in ${result.duration_ms} ms, tokens ${result.totals.tokens_in}/${result.totals.tokens_out}, ~$${result.totals.cost_est.toFixed(6)}.`;
}

export interface RunRequest {
  uri: vscode.Uri;
  /** Run only this step (and the steps it references). */
  stepId?: string;
}

export async function runSessionFile(ctx: HarnessContext, request: RunRequest): Promise<SessionResult | undefined> {
  const { uri } = request;
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const parsed = parseSession(text, uri.fsPath);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (!parsed.session || errors.length) {
    const first = errors[0];
    const open = 'Open Problem';
    const picked = await vscode.window.showErrorMessage(
      `${path.basename(uri.fsPath)} cannot run: ${first?.message ?? 'it is not a valid session file.'}${errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : ''}`,
      open,
    );
    if (picked === open && first) {
      await vscode.window.showTextDocument(doc, { selection: offsetRangeToRange(text, first.range) });
    }
    return undefined;
  }
  let session: SessionFile = parsed.session;
  // An agent session needs no steps: a model chooses the calls (its result is the last mode's run).
  if (session.agent && !session.steps.length) {
    const agent = await runAgentSession(ctx, { ...session, agent: session.agent }, uri);
    return agent?.runs[agent.runs.length - 1]?.session;
  }
  if (request.stepId) {
    if (!session.steps.some((s) => s.id === request.stepId)) {
      throw new Error(`There is no step "${request.stepId}" in ${path.basename(uri.fsPath)} any more; save the file and try again.`);
    }
    const needed = stepsNeededFor(session, request.stepId);
    session = { ...session, steps: session.steps.filter((s: SessionStep) => needed.has(s.id)) };
  }

  await ctx.discovery.ready();
  const referenced = new Set([...(session.servers ?? []), ...session.steps.map((s) => s.server).filter((s): s is string => !!s)]);
  for (const id of referenced) {
    const def = ctx.discovery.definition(id);
    if (!def) continue; // the runner reports unknown servers per step
    if (!checkTrusted(def)) return undefined;
    if (def.pendingInputs?.length) await ctx.discovery.resolveInputsFor(id);
  }

  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);

  const out = ctx.sessionsOutput.get();
  out.show(true);
  const title = request.stepId ? `step "${request.stepId}" of session "${session.name}"` : `session "${session.name}"`;
  out.appendLine('');
  out.appendLine(`▶ Running ${title} (${path.basename(uri.fsPath)}), ${session.steps.length} step(s) — ${new Date().toLocaleString()}`);

  const total = session.steps.length;
  let done = 0;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MCP: running ${title}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      return ctx.runs.for(folder).runSession(session, {
        signal: abort.signal,
        onProgress: (index, stepId) => progress.report({ message: `step ${index + 1}/${total}: ${stepId}` }),
        // A long tool call's own progress notifications, live in the same notification.
        onToolProgress: (index, stepId, p) =>
          progress.report({ message: `step ${index + 1}/${total}: ${stepId} — ${p.message ?? `${p.progress}${p.total ? ` of ${p.total}` : ''}`}` }),
        onStep: (record) => {
          done++;
          progress.report({ increment: 100 / Math.max(1, total) });
          out.appendLine(formatRecord(record, done, total));
        },
      });
    },
  );
  for (const p of result.preflight) out.appendLine(`  preflight: ${p.message}`);
  out.appendLine(summary(result));
  if (result.trace_file) out.appendLine(`  trace: ${result.trace_file}`);

  const openTrace = 'Open Trace';
  const showOutput = 'Show Output';
  const buttons = result.trace_file ? [openTrace, showOutput] : [showOutput];
  const message = summary(result) + (result.error ? ` ${result.error}` : '');
  const shown = result.status === 'passed' ? vscode.window.showInformationMessage(message, ...buttons) : vscode.window.showWarningMessage(message, ...buttons);
  void shown.then(async (b) => {
    if (b === openTrace && result.trace_file) await vscode.window.showTextDocument(vscode.Uri.file(result.trace_file));
    if (b === showOutput) out.show();
  });
  return result;
}

export const sessionCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.runSession',
    run: async (ctx, arg) => {
      const uri = await pickSessionFile(arg);
      return uri ? runSessionFile(ctx, { uri }) : undefined;
    },
  },
  {
    id: 'mcpHarness.runSessionStep',
    run: async (ctx, uri, stepId) => {
      if (!(uri instanceof vscode.Uri) || typeof stepId !== 'string') {
        throw new Error('Run Step needs a session file and a step id; use the "Run Step" lens above a step.');
      }
      return runSessionFile(ctx, { uri, stepId });
    },
  },
];
