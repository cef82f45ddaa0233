// Ctrl-C for the CLI's commands that start servers or wait (servers, tools, lint, pin, run, call, exec, agent, lab,
// conformance, chaos, gateway, login, logout), one way for all: the first SIGINT or SIGTERM cancels the work in
// flight, so the command stops its servers and prints what it has; the process then exits 130 (SIGINT) or 143
// (SIGTERM). A second signal ends the process tree and exits at once.
import { descendants, signalAll } from '../core/servers/processTree';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The shell's convention: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM). */
export function exitCodeFor(signal: StopSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** The reason of an aborted command signal: which signal stopped it. */
export class Interrupted extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted (${signal})`);
  }
}

export interface Interrupts {
  /** Aborted on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The signal that cancelled the command, if one did. */
  readonly received: StopSignal | undefined;
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM until disposed. `onFirst` tells the user what happens next. On the second
 * signal `onSecond` is told, the servers (every process below this one) get SIGKILL and the process exits
 * with 128 + signal: a server that ignores the end of its input and SIGTERM must not outlive the CLI.
 */
export function listenForInterrupts(onFirst: (signal: StopSignal) => void, onSecond: (signal: StopSignal) => void = () => {}, killTree = true): Interrupts {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handle = (signal: StopSignal) => {
    if (received) {
      onSecond(signal);
      if (killTree) signalAll(descendants(process.pid), 'SIGKILL');
      process.exit(exitCodeFor(signal));
    }
    received = signal;
    onFirst(signal);
    controller.abort(new Interrupted(signal));
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** The servers a command started, as endStartingServers sees them. */
export interface StartingServers {
  /** True while some server is still starting. */
  starting(): boolean;
  /** The pids of the servers running now (their trees get the manager's clean stop). */
  runningPids(): number[];
}

/** How long a starting server's processes get after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 1000;

/**
 * Ends the processes of the servers still starting, until none is. The manager waits a start out (up to its start
 * timeout) before it stops the server, so a server that never answers its handshake would hold the first Ctrl-C that
 * long. The whole tree is signalled at once (a server's children would outlive it), and again while the start goes
 * on: the core starts a server that exited on the protocol probe once more.
 */
export async function endStartingServers(servers: StartingServers): Promise<void> {
  const since = Date.now();
  while (servers.starting()) {
    const running = new Set(servers.runningPids().flatMap((pid) => [pid, ...descendants(pid)]));
    const starting = descendants(process.pid).filter((pid) => !running.has(pid));
    signalAll(starting, Date.now() - since < KILL_AFTER_MS ? 'SIGTERM' : 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
