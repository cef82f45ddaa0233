// Helpers for tests running inside the real extension host. Import with `from './helpers'`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isAlive } from '../../../src/core/servers/processTree';

export const EXTENSION_ID = 'mcp-harness.mcp-harness';

export function harnessExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `Extension ${EXTENSION_ID} is not loaded in this extension host.`);
  return ext;
}

/** Activates the extension under test (a no-op if an activation event already did) and returns its API. */
export async function activateHarness<T = unknown>(): Promise<T> {
  const ext = harnessExtension();
  const api = (await ext.activate()) as T;
  assert.equal(ext.isActive, true, 'The extension did not become active.');
  return api;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  /** The state letter from /proc/PID/stat: R, S, D, Z (zombie), … */
  state: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppidText] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid: Number(ppidText), cmdline, state };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * Processes started by VS Code's own built-in extensions (e.g. the JSON language server, which starts
 * when the workbench opens any JSON model); they are not the extension under test's doing.
 */
export function isBuiltinExtensionProcess(p: ProcInfo): boolean {
  return p.cmdline.includes(`${vscode.env.appRoot}/extensions/`) || isPortScan(p);
}

/**
 * The extension host's own port auto-forwarding scan (off in the test settings, but settings can lag): its shell,
 * and the shell's pipeline while it runs (`ls` with the glob expanded, `grep socket:`).
 */
function isPortScan(p: ProcInfo): boolean {
  return (
    p.cmdline.startsWith('/bin/sh -c ls -l /proc/[0-9]*/fd/[0-9]*') ||
    /^\/bin\/sh -c cat \/proc\/net\/tcp/.test(p.cmdline) ||
    /^ls -l \/proc\/\d+\/fd\/\d+/.test(p.cmdline) ||
    p.cmdline === 'grep socket:'
  );
}

/** Live descendants of this extension host that the extension under test may have started. */
export function harnessChildProcesses(): ProcInfo[] {
  // A zombie, or a process with no command line (exiting, or forked and not yet exec'd: seen on CI for the
  // extension host's own short-lived helpers), runs nothing; every server we spawn has a command line.
  return descendantProcesses().filter((p) => !isBuiltinExtensionProcess(p) && p.state !== 'Z' && p.cmdline !== '');
}

/** Every live descendant of `rootPid` (default: this extension host), read from /proc. */
export function descendantProcesses(rootPid: number = process.pid): ProcInfo[] {
  const all = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map((e) => readProc(Number(e)))
    .filter((p): p is ProcInfo => p !== undefined);
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const walk = (pid: number) => {
    for (const c of byParent.get(pid) ?? []) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(rootPid);
  return out;
}

// The product's own check, which also counts a zombie (exited, not yet reaped) as ended.
export { isAlive };

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; the error names `what`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}.`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

interface ContributedCommand {
  command: string;
  title: string;
}

export function contributedCommands(): ContributedCommand[] {
  return (harnessExtension().packageJSON?.contributes?.commands ?? []) as ContributedCommand[];
}

/** View and view-container ids the extension contributes (VS Code registers `<viewId>.focus` etc. for them). */
export function contributedViewIds(): string[] {
  const contributes = harnessExtension().packageJSON?.contributes ?? {};
  const views = Object.values((contributes.views ?? {}) as Record<string, { id: string }[]>).flat().map((v) => v.id);
  const containers = Object.values((contributes.viewsContainers ?? {}) as Record<string, { id: string }[]>).flat().map((c) => c.id);
  return [...views, ...containers];
}

/** Every file under a folder (e.g. the session's logs folder, where the extension host keeps its output channels). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * The "MCP Harness" output channel as the extension host wrote it: its log file under the session's logs folder
 * (written a moment after each line, so wait for a line with waitFor). `logUri` is the extension context's.
 */
export function harnessLogText(logUri: vscode.Uri): string {
  const file = filesUnder(path.dirname(path.dirname(logUri.fsPath))).find((f) => /\bMCP Harness\.log$/.test(path.basename(f)));
  return file ? fs.readFileSync(file, 'utf8') : '';
}

/** How a command settled, readable without awaiting it (wait on `done` with waitFor); a rejection counts as not done. */
export function track<T>(pending: Thenable<T>): { done: boolean; value?: T } {
  const outcome: { done: boolean; value?: T } = { done: false };
  void Promise.resolve(pending).then((value) => Object.assign(outcome, { done: true, value }), () => undefined);
  return outcome;
}
