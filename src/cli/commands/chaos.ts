// `mcp-harness chaos`: the fault-injection proxy as a stdio MCP server of its own. It starts the target
// (a server of the workspace, or the command after `--`) and relays its JSON-RPC messages through the
// toxics; `--print-config` prints the mcp.json entry that runs it instead.
import type * as SdkStdio from '@modelcontextprotocol/sdk/client/stdio.js';
import { PassThrough } from 'node:stream';
import { HttpChaosProxy } from '../../core/lab/chaos/httpProxy';
import { ChaosProxy, type ProxyTarget } from '../../core/lab/chaos/proxy';
import { describeToxics, parseToxics, ToxicsError, type Toxics } from '../../core/lab/chaos/toxics';
import { EXIT_OK, UsageError, type CliCommand } from '../io';
import { openWorkspace } from '../workspace';

export const chaosCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness chaos --toxics LIST (--target SERVER [--workspace DIR] | -- COMMAND [ARGS...]) [--seed N] [--print-config] [--port N]',
    '',
    'A stdio target: runs as a stdio MCP server, starts the target and relays every JSON-RPC message through',
    'the toxics. A Streamable HTTP target: listens on 127.0.0.1 and prints the proxied URL on stdout (first',
    'line), then forwards every request to the target, the toxics applied per message (request bodies, JSON',
    'answers and each SSE event), until stopped (Ctrl+C). The handshake (initialize) is never faulted, only',
    'delayed. Every random choice follows --seed.',
    '',
    '  --toxics LIST     comma-separated: latency=200ms±50, drop=0.05, corrupt=0.01, truncate[=P],',
    '                    duplicate=P (requests delivered twice), reorder=P (a message swaps with the next),',
    '                    disconnect-after=N (cut after N requests and answers past the handshake;',
    '                    notifications are not counted), slow-read',
    '  --target SERVER   a stdio or Streamable HTTP server configured in the workspace',
    '  -- COMMAND ARGS   or the command line of any stdio server',
    '  --seed N          seed of the fault choices (default: 1)',
    '  --port N          HTTP targets: the port to listen on (default: any free port)',
    '  --print-config    stdio targets: print the .vscode/mcp.json entry that runs this proxy, and exit',
    '',
    'Ctrl-C (or SIGTERM) stops the proxy and its target (a stdio target first gets its input closed, as when the',
    'client ends) and prints the counters; a second Ctrl-C ends the target and exits at once.',
    '',
    'Exit codes: 0 the session ended, 2 bad arguments or the target cannot be proxied (an SSE-only server),',
    '130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    toxics: { type: 'string' },
    target: { type: 'string' },
    workspace: { type: 'string', short: 'w' },
    seed: { type: 'string' },
    port: { type: 'string' },
    'print-config': { type: 'boolean' },
  },
  positionals: { min: 0, max: 1000 },
  interruptible: { stopping: 'stopping the proxy and its target' },
  async run({ values, positionals, signal }, io) {
    if (typeof values.toxics !== 'string') throw new UsageError('--toxics is required, e.g. --toxics latency=200ms±50,drop=0.05.');
    let toxics: Toxics;
    try {
      toxics = parseToxics(values.toxics);
    } catch (err) {
      if (err instanceof ToxicsError) throw new UsageError(`--toxics: ${err.message}`);
      throw err;
    }
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed takes a whole number, not '${String(values.seed)}'.`);
    if (values.target !== undefined && positionals.length) throw new UsageError('give either --target SERVER or -- COMMAND, not both.');
    if (values.target === undefined && !positionals.length) throw new UsageError('say what to proxy: --target SERVER (from the workspace) or -- COMMAND [ARGS...].');
    const { target, label } = values.target !== undefined ? await workspaceTarget(values.target as string, values.workspace as string | undefined, io) : { target: commandTarget(positionals), label: positionals[0] };
    if ('url' in target) return proxyHttp(target.url, label, toxics, seed, values, signal, io);
    if (values['print-config']) {
      const args = [__filename, 'chaos', '--toxics', values.toxics, '--seed', String(seed), '--', target.command, ...target.args];
      const entry = { type: 'stdio', command: process.execPath, args, ...(target.cwd ? { cwd: target.cwd } : {}) };
      io.stdout(JSON.stringify({ servers: { [`${label}-chaos`]: entry } }, null, 2) + '\n');
      return EXIT_OK;
    }
    io.stderr(`mcp-harness chaos: ${label} with ${describeToxics(toxics)}, seed ${seed}\n`);
    const end = await new ChaosProxy(toxics, seed, { input: clientInput(signal), output: process.stdout, stderr: process.stderr }).run(target);
    io.stderr(`mcp-harness chaos: ended (${end.reason}${end.exitCode !== undefined ? `, exit code ${end.exitCode}` : ''}); to server ${JSON.stringify(end.toServer)}, to client ${JSON.stringify(end.toClient)}\n`);
    return EXIT_OK;
  },
};

function commandTarget(positionals: string[]): ProxyTarget {
  const [command, ...args] = positionals;
  return { command, args, env: process.env as Record<string, string> };
}

type Io = Parameters<CliCommand['run']>[1];

/** Standard input, ended early when the command is stopped: the proxy then closes as when its client ends. */
function clientInput(signal: AbortSignal): PassThrough {
  const input = new PassThrough();
  process.stdin.pipe(input);
  const stop = () => {
    process.stdin.unpipe(input);
    process.stdin.pause();
    input.end();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return input;
}

async function proxyHttp(url: string, label: string, toxics: Toxics, seed: number, values: Record<string, unknown>, signal: AbortSignal, io: Io): Promise<number> {
  if (values['print-config']) throw new UsageError('--print-config is for stdio targets; an HTTP target prints its proxied URL when it starts.');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number from 0 to 65535, not '${String(values.port)}'.`);
  const proxy = new HttpChaosProxy(url, toxics, seed);
  const proxied = await proxy.listen(port);
  io.stdout(`${proxied}\n`);
  io.stderr(`mcp-harness chaos: ${label} (${url}) at ${proxied} with ${describeToxics(toxics)}, seed ${seed}; Ctrl+C stops it\n`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await proxy.close();
  const c = proxy.counters;
  io.stderr(`mcp-harness chaos: stopped; to server ${JSON.stringify(c.toServer)}, to client ${JSON.stringify(c.toClient)}, disconnects ${c.disconnects}\n`);
  return EXIT_OK;
}

