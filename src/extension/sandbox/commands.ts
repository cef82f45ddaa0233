// "MCP: Run Code in Sandbox" on a *.mcp.js file or the selection, and "MCP: Generate Tool Typings".
// A run goes through the folder's run service (a one-step session), so the code's tool calls pass the
// same guards as session steps (settings-driven policy, guardrails, pins) and the trace (the code step
// with its tool calls as child steps) shows in the Sessions view as it runs.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExecResult } from '../../core/sandbox/types';
import { writeTypings } from '../../core/typings/generate';
import type { ToolCatalogEntry } from '../../core/guards/types';
import type { StepRecord } from '../../protocol/trace';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import { checkTrusted } from '../serverCommands';
import { CODE_FILE_SUFFIX, isCodeFile } from './features';

/** Code above this size is refused (the same cap as a session's codeFile). */
export const MAX_CODE_CHARS = 1024 * 1024;
const OUTPUT_PREVIEW_CHARS = 20_000;

export interface RunCodeResult {
  ok: boolean;
  value?: unknown;
  logs: { level: string; text: string }[];
  error?: { kind: string; message: string; reasons?: string[] };
  metrics: ExecResult['metrics'];
  traceFile?: string;
  record: StepRecord;
  children: StepRecord[];
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > OUTPUT_PREVIEW_CHARS ? `${text.slice(0, OUTPUT_PREVIEW_CHARS)}\n… (${text.length - OUTPUT_PREVIEW_CHARS} more characters; the full value is in the trace)` : text;
}

