// `mcp-harness login SERVER`: signs in to an HTTP MCP server that asks for OAuth. Prints the authorization URL
// (opens it only with --open), waits for the browser to come back to a loopback redirect on 127.0.0.1, and keeps
// the tokens in the CLI's 0600 token file. `mcp-harness logout SERVER` forgets them.
// Ctrl-C (or SIGTERM) during a sign-in goes through the CLI's shared interrupt handling (main.ts: `interruptible`):
// its signal cancels the sign-in, which aborts the request in flight and closes the loopback listener; exit 130/143.
import { spawn } from 'node:child_process';
import { DEFAULT_SIGN_IN_TIMEOUT_MS } from '../../core/auth/loopback';
import { SignInError } from '../../core/auth/errors';
import { signIn } from '../../core/auth/signIn';
import { describeSignOut, signOut } from '../../core/auth/signOut';
import { oauthClientFor, usesOAuth } from '../../core/auth/forServer';
import { inputEnvName } from '../../core/config/inputs';
import type { ServerDefinition } from '../../core/config';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError, type CliCommand, type CliIO } from '../io';
import { timeoutOption } from '../serverHints';
import { openWorkspace } from '../workspace';
import { cliTokenFile, cliTokenStore, OAUTH_TIMEOUT_ENV, oauthRequestTimeoutMs, RAISE_OAUTH_TIMEOUT } from '../tokenStore';

const REQUEST_TIMEOUT_USAGE = [
  '  --request-timeout-ms N  time one request to the authorization server may take, in ms',
  `                    (default 30000, or ${OAUTH_TIMEOUT_ENV}; also bounds token refreshes of other commands)`,
];

export const loginCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness login SERVER [--workspace DIR] [--open] [--timeout-ms N] [--request-timeout-ms N] [--json]',
    '',
    'Prints the authorization URL to open in a browser and waits (default 5 minutes) for the browser to',
    'come back to a redirect on 127.0.0.1. The tokens are kept in ~/.config/mcp-harness/tokens.json',
    '(or under $XDG_CONFIG_HOME, or $MCP_HARNESS_TOKEN_FILE), readable by you only.',
    '',
    '  --workspace DIR   the workspace whose MCP servers to use (default: the current folder)',
    '  --open            also open the URL in the default browser',
    '  --timeout-ms N    how long to wait for the browser, in ms',
    ...REQUEST_TIMEOUT_USAGE,
    '  --json            print the result as JSON (the URL goes to stderr)',
    '',
    'Ctrl-C (or SIGTERM) cancels the sign-in; nothing is stored.',
    '',
    'A server that answers a request without credentials (no HTTP 401) uses no OAuth: login says it needs no',
    'sign-in, stores nothing and exits 0 (--json: {"server", "signedIn": false, "signInNeeded": false}).',
    '',
    'Exit codes: 0 signed in (or no sign-in needed), 1 the sign-in failed or timed out, 2 unknown server or bad arguments,',
    '3 the server (or its authorization server) could not be reached, 130 cancelled by Ctrl-C (SIGINT),',
    '143 cancelled by SIGTERM.',
  ].join('\n'),
  options: {
    workspace: { type: 'string', short: 'w' },
    open: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  // The browser --open started is the user's: a second Ctrl-C must not kill it.
  interruptible: { stopping: 'cancelling the sign-in', killTree: false },
  async run({ values, positionals, json, signal }, io) {
    const def = await oauthServer(positionals[0], values.workspace as string | undefined, io);
    checkInputs(def);
    const timeoutMs = timeoutOption(values) ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
    const fetchTimeoutMs = oauthRequestTimeoutMs(io.env, values['request-timeout-ms']);
    const show = json ? io.stderr : io.stdout;
    try {
      const result = await signIn({
        serverUrl: def.url!,
        store: cliTokenStore(io.env),
        ...oauthClientFor(def),
        transport: def.transport === 'sse' ? 'sse' : 'http',
        headers: def.headers,
        timeoutMs,
        fetchTimeoutMs,
        signal,
        openBrowser: (url) => {
          show(`Open this URL in a browser to sign in to ${def.id}:\n  ${url.href}\nWaiting for the browser to come back…\n`);
          if (values.open === true) openInBrowser(url.href);
        },
      });
      if (json) io.stdout(JSON.stringify({ server: def.id, signedIn: true, issuer: result.issuer, scope: result.scope ?? null }) + '\n');
      else io.stdout(`Signed in to ${def.id} (authorization server ${result.issuer}${result.scope ? `, scope ${result.scope}` : ''}).\n`);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof SignInError && err.failure === 'not_needed') {
        // Not a failure: the server can be used as it is, and nothing was stored.
        if (json) io.stdout(JSON.stringify({ server: def.id, signedIn: false, signInNeeded: false }) + '\n');
        else io.stdout(`${def.id} needs no sign-in: ${lowerFirst(err.message.replace(/^Sign-in not needed: /, ''))}\n`);
        return EXIT_OK;
      }
      if (err instanceof SignInError) {
        const raise = err.failure === 'request_timeout' ? ` ${RAISE_OAUTH_TIMEOUT}` : '';
        // A server that cannot be reached is exit 3, as in every command.
        const exit = err.failure === 'unreachable' ? EXIT_UNREACHABLE : EXIT_FAILURE;
        throw new CliError(`${def.id}: ${err.message}${raise} Run \`mcp-harness login ${def.id}\` to try again.`, exit, err.failure);
      }
      throw err;
    }
  },
};

