// `mcp-harness gateway`: MCP Harness as an MCP server (stdio or Streamable HTTP) in front of the
// workspace's servers; every call goes through the run service's guards and lands in a trace.
import { join, resolve } from 'node:path';
import type * as Gateway from '../../core/gateway/index';
import { Sandbox } from '../../core/sandbox/sandbox';
import { loadSkills } from '../../core/sandbox/skills';
import { HARNESS_VERSION } from '../../core/version';
import type { ServerDefinition } from '../../core/config';
import { CliError, EXIT_OK, UsageError, type CliCommand, type CliIO } from '../io';
import { GatewayReload } from '../gatewayReload';
import { GatewaySettings, SettingsFileError } from '../gatewaySettings';
import { Interrupted } from '../interrupt';
import { envTimeout, MAX_TIMER_MS } from '../serverHints';
import { OTLP_OPTIONS, OTLP_USAGE } from '../otel';
import { openRunEnvironment } from '../runEnvironment';

const USAGE = [
  'Usage: mcp-harness gateway [--workspace DIR] [--stdio | --http PORT] [--mode direct|code] [--servers a,b]',
  '                           [--policy FILE] [--yes] [--trace-dir DIR] [--no-watch] [HTTP options]',
  '',
  'Serves the workspace\'s MCP servers as one MCP server. Tools are named server__tool; resources',
  '(mcp-harness://server/uri) and prompts (server__prompt) are passed through. Every tool call goes',
  'through the guards (schema, policy, pinned definitions, output guardrails) and is traced; a refused',
  'call returns an error result saying why. Each client session is a traced run; after a reload it goes',
  'on in a new run with the same name and a note of what changed (the old one ends once its calls are done).',
  '',
  'A server\'s sampling, elicitation or roots request during a call goes to the client that made the call',
  'when it declared that capability (guarded and traced). Sampling follows mcpHarness.sampling.policy',
  '(deny by default; "allow" forwards, "ask" needs --yes); a client without the capability gets a denial,',
  'an elicitation is cancelled, and roots are the workspace folder.',
  '',
  '  --stdio              speak MCP on stdin/stdout (the default; for Claude Desktop, Cursor, Claude Code)',
  '  --http PORT          serve Streamable HTTP at http://127.0.0.1:PORT/mcp (0 picks a free port)',
  '  --mode direct|code   direct: every upstream tool (default); code: search_tools and run_code (sandbox)',
  '  --servers a,b        expose only these servers (default: every configured server)',
  '  --policy FILE        policy/guardrails as JSON over .vscode/settings.json (mcpHarness.policy.*, …)',
  '  --yes                confirm destructive tool calls (without it they are denied), and sampling under policy "ask"',
  '  --trace-dir DIR      where traces go (default: mcpHarness.traceDir, else .mcp-harness/traces)',
  OTLP_USAGE,
  '  --max-calls N        tool calls per client session (default: no limit)',
  '  --audit-file FILE    audit log (default .mcp-harness/audit/gateway.jsonl); --audit-max-bytes N rotates it',
  '  --no-watch           serve the configuration and settings read at start; without it, a saved change to the',
  '                       workspace\'s MCP config files (.vscode/mcp.json, .mcp.json, .cursor/mcp.json, …) is applied',
  '                       while the gateway runs: new servers are served, removed ones stopped, changed ones restarted,',
  '                       and clients get list_changed; a change to .vscode/settings.json (or the --policy file) applies',
  '                       to every client\'s next call, with no server restarted. A file with an error is not applied.',
  '',
  'HTTP options:',
  '  --host ADDR          address to listen on (default 127.0.0.1; anything else is reachable by others)',
  '  --token-file FILE    the bearer token (created with mode 0600 on first start; default in the user config dir)',
  '  --cors-origin URL    allow browser pages from this origin (repeatable; none by default)',
  '  --allowed-host NAME  also answer to this Host header name (repeatable; loopback names always)',
  '  --max-body-bytes N   largest request body (default 4194304)',
  '  --rate-limit N       requests per second per client (default 50), --burst N at once (default 100)',
  '  --max-concurrent N   calls at once per upstream server (default 16; more wait their turn)',
  '  --shutdown-ms N      on SIGINT/SIGTERM, time calls in flight get to finish (default 10000)',
  '  --session-idle-ms N  end a client session with no request and no open stream for this long (default 1800000)',
  '  --replica-id NAME    behind a load balancer: session ids start with NAME. so it can route each session',
  '                       (its Mcp-Session-Id header) to this replica; give every replica the same --token-file',
  '',
  'Endpoints: /mcp (MCP), /health (each upstream\'s state), /metrics (Prometheus). All need the token.',
  '',
  'Stopping: the end of standard input (--stdio) exits 0. SIGINT (Ctrl-C) or SIGTERM refuses new requests, gives',
  'calls in flight --shutdown-ms to finish, stops the servers and exits 130 (SIGINT) or 143 (SIGTERM); a second',
  'signal ends the servers and exits at once. Under systemd, add SuccessExitStatus=130 143 to the unit.',
].join('\n');

