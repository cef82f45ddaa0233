// Ctrl-C for a command that keeps a partial result (lab): the first SIGINT or SIGTERM cancels the work, so
// the command stops its servers and writes what it has; a second one ends the process tree and exits at once.
import { descendants, signalAll } from '../core/servers/processTree';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The shell's convention: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM). */
export function exitCodeFor(signal: StopSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
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
 * signal the servers (every process below this one) get SIGKILL and the process exits with 128 + signal.
 */
export function listenForInterrupts(onFirst: (signal: StopSignal) => void): Interrupts {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handle = (signal: StopSignal) => {
    if (received) {
      signalAll(descendants(process.pid), 'SIGKILL');
      process.exit(exitCodeFor(signal));
    }
    received = signal;
    onFirst(signal);
    controller.abort(new Error(`interrupted (${signal})`));
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