export const logoutCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness logout SERVER [--workspace DIR] [--request-timeout-ms N] [--json]',
    '',
    'Revokes the stored tokens at the authorization server (RFC 7009) when it offers a revocation endpoint,',
    'then deletes them from the CLI token file. A revocation that fails is reported on stderr; the tokens',
    'are deleted all the same (exit 0).',
    '',
    '  --workspace DIR   the workspace whose MCP servers to use (default: the current folder)',
    ...REQUEST_TIMEOUT_USAGE,
    '  --json            print {server, signedOut, revocation: "revoked"|"not_supported"|"failed"|"nothing_stored",',
    '                    revocationError?}',
  ].join('\n'),
  options: { workspace: { type: 'string', short: 'w' }, 'request-timeout-ms': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  interruptible: { stopping: 'ending the revocation; the tokens are deleted all the same', killTree: false },
  async run({ values, positionals, json, signal }, io) {
    const def = await oauthServer(positionals[0], values.workspace as string | undefined, io);
    const fetchTimeoutMs = oauthRequestTimeoutMs(io.env, values['request-timeout-ms']);
    const result = await signOut(def.url!, cliTokenStore(io.env), { fetchTimeoutMs, signal });
    const message = describeSignOut(def.id, result, cliTokenFile(io.env));
    if (json) {
      const revocationError = result.revocationError ? { revocationError: result.revocationError } : {};
      io.stdout(JSON.stringify({ server: def.id, signedOut: result.hadTokens, revocation: result.revocation, ...revocationError }) + '\n');
      if (result.revocation === 'failed') io.stderr(JSON.stringify({ warning: { code: 'revocation_failed', message } }) + '\n');
    } else if (result.revocation === 'failed') {
      io.stderr(`mcp-harness: ${message}\n`);
    } else {
      io.stdout(`${message}\n`);
    }
    return EXIT_OK;
  },
};

async function oauthServer(id: string, workspace: string | undefined, io: CliIO): Promise<ServerDefinition> {
  const ws = await openWorkspace(workspace, io);
  await ws.close();
  const def = ws.definitions.find((d) => d.id === id);
  if (!def) {
    const known = ws.definitions.map((d) => d.id);
    throw new UsageError(`no MCP server named '${id}' is configured in ${ws.folder} (known: ${known.join(', ') || 'none'}). Check the name with \`mcp-harness servers\`.`);
  }
  if (!usesOAuth(def)) {
    const why = def.transport === 'stdio' ? 'it is a stdio server' : 'its config sends its own Authorization header';
    throw new UsageError(`${id} does not use sign-in: ${why}.`);
  }
  return def;
}

/** A sign-in sends the entry's "oauth" client: its `${input:…}` values must be known, the entry valid. */
function checkInputs(def: ServerDefinition): void {
  if (def.error) throw new UsageError(`${def.id} cannot sign in: ${def.error}`);
  if (!def.pendingInputs?.length) return;
  const inputs = def.pendingInputs.map((i) => `\${input:${i}}`).join(', ');
  throw new UsageError(`${def.id} needs a value for ${inputs} before it can sign in: set ${def.pendingInputs.map(inputEnvName).join(', ')}.`);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The platform's "open this URL" command, detached; the URL is also printed, so a failure here is harmless. */
function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}
