// Errors the connection layer hands to its users, as sentences that say what to do next.
// `code` lets callers (guards, sessions, the CLI) tell a timeout from a crash without parsing text.
import { basename } from 'node:path';
import { findAuthorizationServerError } from '../auth/errors';
import { httpStatusOf, isMcpError } from './sdk';
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

/** A limit an error ran into, by the name the connection layer knows it under (hosts map it to a setting or flag). */
export type ServerLimitName =
  /** The manager's default per-request timeout (ServerManagerOptions.requestTimeoutMs). */
  | 'requestTimeoutMs'
  /** The timeout the caller gave this call (CallOptions.timeoutMs: a policy's or a step's timeoutMs). */
  | 'callTimeoutMs'
  /** The cap on a call's total time (CallOptions.maxTotalTimeoutMs). */
  | 'maxTotalTimeoutMs'
  /** The server definition's own `timeout`. */
  | 'serverTimeoutMs'
  /** Time allowed for spawn + MCP handshake. */
  | 'startTimeoutMs'
  /** Largest single message accepted from a stdio server. */
  | 'maxMessageBytes'
  /** Pages followed in one tools/resources/prompts list. */
  | 'maxListPages';

export interface ServerLimit {
  name: ServerLimitName;
  value: number;
}

/** Why a start was refused before anything was spawned, for the host to say how to allow it. */
export type ServerRefusal = 'untrusted_workspace' | 'consent_denied' | 'inputs_needed';

/** Structured facts behind a ServerError: what the host needs to add its own advice. */
export interface ServerErrorFacts {
  limit?: ServerLimit;
  refusal?: ServerRefusal;
  /** The `${input:…}` ids still without a value (refusal 'inputs_needed'). */
  inputs?: string[];
  /** The pages a URLElicitationRequiredError (-32042) asks the user to open first; never in the message. */
  pages?: PageToOpen[];
}

/**
 * A page a server asks the user to open before a request can succeed (URLElicitationRequiredError, -32042). The URL
 * may carry a one-time token: a host may show it to the user and open it, but never log or trace it (messages name
 * the host only).
 */
export interface PageToOpen {
  url: string;
  /** The URL's host, the only part messages name. */
  host: string;
  /** The server's reason, when it gave one. */
  message?: string;
}

/** Named in the message of a server's URLElicitationRequiredError (-32042), where the lab recognises it. */
export const URL_ELICITATION_REQUIRED = 'URL elicitation required, MCP error -32042';

export class ServerError extends Error {
  /** The host's advice, already appended to the message (see ServerErrorHint). */
  hint?: string;

  constructor(
    message: string,
    readonly code: ServerErrorCode,
    readonly serverId: string,
    override readonly cause?: unknown,
    readonly facts: ServerErrorFacts = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/**
 * A host's advice for an error: the setting or flag that changes the limit it ran into, or how to allow
 * a refused start. The core's message says what is wrong and which limit; the host says how to change it.
 */
export type ServerErrorHint = (err: ServerError) => string | undefined;

/** Appends the host's advice to the message once; returns the same error. */
export function withHint(err: ServerError, hint: ServerErrorHint | undefined): ServerError {
  const text = err.hint === undefined ? hint?.(err) : undefined;
  if (text) {
    err.hint = text;
    err.message = `${err.message} ${text}`;
  }
  return err;
}

/** Thrown inside the connection layer when a limit is hit; becomes a ServerError carrying the limit. */
export class LimitError extends Error {
  constructor(
    message: string,
    readonly limit: ServerLimit,
  ) {
    super(message);
    this.name = 'LimitError';
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

/** The last non-empty line of a server's stderr, shortened to 300 characters. */
export function lastLine(stderrTail: string): string | undefined {
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
  // The server was reached; its sign-in's authorization server was not (or failed): that error says what to do.
  const authorization = findAuthorizationServerError(err);
  if (authorization) return `Could not connect to ${name}: ${authorization.message}`;
  const forced = forcedProtocolMismatch(def, err, file);
  if (forced) return forced;
  const status = httpStatusOf(err);
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

/** A server that does not speak the generation its entry forces ("protocol": "2025" or "2026"). */
function forcedProtocolMismatch(def: ServerDefinition, err: unknown, file: string): string | undefined {
  if (def.protocol !== '2025' && def.protocol !== '2026') return undefined;
  const text = messageOf(err);
  const refused = def.protocol === '2025' ? /unsupported protocol version/i.test(text) : /did not offer pinned protocol version|version negotiation failed/i.test(text);
  if (!refused) return undefined;
  const other = def.protocol === '2025' ? 'only the 2026 generation' : 'only the 2025 generation';
  return `Could not start ${def.name}: it speaks ${other}, and its entry says "protocol": "${def.protocol}" in ${file}. Set "protocol" to "auto" (or remove it) to negotiate.`;
}

export function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/[.\s]+$/, '');
}

export function commandLabel(def: ServerDefinition): string {
  return def.command ? basename(def.command) : def.name;
}
