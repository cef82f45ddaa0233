// mcp-harness: the headless CLI over src/core.
import { addAbortSignal } from 'node:stream';
import { parseArgs } from 'node:util';
import { commands } from './commands/index';
import { CliError, EXIT_FAILURE, EXIT_USAGE, type CliCommand, type CliIO, UsageError } from './io';
import { exitCodeFor, listenForInterrupts } from './interrupt';
import { HARNESS_VERSION as VERSION } from '../core/version';
import { alignOptions, argumentProblem, positionalProblem } from './usage';


function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    `mcp-harness ${VERSION} — find, run and guard MCP servers`,
    '',
    'Usage: mcp-harness <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `mcp-harness <command> --help` for a command\'s options.',
    'Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 a server could not be started or reached,',
    '130 / 143 a command that starts servers or waits (servers, tools, lint, pin, call, run, exec, agent, lab,',
    'conformance, chaos, gateway, login, logout) stopped by Ctrl-C / SIGTERM.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const command = commands.find((c) => c.name === name)?.load();
  // A command may declare its own string `--json FILE` (report); then --json is not the output mode.
  const ownsJson = command?.options.json?.type === 'string';
  const wantsJson = rest.includes('--json') && !ownsJson;
  const fail = (err: CliError): number => {
    if (wantsJson) io.stderr(JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
    else io.stderr(`mcp-harness: ${err.message}\n`);
    return err.exitCode;
  };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(globalHelp() + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(VERSION + '\n');
    return 0;
  }
  if (!command) return fail(new UsageError(`unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}.`));
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(alignOptions(command.usage) + '\n');
    return 0;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, ...command.options },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (err) {
    return fail(new UsageError(`${argumentProblem(err, name, command)}\n${alignOptions(command.usage)}`));
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    return fail(new UsageError(`${positionalProblem(name, { min, max }, parsed.positionals)}\n${alignOptions(command.usage)}`));
  }
  const interrupts = command.interruptible ? listenForInterruptsOf(name, command.interruptible, io) : undefined;
  let code: number;
  try {
    code = await command.run({ ...parsed, json: parsed.values.json === true, signal: interrupts?.signal ?? new AbortController().signal }, io);
  } catch (err) {
    if (err instanceof CliError) code = fail(err);
    else {
      // A bug, not a user error: keep the stack, but on stderr only.
      const e = err as Error;
      io.stderr(`mcp-harness: internal error: ${e?.stack ?? String(err)}\n`);
      code = EXIT_FAILURE;
    }
  } finally {
    interrupts?.dispose();
  }
  // Whatever the command made of its cancelled work, the exit code says it was stopped, and by which signal.
  return interrupts?.received ? exitCodeFor(interrupts.received) : code;
}

function listenForInterruptsOf(name: string, how: NonNullable<CliCommand['interruptible']>, io: CliIO) {
  return listenForInterrupts(
    (signal) => io.stderr(`mcp-harness ${name}: ${signal}: ${how.stopping} (press Ctrl-C again to exit at once)\n`),
    (signal) => io.stderr(`mcp-harness ${name}: ${signal} again: ${how.killTree === false ? 'exiting now' : 'ending the servers and exiting now'}\n`),
    how.killTree !== false,
  );
}

if (require.main === module) {
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async (signal, maxBytes = Infinity) => {
      // An input that never ends (a pipe left open) must not hold the first Ctrl-C: the signal ends the read.
      if (signal) addAbortSignal(signal, process.stdin);
      const chunks: Buffer[] = [];
      let bytes = 0;
      try {
        for await (const chunk of process.stdin) {
          chunks.push(chunk as Buffer);
          bytes += (chunk as Buffer).length;
          // Enough to know the input is over the limit: an endless input is not buffered to the end.
          if (bytes > maxBytes) break;
        }
      } catch (err) {
        throw signal?.aborted ? signal.reason : err;
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Servers and timers must not keep a finished command alive.
      setTimeout(() => process.exit(code), 50).unref();
    },
    (err) => {
      process.stderr.write(`mcp-harness: internal error: ${String(err)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}
