// The CLI's advice on server errors: the core names the limit it hit, the CLI says which flag or
// environment variable changes it. Also the --timeout-ms option that run, call and tools share.
import { findNeedsSignIn } from '../core/auth/errors';
import { inputEnvName } from '../core/config/inputs';
import type { ServerErrorHint } from '../core/servers/errors';
import { UsageError } from './io';

export const REQUEST_TIMEOUT_ENV = 'MCP_HARNESS_REQUEST_TIMEOUT_MS';
export const STOP_GRACE_ENV = 'MCP_HARNESS_STOP_GRACE_MS';
/**
 * How long the CLI lets a stdio server exit on its own after closing its stdin, before SIGTERM. A command's
 * work is done by then and every run pays the wait: a server that still has something in flight (server-everything
 * waits 60 s on the roots/list it sends 350 ms after the handshake) would hold each command for the editor's
 * full second. Servers that exit on end of input do so within a few ms; SIGTERM still lets the rest clean up.
 */
export const CLI_STOP_GRACE_MS = 200;
/** The longest stop grace: a command that waits longer than this for a server to exit is stuck, not patient. */
export const MAX_STOP_GRACE_MS = 600_000;
/** The longest delay a Node timer keeps: a larger one (2^31 ms and up) fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `raw` as a whole number of milliseconds from `min` to `max` (surrounding spaces allowed), or a usage error
 * naming `what` (the flag or variable), the range and an example.
 */
function wholeMs(raw: string, what: string, min: number, max: number, example: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new UsageError(`${what} must be a whole number of milliseconds from ${min} to ${max} (e.g. ${example}); got '${raw}'.`);
  }
  return n;
}

/** `timeoutFlag`: the command offers --timeout-ms for the per-request timeout (exec's is its sandbox deadline). */
export function cliServerHint(options: { timeoutFlag: boolean }): ServerErrorHint {
  const raise = options.timeoutFlag ? `pass --timeout-ms N or set ${REQUEST_TIMEOUT_ENV}` : `set ${REQUEST_TIMEOUT_ENV}`;
  return (err) => {
    const { limit, refusal, inputs } = err.facts;
    if (findNeedsSignIn(err)) return `Run \`mcp-harness login ${err.serverId}\` to sign in.`;
    if (limit?.name === 'requestTimeoutMs') return `If it needs longer, ${raise}.`;
    if (limit?.name === 'callTimeoutMs') return `If it needs longer, ${raise}, or raise timeoutMs in the session or --policy file.`;
    if (limit?.name === 'maxTotalTimeoutMs') return 'If it needs longer, raise maxTotalTimeoutMs in the session or --policy file.';
    if (refusal === 'inputs_needed' && inputs?.length) return `Set ${inputs.map(inputEnvName).join(', ')} to give the value.`;
    return undefined;
  };
}

/** The --timeout-ms value: whole milliseconds from 1 to MAX_TIMER_MS; undefined when not given. */
export function timeoutOption(values: Record<string, unknown>): number | undefined {
  const raw = values['timeout-ms'];
  if (raw === undefined) return undefined;
  return wholeMs(String(raw), '--timeout-ms', 1, MAX_TIMER_MS, '--timeout-ms 60000');
}

/** MCP_HARNESS_REQUEST_TIMEOUT_MS (whole ms from 1 to MAX_TIMER_MS); undefined when unset or empty (blanks are refused, as for the stop grace). */
export function envTimeout(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[REQUEST_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return undefined;
  return wholeMs(raw, REQUEST_TIMEOUT_ENV, 1, MAX_TIMER_MS, `${REQUEST_TIMEOUT_ENV}=60000`);
}

/** MCP_HARNESS_STOP_GRACE_MS (whole ms up to MAX_STOP_GRACE_MS, 0 ends a server right away), or CLI_STOP_GRACE_MS when unset. */
export function envStopGrace(env: NodeJS.ProcessEnv): number {
  const raw = env[STOP_GRACE_ENV];
  if (raw === undefined || raw === '') return CLI_STOP_GRACE_MS;
  return wholeMs(raw, STOP_GRACE_ENV, 0, MAX_STOP_GRACE_MS, `${STOP_GRACE_ENV}=2000 lets a server take 2 s to exit`);
}

/** The usage line of --timeout-ms, aligned with the other options of run, call and tools. */
export const TIMEOUT_USAGE = `  --timeout-ms N    time one request to a server may take, in ms (default 30000, or ${REQUEST_TIMEOUT_ENV})`;
