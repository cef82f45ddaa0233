// Opens a workspace folder for a CLI command: discovers its servers and builds a ServerManager.
// Running the CLI is the user's consent to start the servers it names, and the folder is trusted.
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { discover, offsetToPosition, type ConfigProblem, type DiscoveredFile, type DiscoveryResult, type ServerDefinition } from '../core/config';
import { ServerManager } from '../core/servers/manager';
import type { NeedsSignInError } from '../core/auth/errors';
import { connectionAuthProviders } from '../core/auth/forServer';
import { cliTokenStore, oauthRequestTimeoutMs } from './tokenStore';
import { defaultVerdictFile, VerdictCache, type ProtocolVerdicts } from '../core/servers/negotiation';
import type { Logger } from '../core/types';
import { EXIT_FAILURE, EXIT_UNREACHABLE, UsageError, type CliIO } from './io';
import { HARNESS_VERSION as VERSION } from '../core/version';
import { cliServerHint, envStopGrace, envTimeout } from './serverHints';
import { cliClientFeatures } from './clientHost';
import type { ClientFeatures } from '../core/client/features';


export interface OpenWorkspaceOptions {
  /** Also read Claude Desktop's user config. */
  includeUserConfigs?: boolean;
  /** Per-request timeout; defaults to MCP_HARNESS_REQUEST_TIMEOUT_MS or 30 s. */
  requestTimeoutMs?: number;
  /** The command offers --timeout-ms (the error hints then mention it). */
  timeoutFlag?: boolean;
  /** What servers' requests are answered with (default: the CLI's client features without a session). */
  client?: ClientFeatures;
  /** The command's signal: once it is aborted, servers still starting are stopped (ServerManager.stopStarting). */
  signal?: AbortSignal;
}

export interface OpenedWorkspace {
  folder: string;
  /** The client features the servers were connected with. */
  client: ClientFeatures;
  definitions: ServerDefinition[];
  problems: ConfigProblem[];
  /** Every config file discovery looked for, existing or not (creating one changes the configuration). */
  files: DiscoveredFile[];
  /** Reads the config files again, as at the start (the result is not applied). */
  rediscover(): Promise<DiscoveryResult>;
  manager: ServerManager;
  /** Says nothing unless MCP_HARNESS_VERBOSE is set; then it writes to stderr. */
  logger: Logger;
  /** Each problem as `file:line:col: severity: message`, the file relative to the current directory. */
  problemLines(): string[];
  /**
   * Prints the config problems on stderr: text lines, or with --json one
   * `{"warning":{file,line,column,severity,message,code,server?}}` object per line.
   */
  reportProblems(json: boolean): void;
  /** Servers a connection or call found needing sign-in in this command (the CLI then exits 3). */
  signInNeeded: ReadonlyMap<string, NeedsSignInError>;
  /** Stops every server that was started. */
  close(): Promise<void>;
}

