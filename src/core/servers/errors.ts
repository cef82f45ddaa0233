// Errors the connection layer hands to its users, as sentences that say what to do next.
// `code` lets callers (guards, sessions, the CLI) tell a timeout from a crash without parsing text.
import { basename } from 'node:path';
import { isMcpError } from './sdk';
import type { ServerDefinition } from '../config/types';

export type ServerErrorCode =
  /** The server could not be started or reached. */
  | 'start_failed'
  /** Refused before spawning: untrusted workspace or no consent. */
  | 'not_allowed'
  /** The circuit breaker is open. */
  | 'circuit_open'
  /** The request took longer than its timeout; a cancellation was sent. */
  | 'timeout'
  /** The caller cancelled (AbortSignal); a cancellation was sent. */
  | 'cancelled'
  /** The server process exited or the connection dropped during the request. */
  | 'connection_closed'
  /** The server was stopped on purpose while the request ran. */
  | 'stopped'
  /** The tool is hidden by includeTools/excludeTools. */
  | 'tool_filtered'
  /** The server answered with a JSON-RPC error. */
  | 'server_error'
  | 'unknown_server';

export class ServerError extends Error {
  constructor(
    message: string,
    readonly code: ServerErrorCode,
    readonly serverId: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** How the definition is named in messages: its name, plus the file it comes from. */
export function where(def: ServerDefinition): string {
  return def.source.file;
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MB` : `${+(bytes / 1024).toFixed(1)} KB`;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: ExitInfo | undefined): string {
  if (!exit) return 'the connection was closed';
  if (exit.signal) return `the process was killed by ${exit.signal}`;
  return `the process exited with code ${exit.code}`;
}

function lastLine(stderrTail: string): string | undefined {
  const lines = stderrTail.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const line = lines[lines.length - 1];
  if (!line) return undefined;
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}

/** Sentence for an error thrown while spawning or connecting. */
export function describeStartError(
  def: ServerDefinition,
  err: unknown,
  context: { exit?: ExitInfo; stderrTail?: string; startTimeoutMs: number; transportError?: Error },
): string {
  const name = def.name;
  const e = err as NodeJS.ErrnoException & { code?: unknown };
  const file = where(def);
  if (def.transport === 'stdio') {
    if (e?.code === 'ENOENT') {
      return `Could not start ${name}: command '${def.command}' was not found. Check 'command' in ${file}, or install it and make sure it is on PATH.`;
    }
    if (e?.code === 'EACCES') {
      return `Could not start ${name}: command '${def.command}' is not executable. Check 'command' in ${file} or the file's permissions.`;
    }
  }
  if (isMcpError(err, 'RequestTimeout')) {
    const what = def.transport === 'stdio' ? 'Check that the command starts an MCP server that speaks over stdin/stdout.' : `Check that ${def.url} is an MCP endpoint.`;
    return `Could not start ${name}: it did not complete the MCP handshake within ${formatMs(context.startTimeoutMs)}. ${what}`;
  }
  if (isMcpError(err, 'ConnectionClosed')) {
    if (def.transport === 'stdio') {
      const tail = context.stderrTail ? lastLine(context.stderrTail) : undefined;
      const transportProblem = context.transportError ? ` (${context.transportError.message})` : '';
      return (
        `Could not start ${name}: ${describeExit(context.exit)} before the MCP handshake finished${transportProblem}.` +
        (tail ? ` Its last output was: "${tail}".` : '') +
        ` Check 'command' and 'args' in ${file} and the server's output.`
      );
    }
    return `Could not connect to ${name} at ${def.url}: the connection was closed during the MCP handshake. Check that the server is running.`;
  }
  const status = typeof e?.code === 'number' ? e.code : undefined;
  if (def.transport !== 'stdio') {
    if (status === 401 || status === 403) {
      return `Could not connect to ${name} at ${def.url}: the server answered HTTP ${status} (${status === 401 ? 'unauthorized' : 'forbidden'}). Check 'headers' in ${file}.`;
    }
    if (status !== undefined && status > 0) {
      return `Could not connect to ${name} at ${def.url}: the server answered HTTP ${status}. Check 'url' in ${file}.`;
    }
    const causeCode = (e as { cause?: { code?: string } })?.cause?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
    if (causeCode === 'ECONNREFUSED') {
      return `Could not connect to ${name} at ${def.url}: the connection was refused. Start the server, or check 'url' in ${file}.`;
    }
    if (causeCode === 'ENOTFOUND' || causeCode === 'EAI_AGAIN') {
      return `Could not connect to ${name}: the host of ${def.url} was not found. Check 'url' in ${file}.`;
    }
    return `Could not connect to ${name} at ${def.url}: ${messageOf(err)}. Check 'url' in ${file}.`;
  }
  return `Could not start ${name}: ${messageOf(err)}. Check its definition in ${file} and the server's output.`;
}

export function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/[.\s]+$/, '');
}

export function commandLabel(def: ServerDefinition): string {
  return def.command ? basename(def.command) : def.name;
}
