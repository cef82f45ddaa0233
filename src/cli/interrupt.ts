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
