import * as vscode from 'vscode';
import { descendantProcesses, isBuiltinExtensionProcess, type ProcInfo, waitFor } from '../../helpers';

/**
 * VS Code's remote extension host scans for listening ports with shell pipelines
 * (`ps -F -A -l | grep root`, `ls -l /proc/[0-9]*\/fd/[0-9]* | grep socket:`); they and their children
 * come and go on their own and are not the extension's doing.
 */
function isPortScan(p: ProcInfo, all: ProcInfo[]): boolean {
  const scan = (q: ProcInfo | undefined) => !!q && /^\/bin\/sh -c (ps -F -A -l|ls -l \/proc\/)/.test(q.cmdline);
  return scan(p) || scan(all.find((q) => q.pid === p.ppid));
}

/**
 * Processes this extension started: descendants of the extension host minus VS Code's own (the JSON
 * language server of a built-in extension, port scans). A just-exited child may show for a moment with
 * an empty command line until it is reaped, so the check waits that out.
 */
export async function serverProcesses(): Promise<string[]> {
  const own = () => {
    const all = descendantProcesses();
    return all.filter((p) => !isBuiltinExtensionProcess(p) && !isPortScan(p, all));
  };
  try {
    await waitFor(() => own().every((p) => p.cmdline !== ''), 'exited children to be reaped', 2000);
  } catch {
    // reported by the caller's assertion with whatever is left
  }
  return own().map((p) => `${p.pid}: ${p.cmdline}`);
}

/**
 * Presses Enter in whatever input box is open, repeatedly, until `pending` settles: the box opens after
 * some asynchronous work, and accepting when none is open does nothing.
 */
export async function acceptInputUntil<T>(pending: Thenable<T>, timeoutMs = 15_000): Promise<T> {
  let settled = false;
  const result = Promise.resolve(pending).finally(() => {
    settled = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!settled && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return result;
}
