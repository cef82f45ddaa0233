import * as vscode from 'vscode';
import type { Logger } from '../core/types';

/** The one log channel of the extension; core parts get it through the Logger interface. */
export function createLogger(): { logger: Logger; channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel('MCP Harness', { log: true });
  const logger: Logger = {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
  return { logger, channel };
}