/** Runs code in the sandbox against the workspace's servers; `file` names the trace and locates skills. */
export async function runCode(ctx: HarnessContext, code: string, file: vscode.Uri | undefined, label: string): Promise<RunCodeResult | undefined> {
  if (!code.trim()) {
    void vscode.window.showWarningMessage('MCP Harness: there is no code to run. Write an async function body that returns a value, e.g. `return await mcp.servers();`.');
    return undefined;
  }
  if (code.length > MAX_CODE_CHARS) {
    throw new Error(`The code is ${code.length} characters long, over the ${MAX_CODE_CHARS}-character limit; move the bulk of it into a skill (.mcp-harness/skills/*.js).`);
  }
  await ctx.discovery.ready();
  const folder = (file && vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const stepId = `code-${randomUUID().slice(0, 8)}`;
  const name = file ? path.basename(file.fsPath) : 'sandbox code';

  const out = ctx.sandbox.output.get();
  out.appendLine('');
  out.appendLine(`▶ ${label} — ${new Date().toLocaleString()}`);
  const service = ctx.runs.for(folder);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MCP: running ${name} in the sandbox`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      let calls = 0;
      // The code's tool calls are announced as run events (parent_id = this code step).
      const listening = service.onStep((r) => {
        if (r.parent_id === stepId) progress.report({ message: `${++calls} tool call(s), last ${r.server}/${r.tool}` });
      });
      try {
        return await service.runCode(code, {
          signal: abort.signal,
          name,
          stepId,
          ...(file?.scheme === 'file' ? { codeFile: vscode.workspace.asRelativePath(file, false) } : {}),
        });
      } finally {
        listening.dispose();
      }
    },
  );
  const { record, exec, session } = run;
  if (!record) {
    out.appendLine(`✗ The code did not run: ${session.error ?? 'the run service returned no step.'}`);
    out.show(true);
    return undefined;
  }
  const result: RunCodeResult = {
    ok: exec?.ok ?? record.decision === 'ok',
    ...(exec && 'value' in exec ? { value: exec.value } : record.output !== undefined ? { value: record.output } : {}),
    logs: exec?.logs ?? record.logs ?? [],
    ...(exec?.error ? { error: exec.error } : record.error ? { error: { kind: record.decision, message: record.error } } : {}),
    metrics: exec?.metrics ?? { duration_ms: record.latency_ms, tool_calls: run.children.length, tokens_raw: record.tokens_raw ?? 0, tokens_returned: record.tokens_returned ?? 0, heap_bytes_peak: 0 },
    ...(session.trace_file ? { traceFile: session.trace_file } : {}),
    record,
    children: run.children.map((c) => ({ ...c, parent_id: c.parent_id ?? record.step_id })),
  };
  for (const log of result.logs) out.appendLine(`  [${log.level}] ${log.text}`);
  for (const c of result.children) out.appendLine(`  ↳ ${c.server}/${c.tool}  ${c.decision}  ${Math.round(c.latency_ms)} ms${c.reasons.length ? `  (${c.reasons.join('; ')})` : ''}`);
  if (result.ok) {
    out.appendLine(`✓ value:`);
    out.appendLine(preview(result.value));
  } else {
    out.appendLine(`✗ ${result.error?.kind ?? 'error'}: ${result.error?.message ?? 'the code failed.'}`);
    for (const r of result.error?.reasons ?? []) out.appendLine(`    ${r}`);
  }
  const m = result.metrics;
  out.appendLine(
    `  ${Math.round(m.duration_ms)} ms, ${m.tool_calls} tool call(s), tokens_raw ${m.tokens_raw}, tokens_returned ${m.tokens_returned}` +
      (m.tokens_raw > 0 ? ` (${Math.max(0, Math.round((1 - m.tokens_returned / m.tokens_raw) * 100))}% fewer)` : '') +
      (m.heap_bytes_peak ? `, heap peak ${(m.heap_bytes_peak / 1048576).toFixed(1)} MB` : ''),
  );
  if (result.traceFile) out.appendLine(`  trace: ${result.traceFile}`);
  out.show(true);
  if (!result.ok) {
    const show = 'Show Output';
    void vscode.window.showErrorMessage(`MCP Harness: the code failed (${result.error?.kind ?? 'error'}): ${result.error?.message ?? ''}`, show).then((b) => b === show && out.show());
  }
  return result;
}

async function runCodeCommand(ctx: HarnessContext, arg: unknown): Promise<RunCodeResult | undefined> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  const editor = vscode.window.activeTextEditor;
  if (!uri && editor) {
    const sel = editor.selection;
    if (!sel.isEmpty) {
      return runCode(ctx, editor.document.getText(sel), editor.document.uri, `selection of ${path.basename(editor.document.uri.fsPath)} (lines ${sel.start.line + 1}–${sel.end.line + 1})`);
    }
    if (isCodeFile(editor.document.uri) || editor.document.languageId === 'javascript') uri = editor.document.uri;
  }
  if (!uri) {
    const found = await vscode.workspace.findFiles(`**/*${CODE_FILE_SUFFIX}`, '**/node_modules/**', 200);
    if (!found.length) {
      throw new Error('Open a *.mcp.js file (an async function body that calls mcp.call / tools.<server>.<tool>) or select code, then run this command again.');
    }
    const pick = await vscode.window.showQuickPick(
      found.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(path.dirname(u.fsPath)), u })),
      { title: 'Run Code in Sandbox', placeHolder: 'Which file?' },
    );
    if (!pick) return undefined;
    uri = pick.u;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  return runCode(ctx, doc.getText(), uri, path.basename(uri.fsPath));
}

/** The tools of running or cached servers; offers to start the others. */
async function toolCatalog(ctx: HarnessContext, ask: boolean): Promise<ToolCatalogEntry[]> {
  await ctx.discovery.ready();
  const withoutTools = ctx.discovery.definitions.filter((d) => !d.disabled && !d.error && !ctx.servers.state(d.id)?.tools);
  if (withoutTools.length && ask) {
    const start = 'Start and Include';
    const skip = 'Only Running Servers';
    const b = await vscode.window.showInformationMessage(
      `MCP Harness: ${withoutTools.length} server(s) have not listed their tools yet (${withoutTools.map((d) => d.id).join(', ')}). Start them to include their tools in the typings?`,
      start,
      skip,
    );
    if (b === undefined) throw new CancelledError();
    if (b === start) {
      const startable = withoutTools.filter((d) => checkTrusted(d));
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MCP: starting servers for tool typings' }, () =>
        ctx.servers.startAll(startable.map((d) => d.id)),
      );
    }
  }
  return ctx.servers.list().flatMap((st) => (st.tools ?? []).map((tool) => ({ server: st.id, tool })));
}

class CancelledError extends Error {}

export async function generateTypings(ctx: HarnessContext, options: { ask?: boolean } = {}): Promise<{ typings: string; jsconfig?: string; tools: number } | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('Open a workspace folder first: the typings are written to its .mcp-harness/types/.');
  let catalog: ToolCatalogEntry[];
  try {
    catalog = await toolCatalog(ctx, options.ask !== false);
  } catch (err) {
    if (err instanceof CancelledError) return undefined;
    throw err;
  }
  if (!catalog.length) {
    throw new Error('No server has listed any tools, so there is nothing to type. Start a server in the MCP Servers view and run this command again.');
  }
  const written = await writeTypings(folder, catalog);
  const servers = new Set(catalog.map((c) => c.server)).size;
  const open = 'Open Typings';
  void vscode.window
    .showInformationMessage(
      `MCP Harness: wrote typings for ${catalog.length} tool(s) of ${servers} server(s) to .mcp-harness/types/mcp-tools.d.ts.${written.note ? ` ${written.note}` : ''}`,
      open,
    )
    .then((b) => {
      if (b === open) void vscode.window.showTextDocument(vscode.Uri.file(written.typings));
    });
  return { typings: written.typings, ...(written.jsconfig ? { jsconfig: written.jsconfig } : {}), tools: catalog.length };
}

export const sandboxCommands: CommandEntry[] = [
  { id: 'mcpHarness.runCode', run: (ctx, arg) => runCodeCommand(ctx, arg) },
  { id: 'mcpHarness.generateToolTypings', run: (ctx, options) => generateTypings(ctx, (options as { ask?: boolean } | undefined) ?? {}) },
];