export async function openWorkspace(dir: string | undefined, io: CliIO, options: OpenWorkspaceOptions = {}): Promise<OpenedWorkspace> {
  const folder = resolve(io.cwd, dir ?? '.');
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) {
    throw new UsageError(`the workspace folder '${dir ?? folder}' does not exist or is not a folder. Pass an existing folder with --workspace.`);
  }
  const rediscover = () => discover({ folders: [folder], includeUserConfigs: options.includeUserConfigs, env: io.env });
  const { definitions, problems, files } = await rediscover();
  const verbose = Boolean(io.env.MCP_HARNESS_VERBOSE);
  const logger: Logger = verbose
    ? {
        trace: () => {},
        debug: (m) => io.stderr(`[debug] ${m}\n`),
        info: (m) => io.stderr(`[info] ${m}\n`),
        warn: (m) => io.stderr(`[warn] ${m}\n`),
        error: (m) => io.stderr(`[error] ${m instanceof Error ? m.message : m}\n`),
      }
    : { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const client = options.client ?? cliClientFeatures(io, { folder });
  const signInNeeded = new Map<string, NeedsSignInError>();
  // Read when a server that signs in with OAuth first connects: a bad value must not stop commands that use none.
  let oauthTimeoutMs: number | undefined;
  const manager = new ServerManager({
    definitions,
    logger,
    clientInfo: { name: 'mcp-harness-cli', version: VERSION },
    consent: async () => true,
    isTrusted: () => true,
    requestTimeoutMs: options.requestTimeoutMs ?? envTimeout(io.env),
    stopGraceMs: envStopGrace(io.env),
    hint: cliServerHint({ timeoutFlag: options.timeoutFlag === true }),
    authProviderFor: connectionAuthProviders(cliTokenStore(io.env), { onNeedsSignIn: (def, err) => signInNeeded.set(def.id, err), requestTimeoutMs: () => (oauthTimeoutMs ??= oauthRequestTimeoutMs(io.env)) }),
    onStderr: verbose ? (id, chunk) => io.stderr(chunk.replace(/^(?=.)/gm, `[${id}] `)) : undefined,
    serverRequests: client.requestHandlers(),
    serverNotifications: client.notificationHandlers(),
    // A process per run: what a start learned about a 2025 server saves the next run its probe.
    protocolVerdicts: verdictsUntil(new VerdictCache(defaultVerdictFile(io.env)), options.signal),
  });
  const ending = options.signal ? stopStartsOnAbort(manager, options.signal) : undefined;
  return {
    folder,
    client,
    definitions,
    problems,
    files,
    rediscover,
    manager,
    logger,
    problemLines: () => formatProblems(problems, io.cwd),
    reportProblems: (json) => {
      if (!json) {
        for (const line of formatProblems(problems, io.cwd)) io.stderr(`${line}\n`);
        return;
      }
      for (const p of problems) {
        const { line, column } = positionOf(p);
        const warning = { file: p.file, line, column, severity: p.severity, message: p.message, code: p.code, ...(p.server ? { server: p.server } : {}) };
        io.stderr(JSON.stringify({ warning }) + '\n');
      }
    },
    signInNeeded,
    close: async () => {
      await manager.dispose();
      await ending?.done();
    },
  };
}

/**
 * A start ended by Ctrl-C says nothing of the server's protocol: the terminal's SIGINT reaches the server too (it
 * shares our process group) and may end it before the CLI's stop does; the core takes an exit during its probe for
 * a 2025 server's, and would remember that for the next run.
 */
function verdictsUntil(verdicts: ProtocolVerdicts, signal: AbortSignal | undefined): ProtocolVerdicts {
  if (!signal) return verdicts;
  return {
    get: (hash) => verdicts.get(hash),
    set: (hash, era) => {
      if (!signal.aborted) verdicts.set(hash, era);
    },
  };
}

/**
 * On the command's first signal, stops the servers still starting (the manager ends each start at once, its process
 * tree with it, and the start says it was stopped: no failure is blamed on the server); `done` resolves once they are.
 */
function stopStartsOnAbort(manager: ServerManager, signal: AbortSignal): { done(): Promise<void> } {
  let ended: Promise<void> | undefined;
  const onAbort = () => {
    ended = manager.stopStarting();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    done: async () => {
      signal.removeEventListener('abort', onAbort);
      await ended;
    },
  };
}

/** 1-based line and column of a problem, read from its file. */
export function positionOf(p: ConfigProblem): { line: number; column: number } {
  let text: string | undefined;
  try {
    text = readFileSync(p.file, 'utf8');
  } catch {
    return { line: 1, column: 1 };
  }
  const pos = offsetToPosition(text, p.range.offset);
  return { line: pos.line + 1, column: pos.character + 1 };
}

export function formatProblems(problems: ConfigProblem[], cwd: string): string[] {
  return problems.map((p) => {
    const { line, column } = positionOf(p);
    const shown = relative(cwd, p.file) || p.file;
    return `${shown.startsWith('..') ? p.file : shown}:${line}:${column}: ${p.severity}: ${p.message}`;
  });
}

/** Where a definition comes from, as a path relative to the workspace folder when inside it. */
export function sourceLabel(def: ServerDefinition, folder: string): string {
  const rel = relative(folder, def.source.file);
  return rel && !rel.startsWith('..') ? rel.split('\\').join('/') : def.source.file;
}

/** The exit code of a command that failed: 3 when a server needed sign-in (`mcp-harness login` fixes it), else 1. */
export function failureExit(ws: Pick<OpenedWorkspace, 'signInNeeded'>): number {
  return ws.signInNeeded.size ? EXIT_UNREACHABLE : EXIT_FAILURE;
}