async function workspaceTarget(id: string, dir: string | undefined, io: Io): Promise<{ target: ProxyTarget | { url: string }; label: string }> {
  const ws = await openWorkspace(dir, io);
  try {
    const def = ws.definitions.find((d) => d.id === id);
    if (!def) throw new UsageError(`no MCP server named '${id}' is configured in ${ws.folder} (known: ${ws.definitions.map((d) => d.id).join(', ') || 'none'}).`);
    if (def.error) throw new UsageError(`'${id}' cannot be started: ${def.error}`);
    if (def.transport === 'http' && def.url) return { label: def.name, target: { url: def.url } };
    if (def.transport !== 'stdio' || !def.command) throw new UsageError(`'${id}' is a ${def.transport} server; the chaos proxy runs stdio and Streamable HTTP servers only.`);
    return { label: def.name, target: { command: def.command, args: def.args ?? [], env: { ...defaultEnvironment(), ...(def.env ?? {}) }, cwd: def.cwd ?? def.source.workspaceFolder } };
  } finally {
    await ws.close();
  }
}

/** The SDK's safe default environment for a stdio server. Required here, not imported at the top: the SDK's stdio
 * module loads its zod schemas, which every other command would then pay for at start-up (CLI memory). */
function defaultEnvironment(): Record<string, string> {
  return (require('@modelcontextprotocol/sdk/client/stdio.js') as typeof SdkStdio).getDefaultEnvironment();
}
