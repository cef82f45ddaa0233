// What a CLI command gets: its parsed arguments and the streams; and the errors it may throw.
// Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 a server could not be started or reached,
// 130 / 143 a command that starts servers or waits, stopped by SIGINT (Ctrl-C) / SIGTERM (see ./interrupt).

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * Reads all of standard input (for `exec -`); rejects with the signal's reason as soon as `signal` is aborted, and
   * stops reading once more than `maxBytes` arrived (the text is then longer than that).
   */
  readStdin: (signal?: AbortSignal, maxBytes?: number) => Promise<string>;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** An error meant for the user: a sentence saying what is wrong and what to do. No stack is printed. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    readonly code: string = 'failure',
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE, 'usage');
  }
}

export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT_UNREACHABLE, 'unreachable');
  }
}

/** A command's module; its name and summary are in the command table (./commands/index). */
export interface CliCommand {
  /** Usage block for `mcp-harness NAME --help`. */
  usage: string;
  /** Options in node:util parseArgs form. */
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /** How many positionals are allowed. */
  positionals?: { min: number; max: number };
  /**
   * A command that starts servers or waits: the first SIGINT/SIGTERM aborts `signal` (the command stops its servers
   * and prints what it has; the CLI then exits 130/143), a second exits at once. `stopping` is what the user is told
   * happens after the first, e.g. "stopping and keeping the partial result".
   */
  /**
   * `killTree: false`: the second signal exits without killing the processes below the CLI — for commands that
   * start no server but may start the user's browser (login, logout).
   */
  interruptible?: { stopping: string; killTree?: boolean };
  /** `signal`: aborted by the first SIGINT/SIGTERM for an interruptible command, never for the others. */
  run(args: { values: Record<string, unknown>; positionals: string[]; json: boolean; signal: AbortSignal }, io: CliIO): Promise<number>;
}
