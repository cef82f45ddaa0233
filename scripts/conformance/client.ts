// The client under test for `npm run conformance`. The conformance suite starts one test server per scenario and
// runs `tsx scripts/conformance/client.ts <server-url>` with MCP_CONFORMANCE_SCENARIO set. We connect the way the
// product does: a workspace whose .vscode/mcp.json names the URL, opened by the CLI's openWorkspace (config
// discovery, ServerManager, launcher with its Streamable HTTP -> SSE fallback, OAuth from the token file), then do
// what the scenario asks. When the server needs sign-in, we sign in the way `mcp-harness login` does, with this
// script as the browser (the suite's authorization server approves at once and redirects to our loopback listener).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNeedsSignIn } from '../../src/core/auth/errors';
import { signIn } from '../../src/core/auth/signIn';
import type { ManagedConnection } from '../../src/core/servers';
import { openWorkspace, type OpenedWorkspace } from '../../src/cli/workspace';
import { cliTokenStore, TOKEN_FILE_ENV } from '../../src/cli/tokenStore';
import { cliClientFeatures } from '../../src/cli/clientHost';
import type { CliIO } from '../../src/cli/io';
import { ClientFeatures } from '../../src/core/client/features';
import type { ElicitResult } from '../../src/core/servers/serverRequests';

type ElicitContent = NonNullable<ElicitResult['content']>;

const SERVER = 'conformance';
/** The Client ID Metadata Document URL the suite's authorization server expects a CIMD client to use. */
const CONFORMANCE_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';
/** Sign-ins one scenario may need (a first one, then step-ups); the suite's retry-limit scenario checks we stop. */
const MAX_SIGN_INS = 3;

/** What each scenario's server expects the client to do once connected (beyond the handshake and tools/list). */
const CALLS: Record<string, (conn: ManagedConnection) => Promise<unknown>> = {
  tools_call: (conn) => conn.callTool('add_numbers', { a: 5, b: 3 }),
  'elicitation-sep1034-client-defaults': (conn) => conn.callTool('test_client_elicitation_defaults', {}),
  'sse-retry': (conn) => conn.callTool('test_reconnection', {}),
};

/**
 * What a user would type into the form of each scenario that elicits: the content its server expects. The
 * client declares the elicitation capability (every CLI client does); here the "user" accepts with this content.
 */
const ELICITATION_ANSWERS: Record<string, Record<string, unknown>> = {
  // SEP-1034: the form's defaults, as a client that pre-fills them sends them when the user just accepts.
  'elicitation-sep1034-client-defaults': { name: 'John Doe', age: 30, score: 95.5, status: 'active', verified: true },
};

/** The client features: the CLI's, with the scenario's answer to an elicitation (and nobody's otherwise). */
function clientFor(scenario: string, io: CliIO, folder: string): ClientFeatures {
  const answer = ELICITATION_ANSWERS[scenario];
  const host = cliClientFeatures(io, { folder }).host;
  return new ClientFeatures({ ...host, ...(answer ? { elicit: async () => ({ action: 'accept' as const, content: answer as ElicitContent }) } : {}) });
}

/** Pre-registered client credentials the suite hands over for some auth scenarios. */
function preRegistered(): { client_id: string; client_secret?: string } | undefined {
  try {
    const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as { client_id?: string; client_secret?: string };
    return context.client_id && context.client_secret ? { client_id: context.client_id, client_secret: context.client_secret } : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a step; when the server needs (another) sign-in, signs in and runs it again. */
async function withSignIn<T>(ws: OpenedWorkspace, url: string, env: NodeJS.ProcessEnv, step: () => Promise<T>): Promise<T> {
  for (let signIns = 0; ; signIns++) {
    try {
      return await step();
    } catch (err) {
      const needs = findNeedsSignIn(err);
      if (!needs || signIns >= MAX_SIGN_INS) throw err;
      process.stdout.write(`sign-in needed (${needs.reason}); signing in\n`);
      await signIn({
        serverUrl: url,
        store: cliTokenStore(env),
        clientMetadataUrl: CONFORMANCE_CLIENT_METADATA_URL,
        preRegistered: preRegistered(),
        timeoutMs: 10_000,
        openBrowser: async (authorizationUrl) => void (await (await fetch(authorizationUrl, { redirect: 'follow' })).text()),
      });
      await ws.manager.stop(SERVER);
    }
  }
}

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
  const env = { ...process.env, MCP_HARNESS_VERBOSE: '1', [TOKEN_FILE_ENV]: join(folder, 'tokens.json') };
  const io: CliIO = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
    readStdin: async () => '',
    cwd: folder,
    env,
  };
  const ws = await openWorkspace(folder, io, { requestTimeoutMs: 10_000, client: clientFor(scenario, io, folder) });
  try {
    ws.reportProblems(false);
    const tools = await withSignIn(ws, url, env, async () => {
      await ws.manager.start(SERVER);
      return ws.manager.connection(SERVER).listTools();
    });
    process.stdout.write(`${scenario}: connected, ${tools.length} tool(s)\n`);
    // The auth scenarios' servers check access per operation (a tool call may need a wider scope: step-up).
    const call = CALLS[scenario] ?? (scenario.startsWith('auth/') && tools[0] ? (conn: ManagedConnection) => conn.callTool(tools[0].name, {}) : undefined);
    if (call) process.stdout.write(`${scenario}: ${JSON.stringify(await withSignIn(ws, url, env, () => call(ws.manager.connection(SERVER))))}\n`);
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
