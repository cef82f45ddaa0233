// Small interfaces the core shares between its parts. The core never imports 'vscode':
// the extension and the CLI inject these.

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Something that can be cancelled; mirrors AbortSignal so core stays platform-neutral. */
export type Cancellation = AbortSignal;
