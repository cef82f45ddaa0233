// The config snippets for clients that reach a running HTTP gateway (`mcp-harness gateway --http PORT`)
// instead of starting one over stdio: its URL and the bearer token header. The token is referenced, not
// written — VS Code prompts for it (a password input), Cursor reads it from the environment, Claude Code's
// command takes it from the shell — unless the caller passes it because the user chose to include it.
// Claude Desktop's config file starts stdio servers only, so it gets no HTTP snippet.
import { GATEWAY_ENTRY, type ClientTarget } from './clientConfig';

/** The environment variable the Cursor and Claude Code snippets read the token from. */
export const TOKEN_ENV = 'MCP_HARNESS_GATEWAY_TOKEN';
/** The id of the VS Code mcp.json input that prompts for the token. */
export const TOKEN_INPUT = 'mcp-harness-gateway-token';

export interface HttpGatewayAddress {
  /** The gateway's MCP endpoint, e.g. http://127.0.0.1:8931/mcp. */
  url: string;
  /** The token itself, only when the user chose to put it in the snippet. */
  token?: string;
}

export type HttpSnippet =
  /** JSON to merge into the client's config file. */
  | { kind: 'json'; value: Record<string, unknown> }
  /** A shell command that adds the server to the client. */
  | { kind: 'command'; value: string }
  /** The client cannot reach an HTTP server from its config; the reason says what to use instead. */
  | { kind: 'unsupported'; reason: string };

/** What a gateway port a client connects to must be (the host says where it came from). */
export const CLIENT_PORT_RULE = 'a whole number from 1 to 65535';

/** A port a client connects to: a number, or the digits a user typed, from 1 to 65535; undefined otherwise. */
export function clientPort(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d{1,5}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** The MCP endpoint of a gateway listening on `port` (loopback, as the gateway listens by default). */
export function httpGatewayUrl(port: number, host = '127.0.0.1'): string {
  return `http://${host}:${port}/mcp`;
}

export function httpClientConfig(target: ClientTarget, gateway: HttpGatewayAddress): HttpSnippet {
  const literal = gateway.token === undefined ? undefined : `Bearer ${gateway.token}`;
  switch (target) {
    case 'vscode':
      return {
        kind: 'json',
        value: {
          ...(literal
            ? {}
            : { inputs: [{ type: 'promptString', id: TOKEN_INPUT, description: 'MCP Harness gateway token (printed when the gateway first starts; kept in its token file)', password: true }] }),
          servers: { [GATEWAY_ENTRY]: { type: 'http', url: gateway.url, headers: { Authorization: literal ?? `Bearer \${input:${TOKEN_INPUT}}` } } },
        },
      };
    case 'cursor':
      return { kind: 'json', value: { mcpServers: { [GATEWAY_ENTRY]: { url: gateway.url, headers: { Authorization: literal ?? `Bearer \${env:${TOKEN_ENV}}` } } } } };
    case 'claude-code':
      return { kind: 'command', value: `claude mcp add --transport http ${GATEWAY_ENTRY} ${gateway.url} --header "Authorization: ${literal ?? `Bearer $${TOKEN_ENV}`}"` };
    case 'claude-desktop':
      return {
        kind: 'unsupported',
        reason: "Claude Desktop's config file starts stdio servers only: copy the stdio config (Claude Desktop then starts the gateway itself), or put a stdio-to-HTTP bridge in front of the gateway's URL.",
      };
  }
}

/** The snippet as the user pastes it: pretty JSON, or the command line. */
export function httpSnippetText(snippet: Exclude<HttpSnippet, { kind: 'unsupported' }>): string {
  return snippet.kind === 'json' ? JSON.stringify(snippet.value, null, 2) : snippet.value;
}
