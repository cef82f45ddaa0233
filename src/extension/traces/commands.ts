// The commands on session runs: open the trace panel or a trace file, re-run, export, reveal, delete,
// and filter the Sessions view. They work on ctx.traces (the store, the view and the open panel).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runName, type TraceRun } from '../../core/report/model';
import { DECISIONS, type Decision, type StepRecord } from '../../protocol/trace';
import type { ReportFormat } from '../../protocol/messages';
import type { CommandEntry } from '../commands';
import { pickFormat } from './exportReport';
import { revealFile, type TraceFeatures } from './features';
import { describeFilter, type SessionsFilter, type SessionsNode } from './tree';

function stepOf(arg: unknown): string | undefined {
  return arg && typeof arg === 'object' && (arg as SessionsNode).kind === 'step' ? (arg as Extract<SessionsNode, { kind: 'step' }>).step.step_id : undefined;
}

async function pickFilter(traces: TraceFeatures): Promise<SessionsFilter | undefined> {
  const { store, tree } = traces;
  await store.ready();
  const steps = store.runs().flatMap((r) => r.steps);
  const current = tree.filter;
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Decision…', description: current.decisions?.join(', '), key: 'decision' as const },
      { label: 'Server…', description: current.server, key: 'server' as const },
      { label: 'Tool…', description: current.tool, key: 'tool' as const },
      { label: 'Clear Filter', key: 'clear' as const },
    ],
    { title: 'Filter Sessions', placeHolder: describeFilter(current) ?? 'Show only the runs and steps that match' },
  );
  if (!kind) return undefined;
  if (kind.key === 'clear') return {};
  const count = (key: (s: StepRecord) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of steps) m.set(key(s), (m.get(key(s)) ?? 0) + 1);
    return m;
  };
  if (kind.key === 'decision') {
    const counts = count((s) => s.decision);
    const picked = await vscode.window.showQuickPick(
      DECISIONS.map((d) => ({ label: d, description: `${counts.get(d) ?? 0} step(s)`, picked: current.decisions?.includes(d) ?? false, decision: d })),
      { title: 'Filter Sessions by decision', canPickMany: true, placeHolder: 'Pick none to show every decision' },
    );
    if (!picked) return undefined;
    return { ...current, decisions: picked.map((p) => p.decision as Decision) };
  }
  const counts = kind.key === 'server' ? count((s) => s.server) : count((s) => s.tool);
  counts.delete('');
  if (!counts.size) {
    void vscode.window.showInformationMessage(`No step in the traces has a ${kind.key}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    [{ label: `(any ${kind.key})`, value: undefined as string | undefined }, ...[...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => ({ label: v, description: `${n} step(s)`, value: v as string | undefined }))],
    { title: `Filter Sessions by ${kind.key}` },
  );
  if (!picked) return undefined;
  return { ...current, [kind.key]: picked.value };
}

const NO_RUNS = 'There are no session runs yet. Run a session with "MCP: Run Session", or open a trace with "MCP: Open Trace File…".';

async function openTraceFile(traces: TraceFeatures, arg: unknown): Promise<string | undefined> {
  let file: string | undefined;
  if (arg instanceof vscode.Uri) file = arg.fsPath;
  else if (typeof arg === 'string') file = arg;
  else {
    const dir = traces.store.traceDirs()[0];
    const picked = await vscode.window.showOpenDialog({
      title: 'Open Trace File',
      canSelectMany: false,
      openLabel: 'Open Trace',
      filters: { 'MCP Harness trace': ['jsonl'], 'All files': ['*'] },
      defaultUri: dir ? vscode.Uri.file(dir) : undefined,
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  file = path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', file);
  if (!existsSync(file)) throw new Error(`${file} does not exist; pick a trace .jsonl file.`);
  const panel = await traces.showPanel({ kind: 'file', path: file });
  const bad = panel.badLines();
  const runs = panel.runs();
  if (bad.length) {
    const first = bad.slice(0, 3).map((b) => `line ${b.line}: ${b.message}`).join(' ');
    void vscode.window.showWarningMessage(
      `${path.basename(file)}: ${bad.length} line(s) could not be read and were skipped; ${runs.length ? `the ${runs.reduce((n, r) => n + r.steps.length, 0)} readable step(s) are shown.` : 'no run could be read.'} ${first}`,
    );
  } else if (!runs.length) {
    void vscode.window.showWarningMessage(`${path.basename(file)} holds no session runs. Is it an MCP Harness trace (.jsonl)?`);
  }
  return file;
}

export const traceCommands: CommandEntry[] = [
  {
    id: 'mcpHarness.openTracePanel',
    run: async ({ traces }, arg) => {
      await traces.store.ready();
      const run = arg === undefined ? traces.store.runs()[0] : await traces.resolveRun(arg, 'Which run?');
      if (arg === undefined && !run) void vscode.window.showInformationMessage(NO_RUNS);
      await traces.showPanel({ kind: 'workspace' }, { runId: run?.id, stepId: stepOf(arg) });
    },
  },
  { id: 'mcpHarness.openTraceFile', run: ({ traces }, arg) => openTraceFile(traces, arg) },
  {
    id: 'mcpHarness.rerunSession',
    run: async ({ traces }, arg) => {
      const run = await traces.resolveRun(arg, 'Which run should run again?');
      return run ? traces.rerun(run.id) : undefined;
    },
  },
  {
    id: 'mcpHarness.exportReport',
    run: async ({ traces }, arg, options) => {
      await traces.store.ready();
      const opts = (options && typeof options === 'object' ? options : {}) as { format?: ReportFormat; target?: string };
      let runs: TraceRun[];
      if (arg === undefined || arg === null) {
        runs = traces.panel?.runs() ?? traces.store.runs();
      } else {
        const run = await traces.resolveRun(arg, 'Which run?');
        if (!run) return undefined;
        runs = [run];
      }
      if (!runs.length) throw new Error('There is no session run to export; run a session first.');
      const format = opts.format ?? (await pickFormat());
      if (!format) return undefined;
      return traces.exportRuns(runs, format, opts.target);
    },
  },
  {
    id: 'mcpHarness.revealTraceFile',
    run: async ({ traces }, arg) => {
      const run = await traces.resolveRun(arg, 'Which run?');
      if (!run) return;
      const file = traces.store.fileOf(run.id) ?? run.source;
      if (!file || !existsSync(file)) throw new Error(`The trace file of "${runName(run)}" is no longer on disk.`);
      await revealFile(file);
    },
  },
  {
    id: 'mcpHarness.deleteRun',
    run: async ({ traces }, arg) => {
      const run = await traces.resolveRun(arg, 'Which run should be deleted?');
      return run ? traces.deleteRun(run) : false;
    },
  },
  {
    id: 'mcpHarness.filterSessions',
    run: async ({ traces }, arg) => {
      const filter = arg && typeof arg === 'object' && !('run' in arg) ? (arg as SessionsFilter) : await pickFilter(traces);
      if (filter) traces.setFilter(filter);
      return traces.tree.filter;
    },
  },
  { id: 'mcpHarness.clearSessionsFilter', run: ({ traces }) => traces.setFilter({}) },
  {
    id: 'mcpHarness.refreshSessions',
    run: async ({ traces }) => {
      await traces.store.rescan();
      traces.tree.refresh();
    },
  },
];
