// `mcp-harness tools SERVER`: the tools one server offers, with their annotations.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerDefinition } from '../../core/config/types';
import { ServerError } from '../../core/servers/errors';
import { EXIT_FAILURE, EXIT_OK, UnreachableError, UsageError, type CliCommand } from '../io';
import { openWorkspace } from '../workspace';
import { TIMEOUT_USAGE, timeoutOption } from '../serverHints';

export interface ToolRow {
  name: string;
  title?: string;
  /** The first line of the description. */
  description: string;
  annotations: Tool['annotations'] | Record<string, never>;
  inputSchema: Tool['inputSchema'];
}

export const toolsCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness tools SERVER [--workspace DIR] [--timeout-ms N] [--json] [--user-configs]',
    '',
    'Starts SERVER (a name from `mcp-harness servers`) and lists its tools: name, the first line of',
    'the description, and the annotations (read-only, destructive, idempotent, open-world).',
    '',
    '  --workspace DIR   the workspace folder (default: the current folder)',
    TIMEOUT_USAGE,
    '  --user-configs    also read Claude Desktop\'s user config',
    '  --json            print [{name, title?, description, annotations, inputSchema}]',
    '',
    'Ctrl-C (or SIGTERM) stops the server, while it starts too, and prints nothing on stdout.',
    '',
    'Exit codes: 0 ok, 2 unknown server or bad arguments, 3 the server could not be started,',
    '130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    'user-configs': { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'stopping the server' },
  async run({ values, positionals, json, signal }, io) {
    const ws = await openWorkspace(values.workspace as string | undefined, io, {
      includeUserConfigs: values['user-configs'] === true,
      requestTimeoutMs: timeoutOption(values),
      timeoutFlag: true,
      signal,
    });
    try {
      ws.reportProblems(json);
      const def = findServer(ws.definitions, positionals[0], ws.folder);
      let tools: Tool[];
      try {
        await ws.manager.start(def.id);
        tools = await ws.manager.connection(def.id).listTools();
      } catch (err) {
        // A start or listing the signal ended is not the server's failure.
        if (signal.aborted) return EXIT_FAILURE;
        if (err instanceof ServerError) throw new UnreachableError(err.message);
        throw err;
      }
      if (signal.aborted) return EXIT_FAILURE;
      const rows: ToolRow[] = tools.map((t) => ({
        name: t.name,
        ...(t.title ? { title: t.title } : {}),
        description: firstLine(t.description),
        annotations: t.annotations ?? {},
        inputSchema: t.inputSchema,
      }));
      if (json) io.stdout(JSON.stringify(rows, null, 2) + '\n');
      else io.stdout(renderTools(rows, def) + '\n');
      return EXIT_OK;
    } finally {
      await ws.close();
    }
  },
};

export function findServer(definitions: ServerDefinition[], wanted: string, folder: string): ServerDefinition {
  const exact = definitions.find((d) => d.id === wanted);
  if (exact) return exact;
  const byName = definitions.filter((d) => d.name === wanted);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new UsageError(`'${wanted}' is defined in several files; name one of: ${byName.map((d) => d.id).join(', ')}.`);
  }
  const known = definitions.map((d) => d.id);
  throw new UsageError(
    known.length
      ? `unknown server '${wanted}'. Servers in ${folder}: ${known.join(', ')}.`
      : `unknown server '${wanted}': no MCP servers are configured in ${folder}.`,
  );
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split(/\r?\n/)[0] ?? '';
}

function badges(a: Tool['annotations']): string[] {
  if (!a) return [];
  const out: string[] = [];
  if (a.readOnlyHint) out.push('read-only');
  if (a.destructiveHint === true || (a.destructiveHint === undefined && a.readOnlyHint === false)) out.push('destructive');
  if (a.idempotentHint) out.push('idempotent');
  if (a.openWorldHint) out.push('open-world');
  return out;
}

function renderTools(rows: ToolRow[], def: ServerDefinition): string {
  if (rows.length === 0) return `${def.id} offers no tools.`;
  const width = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const b = badges(r.annotations as Tool['annotations']);
      return `${r.name.padEnd(width)}  ${b.length ? `[${b.join(', ')}] ` : ''}${r.description}`;
    })
    .join('\n');
}
