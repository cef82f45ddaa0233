import * as fs from 'node:fs';
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
  // What a process without a command line was when first seen, so a failure says what it is.
  const firstSeen = new Map<number, string>();
  const note = (list: ProcInfo[]) => {
    for (const p of list) if (p.cmdline === '' && !firstSeen.has(p.pid)) firstSeen.set(p.pid, describeProcess(p.pid));
  };
  try {
    await waitFor(() => {
      const list = own();
      note(list);
      return list.every((p) => p.cmdline !== '');
    }, 'exited children to be reaped', 2000);
  } catch {
    // reported by the caller's assertion with whatever is left
  }
  return own().map((p) =>
    p.cmdline === '' ? `${p.pid}: (no command line) first seen ${firstSeen.get(p.pid) ?? '?'}; now ${describeProcess(p.pid)}` : `${p.pid}: ${p.cmdline}`,
  );
}

/**
 * Name, State, PPid and Threads from /proc/PID/status, the parent's command line, and the age from
 * the start time (stat field 22, in clock ticks since boot; 100 per second on Linux).
 */
export function describeProcess(pid: number): string {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '?';
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const ppid = Number(field('PPid'));
    let parent = '?';
    try {
      parent = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
    } catch {
      // parent gone
    }
    const ours = ppid === process.pid ? ' (the extension host)' : '';
    return `{Name: ${field('Name')}, State: ${field('State')}, PPid: ${ppid}${ours}, parent: '${parent}', Threads: ${field('Threads')}, age: ${(uptime - startTicks / 100).toFixed(2)} s}`;
  } catch {
    return '{gone}';
  }
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
