// The client under test for `npm run conformance`. The conformance suite starts one test server per scenario and
// runs `tsx scripts/conformance/client.ts <server-url>` with MCP_CONFORMANCE_SCENARIO set. We connect the way the
// product does: a workspace whose .vscode/mcp.json names the URL, opened by the CLI's openWorkspace (config
// discovery, ServerManager, launcher with its Streamable HTTP -> SSE fallback), then do what the scenario asks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManagedConnection } from '../../src/core/servers';
import { openWorkspace } from '../../src/cli/workspace';

const SERVER = 'conformance';

/** What each scenario's server expects the client to do once connected (beyond the handshake and tools/list). */
const CALLS: Record<string, (conn: ManagedConnection) => Promise<unknown>> = {
  tools_call: (conn) => conn.callTool('add_numbers', { a: 5, b: 3 }),
  'elicitation-sep1034-client-defaults': (conn) => conn.callTool('test_client_elicitation_defaults', {}),
  'sse-retry': (conn) => conn.callTool('test_reconnection', {}),
};

async function main(): Promise<number> {
  const url = process.argv[2];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  if (!url) {
    process.stderr.write('Usage: tsx scripts/conformance/client.ts SERVER_URL (the conformance suite passes it)\n');
    return 2;
  }
  const folder = mkdtempSync(join(tmpdir(), 'mcp-harness-conformance-'));
  mkdirSync(join(folder, '.vscode'));
  writeFileSync(join(folder, '.vscode', 'mcp.json'), JSON.stringify({ servers: { [SERVER]: { type: 'http', url } } }));
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
    readStdin: async () => '',
    cwd: folder,
    env: { ...process.env, MCP_HARNESS_VERBOSE: '1' },
  };
  const ws = await openWorkspace(folder, io, { requestTimeoutMs: 10_000 });
  try {
    ws.reportProblems(false);
    await ws.manager.start(SERVER);
    const conn = ws.manager.connection(SERVER);
    const tools = await conn.listTools();
    process.stdout.write(`${scenario}: connected, ${tools.length} tool(s)\n`);
    const call = CALLS[scenario];
    if (call) process.stdout.write(`${scenario}: ${JSON.stringify(await call(conn))}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${scenario}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await ws.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
