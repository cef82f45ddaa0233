// `mcp-harness servers`: the servers a workspace defines, connected in parallel (unless --no-connect).
import type { ServerDefinition } from '../../core/config/types';
import type { NegotiatedProtocol, ServerState } from '../../core/servers/types';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, type CliCommand } from '../io';
import { openWorkspace, sourceLabel } from '../workspace';

export interface ServerRow {
  name: string;
  source: string;
  transport: ServerDefinition['transport'];
  status: ServerState['status'];
  /** How many tools the server offers (after includeTools/excludeTools); null when not connected. */
  tools: number | null;
  error?: string;
  disabled?: boolean;
  notes?: string[];
  /** The MCP protocol version negotiated with the server and its generation; absent when not connected. */
  protocol?: NegotiatedProtocol;
  /** Why the server needs a sign-in (status 'needs-sign-in'); `mcp-harness login NAME` fixes it. */
  signIn?: ServerState['signIn'];
}

export const serversCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness servers [--workspace DIR] [--json] [--no-connect] [--user-configs]',
    '',
    'Finds every MCP config file of DIR (default: the current folder), starts all servers in parallel',
    'and shows each one\'s status and number of tools. Config problems are printed on stderr as',
    'file:line:col warnings.',
    '',
    '  --workspace DIR   the workspace folder',
    '  --no-connect      only list the definitions; start nothing',
    '  --user-configs    also read Claude Desktop\'s user config',
    '  --json            print [{name, source, transport, status, tools, protocol?, error?, signIn?}] (tools: a count,',
    '                    null when not connected; protocol: {version, era} negotiated, era "legacy" (2025) or "modern"',
    '                    (2026); status "needs-sign-in" with signIn {reason, scope?} and the login hint in error)',
    '',
    'Ctrl-C (or SIGTERM) stops the servers, those still starting too, and prints nothing on stdout.',
    '',
    'Exit codes: 0 all servers started (or --no-connect), 2 bad folder or arguments, 3 a server could not be started',
    'or needs sign-in (`mcp-harness login NAME`), 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    'no-connect': { type: 'boolean' },
    'user-configs': { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  interruptible: { stopping: 'stopping the servers' },
  async run({ values, json, signal }, io) {
    const ws = await openWorkspace(values.workspace as string | undefined, io, { includeUserConfigs: values['user-configs'] === true, signal });
    try {
      ws.reportProblems(json);
      const connect = values['no-connect'] !== true;
      if (connect) {
        const ids = ws.definitions.filter((d) => !d.disabled).map((d) => d.id);
        await ws.manager.startAll(ids);
        // The starts the signal ended failed for that reason only: a table of them would mislead.
        if (signal.aborted) return EXIT_FAILURE;
      }
      const rows: ServerRow[] = ws.definitions.map((def) => {
        const state = ws.manager.state(def.id)!;
        const status = connect || state.status !== 'stopped' ? state.status : 'stopped';
        const row: ServerRow = {
          name: def.id,
          source: sourceLabel(def, ws.folder),
          transport: def.transport,
          status,
          tools: status === 'running' ? (state.tools?.length ?? 0) : null,
        };
        const error = state.error ?? (def.error && status !== 'running' ? def.error : undefined);
        if (error) row.error = error;
        if (def.disabled) row.disabled = true;
        if (def.notes.length) row.notes = def.notes;
        if (status === 'running' && state.protocol) row.protocol = state.protocol;
        if (status === 'needs-sign-in' && state.signIn) row.signIn = state.signIn;
        return row;
      });
      if (json) io.stdout(JSON.stringify(rows, null, 2) + '\n');
      else io.stdout(renderTable(rows, ws.folder) + '\n');
      const failed = rows.filter((r) => r.status === 'error' || r.status === 'needs-sign-in');
      if (connect && failed.length) {
        const message = `${failed.length} of ${rows.length} server${rows.length === 1 ? '' : 's'} could not be started: ${failed.map((r) => r.name).join(', ')}.`;
        if (json) io.stderr(JSON.stringify({ error: { code: 'unreachable', message } }) + '\n');
        else io.stderr(`mcp-harness: ${message}\n`);
        return EXIT_UNREACHABLE;
      }
      return EXIT_OK;
    } finally {
      await ws.close();
    }
  },
};

function renderTable(rows: ServerRow[], folder: string): string {
  if (rows.length === 0) {
    return `No MCP servers are configured in ${folder}. Add one to .vscode/mcp.json, .mcp.json, .cursor/mcp.json, .gemini/settings.json or .windsurf/mcp_config.json.`;
  }
  const header = ['NAME', 'STATUS', 'TRANSPORT', 'TOOLS', 'SOURCE'];
  const cells = rows.map((r) => [r.name, r.disabled && r.status === 'stopped' ? 'disabled' : r.status, r.transport, r.tools === null ? '-' : String(r.tools), r.source]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  const out = [line(header)];
  rows.forEach((r, i) => {
    out.push(line(cells[i]));
    if (r.error) out.push(`  ! ${r.error}`);
    for (const note of r.notes ?? []) out.push(`  note: ${note}`);
  });
  return out.join('\n');
}