function count(name: string, raw: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, e.g. --${name} ${Math.max(min, 100)}.`);
  // A timer over 2^31-1 ms fires at once.
  if (n > max) throw new UsageError(`--${name} must be at most ${max}.`);
  return n;
}

function list(raw: unknown): string[] {
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
}

/**
 * The servers the gateway serves: every definition (or those --servers names) but one that starts an MCP Harness
 * gateway. Each such entry is reported once; at a reload, a --servers name no longer configured is not served.
 */
function serverChooser(gw: typeof Gateway, raw: unknown, io: CliIO): (definitions: ServerDefinition[], reload?: boolean) => string[] {
  const reported = new Set<string>();
  const wanted = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return (definitions, reload = false) => {
    const itself = definitions.filter((d) => gw.launchesHarnessGateway(d));
    for (const d of itself.filter((d) => !reported.has(d.id))) {
      reported.add(d.id);
      io.stderr(`mcp-harness gateway: leaving out '${d.id}' (${d.source.file}): it starts an MCP Harness gateway, which would serve itself.\n`);
    }
    const known = definitions.filter((d) => !itself.includes(d)).map((d) => d.id);
    if (!wanted) return known;
    const unknown = wanted.filter((s) => !known.includes(s));
    if (unknown.length && !reload) throw new UsageError(`no MCP server named ${unknown.map((s) => `'${s}'`).join(', ')} in this workspace (known: ${known.join(', ') || 'none'}).`);
    return wanted.filter((s) => known.includes(s));
  };
}

/** The workspace's settings (and --policy file) as the gateway follows them; a file that cannot be read stops the start. */
function gatewaySettings(values: Record<string, unknown>, io: CliIO): GatewaySettings {
  const folder = resolve(io.cwd, (values.workspace as string | undefined) ?? '.');
  try {
    return new GatewaySettings({ folder, cwd: io.cwd, policyFile: values.policy as string | undefined, timeoutMs: envTimeout(io.env) }, (line) => io.stderr(`mcp-harness gateway: ${line}\n`));
  } catch (err) {
    if (err instanceof SettingsFileError) throw new UsageError(err.atStart);
    throw err;
  }
}

function stderrLogger(io: CliIO): Gateway.GatewayCoreOptions['logger'] {
  const verbose = Boolean(io.env.MCP_HARNESS_VERBOSE);
  const line = (level: string) => (m: string | Error) => io.stderr(`[${level}] ${m instanceof Error ? m.message : m}\n`);
  return { trace() {}, debug: verbose ? line('debug') : () => {}, info: verbose ? line('info') : () => {}, warn: line('warn'), error: line('error') };
}

export const gatewayCommand: CliCommand = {
  usage: USAGE,
  options: {
    workspace: { type: 'string', short: 'w' },
    stdio: { type: 'boolean' },
    http: { type: 'string' },
    mode: { type: 'string' },
    servers: { type: 'string', short: 's' },
    policy: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    'trace-dir': { type: 'string' },
    ...OTLP_OPTIONS,
    'max-calls': { type: 'string' },
    'audit-file': { type: 'string' },
    'audit-max-bytes': { type: 'string' },
    host: { type: 'string' },
    'token-file': { type: 'string' },
    'cors-origin': { type: 'string', multiple: true },
    'allowed-host': { type: 'string', multiple: true },
    'max-body-bytes': { type: 'string' },
    'rate-limit': { type: 'string' },
    burst: { type: 'string' },
    'max-concurrent': { type: 'string' },
    'shutdown-ms': { type: 'string' },
    'session-idle-ms': { type: 'string' },
    'replica-id': { type: 'string' },
    'no-watch': { type: 'boolean' },
  },
  interruptible: { stopping: 'refusing new requests; calls in flight get --shutdown-ms to finish, then the servers stop' },
  async run({ values, signal }, io) {
    if (values.stdio && values.http !== undefined) throw new UsageError('give either --stdio or --http PORT, not both.');
    const mode = (values.mode as string | undefined) ?? 'direct';
    if (mode !== 'direct' && mode !== 'code') throw new UsageError(`--mode must be direct or code (got '${mode}').`);
    const port = count('http', values.http, 0);
    if (port !== undefined && port > 65535) throw new UsageError('--http PORT must be from 0 to 65535.');
    const maxCalls = count('max-calls', values['max-calls'], 1);
    const numbers = {
      auditMaxBytes: count('audit-max-bytes', values['audit-max-bytes'], 1024),
      maxBodyBytes: count('max-body-bytes', values['max-body-bytes'], 1024),
      rate: count('rate-limit', values['rate-limit'], 1),
      burst: count('burst', values.burst, 1),
      maxConcurrent: count('max-concurrent', values['max-concurrent'], 1),
      shutdownMs: count('shutdown-ms', values['shutdown-ms'], 0, MAX_TIMER_MS),
      sessionIdleMs: count('session-idle-ms', values['session-idle-ms'], 100, MAX_TIMER_MS),
    };
    const gw = require('../../core/gateway/index') as typeof Gateway;
    const replicaId = values['replica-id'] as string | undefined;
    if (replicaId !== undefined && (port === undefined || !gw.REPLICA_ID.test(replicaId))) {
      throw new UsageError(port === undefined ? '--replica-id is for --http (replicas behind a load balancer).' : '--replica-id must be 1 to 32 letters, digits, - or _, e.g. --replica-id a.');
    }
    // Read strictly, as a reload reads them, before anything starts: the settings are the policy the gateway enforces.
    // The values in use come from `live`, which a reload of the settings files replaces.
    const live = gatewaySettings(values, io);
    const ctx = await openRunEnvironment(values, io, { signal });
    const logger = stderrLogger(io);
    const audit = new gw.AuditLog({ file: values['audit-file'] ? resolve(io.cwd, values['audit-file'] as string) : gw.defaultAuditFile(ctx.ws.folder), maxBytes: numbers.auditMaxBytes, guardrails: live.current.harness.guardrails });
    const sandbox = mode === 'code' ? new Sandbox({ logger }) : undefined;
    let reload: GatewayReload | undefined;
    try {
      const choose = serverChooser(gw, values.servers, io);
      const servers = choose(ctx.ws.definitions);
      ctx.ws.reportProblems(false);
      const core = new gw.GatewayCore({
        upstreams: ctx.ws.manager,
        servers,
        openRun: (request) => {
          // A run applies the settings in use when it opens; a reload of them makes every client open a new one.
          const { harness, sampling } = live.current;
          return ctx.service.open({
            name: request.name,
            servers: request.servers,
            signal: request.signal,
            dedup: request.dedup,
            kind: 'gateway',
            deferBookkeeping: true,
            keepSteps: false,
            policy: { ...harness.policy, maxSteps: maxCalls ?? Number.MAX_SAFE_INTEGER },
            guardrails: harness.guardrails,
            answerers: request.answerers,
            ...(Object.keys(sampling).length ? { clientSettings: { sampling } } : {}),
          });
        },
        code: sandbox ? { sandbox, limits: live.current.sandbox, skills: await loadSkills(ctx.ws.folder) } : undefined,
        policy: () => live.current.harness.policy,
        audit,
        metrics: new gw.GatewayMetrics({ processMetrics: port !== undefined }),
        maxConcurrentPerServer: numbers.maxConcurrent,
        version: HARNESS_VERSION,
        logger,
        resourceUpdates: (listener) => ctx.ws.client.onResourceUpdated(listener),
      });
      if (!values['no-watch']) {
        const watching = new GatewayReload({ ws: ctx.ws, core, expose: (definitions) => choose(definitions, true), audit, io, settings: live });
        reload = watching;
        // A stopping gateway takes no new configuration.
        signal.addEventListener('abort', () => void watching.dispose(), { once: true });
      }
      const started = { workspace: ctx.ws.folder, servers, mode, transport: port === undefined ? 'stdio' : 'http', watch: reload !== undefined };
      if (port === undefined) return await serveStdio(core, audit, started, numbers.shutdownMs ?? gw.DEFAULT_SHUTDOWN_MS, signal, io);
      return await serveHttp(gw, core, audit, started, { ...numbers, port }, values, signal, io);
    } finally {
      await reload?.dispose();
      audit.write({ kind: 'admin', action: 'stop' });
      audit.close();
      await sandbox?.dispose();
      await ctx.close();
    }
  },
};

/** The start line's word on --no-watch: the configuration and settings files are read only at start. */
function watching(started: Record<string, unknown>): string {
  return started.watch ? '' : '; --no-watch: changes to the config and settings files are not followed';
}

/** Resolves when the command's signal is aborted (the first SIGINT/SIGTERM: its name), or with `extra`'s reason. */
function stopSignal(signal: AbortSignal, extra?: Promise<string>): Promise<string> {
  const why = () => (signal.reason instanceof Interrupted ? signal.reason.signal : 'stopped');
  return new Promise((resolveStop) => {
    if (signal.aborted) return resolveStop(why());
    signal.addEventListener('abort', () => resolveStop(why()), { once: true });
    extra?.then(resolveStop);
  });
}

async function serveStdio(core: Gateway.GatewayCore, audit: Gateway.AuditLog, started: Record<string, unknown>, shutdownMs: number, signal: AbortSignal, io: CliIO): Promise<number> {
  const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js') as typeof import('@modelcontextprotocol/sdk/server/stdio.js');
  const inputEnded = new Promise<string>((resolveEnd) => {
    process.stdin.once('end', () => resolveEnd('stdin closed'));
    process.stdin.once('close', () => resolveEnd('stdin closed'));
  });
  const stop = stopSignal(signal, inputEnded);
  await core.connect(new StdioServerTransport(), 'stdio');
  audit.write({ kind: 'admin', action: 'start', ...started });
  io.stderr(`mcp-harness gateway: serving ${(started.servers as string[]).join(', ') || 'no servers'} on stdio (${started.mode} mode${watching(started)})\n`);
  const why = await stop;
  const drained = await core.drain(shutdownMs);
  if (!drained) io.stderr(`mcp-harness gateway: calls still running after ${shutdownMs} ms were cut off\n`);
  audit.write({ kind: 'admin', action: 'shutdown', reason: why, drained });
  await core.close();
  return EXIT_OK;
}

async function serveHttp(
  gw: typeof Gateway,
  core: Gateway.GatewayCore,
  audit: Gateway.AuditLog,
  started: Record<string, unknown>,
  numbers: { port: number; maxBodyBytes?: number; rate?: number; burst?: number; shutdownMs?: number; sessionIdleMs?: number },
  values: Record<string, unknown>,
  signal: AbortSignal,
  io: CliIO,
): Promise<number> {
  const tokenFile = values['token-file'] ? resolve(io.cwd, values['token-file'] as string) : gw.defaultTokenFile(io.env);
  let token: { token: string; created: boolean };
  try {
    token = gw.loadOrCreateToken(tokenFile);
  } catch (err) {
    throw new CliError(`${(err as Error).message} (or pass another file with --token-file).`);
  }
  if (token.created) {
    audit.write({ kind: 'admin', action: 'token_created', file: tokenFile });
    io.stderr(`mcp-harness gateway: created a bearer token (shown once; it stays in ${tokenFile}, mode 0600):\n  ${token.token}\n`);
  }
  const rate = numbers.rate ?? gw.DEFAULT_RATE_LIMIT.ratePerSecond;
  const http = new gw.HttpGateway({
    core,
    token: token.token,
    port: numbers.port,
    host: values.host as string | undefined,
    corsOrigins: list(values['cors-origin']),
    allowedHosts: list(values['allowed-host']),
    maxBodyBytes: numbers.maxBodyBytes,
    sessionIdleMs: numbers.sessionIdleMs,
    ...(values['replica-id'] ? { replicaId: values['replica-id'] as string } : {}),
    rateLimit: { ratePerSecond: rate, burst: numbers.burst ?? Math.max(rate, gw.DEFAULT_RATE_LIMIT.burst) },
  });
  const stop = stopSignal(signal);
  let address;
  try {
    address = await http.listen();
  } catch (err) {
    throw new CliError(`could not listen on ${(values.host as string | undefined) ?? '127.0.0.1'}:${numbers.port}: ${(err as Error).message}. Choose another port with --http.`);
  }
  audit.write({ kind: 'admin', action: 'start', ...started, url: address.url });
  if (!/^(127\.|::1$|localhost$)/.test(address.host)) {
    io.stderr(`mcp-harness gateway: listening on ${address.host}, which other machines may reach; only the bearer token protects it. Add the name clients use with --allowed-host.\n`);
  }
  io.stderr(`mcp-harness gateway: serving ${(started.servers as string[]).join(', ') || 'no servers'} at ${address.url} (${started.mode} mode; token in ${tokenFile}${watching(started)})\n`);
  const why = await stop;
  const shutdownMs = numbers.shutdownMs ?? gw.DEFAULT_SHUTDOWN_MS;
  const drained = await http.shutdown(shutdownMs);
  if (!drained) io.stderr(`mcp-harness gateway: calls still running after ${shutdownMs} ms were cut off\n`);
  audit.write({ kind: 'admin', action: 'shutdown', reason: why, drained });
  return EXIT_OK;
}
