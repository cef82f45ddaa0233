// Finding and ending a server's whole process tree. A server shares our process group (a terminal's
// Ctrl-C reaches it together with the CLI), so wrappers like `npx` or `sh -c` would leave their
// children running when only the direct child is killed; we walk the tree by parent pid instead.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every process, from /proc on Linux and `ps` elsewhere. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  if (process.platform === 'linux') {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parents.set(Number(entry), Number(rest[1]));
      } catch {
        // The process ended while we were reading.
      }
    }
    return parents;
  }
  if (process.platform === 'win32') return parents;
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      if (pid && !Number.isNaN(ppid)) parents.set(pid, ppid);
    }
  } catch {
    // Without ps we can still end the direct child.
  }
  return parents;
}

/** All descendants of `pid` (children, grandchildren, ...), deepest last. */
export function descendants(pid: number): number[] {
  const parents = parentMap();
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (out.includes(child)) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * True while the process runs. A zombie counts as ended: it has exited, and some containers' init never
 * reaps it. But a thread-group leader shows as a zombie as soon as its own thread has exited, while its
 * other threads may still be running or finishing their exit (a thread blocked in disk I/O holds a
 * killed process for seconds on a busy machine); it has an empty command line, still answers signals,
 * and its parent cannot reap it yet. Such a process has not ended.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const state = /^State:\s*(\S)/m.exec(status)?.[1];
      if (state !== 'Z' && state !== 'X') return true;
      return Number(/^Threads:\s*(\d+)/m.exec(status)?.[1] ?? 1) > 1;
    } catch {
      return false;
    }
  }
  return true;
}

/** Sends `signal` to each pid that is still alive; returns the pids that were signalled. */
export function signalAll(pids: number[], signal: NodeJS.Signals): number[] {
  const signalled: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      signalled.push(pid);
    } catch {
      // Already gone.
    }
  }
  return signalled;
}

/** Ends a process tree on Windows, where signals do not reach grandchildren. */
export function killTreeWindows(pid: number): void {
  try {
    execFileSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}

export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const REAP_BOUND_MS = 30_000;

export interface TreeToStop {
  pid: number;
  /** Pids seen in the tree earlier: children may have been re-parented since and be invisible to a walk. */
  known: number[];
  /** Time the process gets to exit on its own (its stdin was closed) before it is signalled. */
  graceMs: number;
  /** Resolves once Node has reaped the direct child; until then its pid still answers signal 0. */
  reaped?: Promise<void>;
}

/** Waits out the grace period, then ends the process and every descendant, TERM before KILL. */
export async function stopProcessTree({ pid, known, graceMs, reaped }: TreeToStop): Promise<void> {
  const tree = [...new Set([...known, pid, ...descendants(pid)])];
  if (!(await waitForExit([pid], graceMs))) {
    if (process.platform === 'win32') killTreeWindows(pid);
    else {
      // Children started during the grace period count too.
      for (const child of descendants(pid)) if (!tree.includes(child)) tree.push(child);
      signalAll(tree.filter(isAlive), 'SIGTERM');
      if (!(await waitForExit(tree, 1000))) signalAll(tree.filter(isAlive), 'SIGKILL');
    }
  }
  // Only the reap proves the process is gone; a killed process whose thread is stuck in disk I/O can
  // take seconds on a loaded machine. The bound only keeps a process stuck for good from hanging a stop.
  if (reaped) {
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([reaped, new Promise((r) => (bound = setTimeout(r, REAP_BOUND_MS).unref()))]);
    // Not left to run out: every stop would leave a 30 s timer behind.
    clearTimeout(bound);
  }
  // Children that did not exit with their parent.
  const left = tree.filter(isAlive);
  if (left.length) {
    signalAll(left, 'SIGTERM');
    if (!(await waitForExit(left, 500))) signalAll(left.filter(isAlive), 'SIGKILL');
    await waitForExit(left, 1000);
  }
}
