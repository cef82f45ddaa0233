// The snippets "Copy Gateway Config for…" writes: each target's shape, and that the stdio entry is the
// CLI's gateway command for the workspace; the gateway leaves such an entry out of its own upstreams.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  clientPort,
  CLIENT_TARGETS,
  clientConfig,
  clientConfigFile,
  gatewayLaunch,
  httpClientConfig,
  httpGatewayUrl,
  httpSnippetText,
  launchesHarnessGateway,
  readTokenIfPresent,
  TOKEN_ENV,
  TOKEN_INPUT,
} from '../../../src/core/gateway/index';
import { withHttpGateway } from './helpers';

const cli = { command: '/opt/node', args: ['/ext/dist/cli.js'] };

describe('gateway client config snippets', () => {
  it('builds the gateway command for the workspace, with mode and servers when given', () => {
    assert.deepEqual(gatewayLaunch(cli, { workspace: '/w' }), { command: '/opt/node', args: ['/ext/dist/cli.js', 'gateway', '--stdio', '--workspace', '/w'] });
    assert.deepEqual(gatewayLaunch({ ...cli, env: { ELECTRON_RUN_AS_NODE: '1' } }, { workspace: '/w', mode: 'code', servers: ['a', 'b'] }), {
      command: '/opt/node',
      args: ['/ext/dist/cli.js', 'gateway', '--stdio', '--workspace', '/w', '--mode', 'code', '--servers', 'a,b'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });

  it('puts the entry where each client reads it', () => {
    const launch = gatewayLaunch(cli, { workspace: '/w' });
    const entry = { command: launch.command, args: launch.args };
    assert.deepEqual(clientConfig('claude-desktop', launch), { mcpServers: { 'mcp-harness': entry } });
    assert.deepEqual(clientConfig('cursor', launch), { mcpServers: { 'mcp-harness': entry } });
    assert.deepEqual(clientConfig('claude-code', launch), { mcpServers: { 'mcp-harness': { type: 'stdio', ...entry } } });
    assert.deepEqual(clientConfig('vscode', launch), { servers: { 'mcp-harness': { type: 'stdio', ...entry } } });
    assert.deepEqual(CLIENT_TARGETS.map((t) => t.id), ['claude-desktop', 'cursor', 'claude-code', 'vscode']);
  });

  it('names each client\'s config file', () => {
    assert.equal(clientConfigFile('cursor', '/w'), join('/w', '.cursor', 'mcp.json'));
    assert.equal(clientConfigFile('claude-code', '/w'), join('/w', '.mcp.json'));
    assert.equal(clientConfigFile('vscode', '/w'), join('/w', '.vscode', 'mcp.json'));
    assert.equal(clientConfigFile('claude-desktop', '/w', 'linux', { XDG_CONFIG_HOME: '/cfg' }), join('/cfg', 'Claude', 'claude_desktop_config.json'));
    assert.equal(clientConfigFile('claude-desktop', '/w', 'win32', { APPDATA: 'C:/AppData' }), join('C:/AppData', 'Claude', 'claude_desktop_config.json'));
    assert.match(clientConfigFile('claude-desktop', '/w', 'darwin', {}), /Library\/Application Support\/Claude\/claude_desktop_config\.json$/);
  });

  it('a workspace config holding the copied entry is not served by the gateway it starts', () => {
    const { command, args } = gatewayLaunch(cli, { workspace: '/w' });
    assert.equal(launchesHarnessGateway({ transport: 'stdio', command, args }), true);
  });
});

describe('gateway client config snippets over HTTP', () => {
  const url = httpGatewayUrl(8931);
  const token = 'tok_' + 'A'.repeat(40);

  it('VS Code mcp.json: type http, the token from a password input unless included', () => {
    assert.equal(url, 'http://127.0.0.1:8931/mcp');
    assert.deepEqual(httpClientConfig('vscode', { url }), {
      kind: 'json',
      value: {
        inputs: [{ type: 'promptString', id: TOKEN_INPUT, description: 'MCP Harness gateway token (printed when the gateway first starts; kept in its token file)', password: true }],
        servers: { 'mcp-harness': { type: 'http', url, headers: { Authorization: `Bearer \${input:${TOKEN_INPUT}}` } } },
      },
    });
    assert.deepEqual(httpClientConfig('vscode', { url, token }), { kind: 'json', value: { servers: { 'mcp-harness': { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } } });
  });

  it('Cursor: url and headers, the token from ${env:…} unless included', () => {
    assert.deepEqual(httpClientConfig('cursor', { url }), { kind: 'json', value: { mcpServers: { 'mcp-harness': { url, headers: { Authorization: `Bearer \${env:${TOKEN_ENV}}` } } } } });
    assert.deepEqual(httpClientConfig('cursor', { url, token }), { kind: 'json', value: { mcpServers: { 'mcp-harness': { url, headers: { Authorization: `Bearer ${token}` } } } } });
  });

  it('Claude Code: a `claude mcp add --transport http` command with the header', () => {
    assert.deepEqual(httpClientConfig('claude-code', { url }), { kind: 'command', value: `claude mcp add --transport http mcp-harness ${url} --header "Authorization: Bearer $${TOKEN_ENV}"` });
    const withToken = httpClientConfig('claude-code', { url, token });
    assert.equal(withToken.kind === 'command' && withToken.value, `claude mcp add --transport http mcp-harness ${url} --header "Authorization: Bearer ${token}"`);
  });

  it('Claude Desktop: no HTTP snippet, and the reason says to use stdio or a bridge', () => {
    const snippet = httpClientConfig('claude-desktop', { url, token });
    assert.equal(snippet.kind, 'unsupported');
    assert.match(snippet.kind === 'unsupported' ? snippet.reason : '', /stdio servers only: copy the stdio config.*stdio-to-HTTP bridge/);
    assert.ok(!JSON.stringify(snippet).includes(token), 'the token is not in the refusal');
  });

  it('the token is in no snippet unless it was passed', () => {
    for (const t of CLIENT_TARGETS) {
      const s = httpClientConfig(t.id, { url });
      assert.ok(!JSON.stringify(s).includes('tok_'), t.id);
      if (s.kind !== 'unsupported') assert.ok(httpSnippetText(s).length > 0);
    }
    assert.match(httpSnippetText({ kind: 'json', value: { a: 1 } }), /^\{\n {2}"a": 1\n\}$/);
  });
});

describe('an HTTP snippet reaches a running gateway', function () {
  this.timeout(120_000);
  const state = withHttpGateway();

  for (const target of ['vscode', 'cursor'] as const) {
    it(`${target}: the snippet's URL and header (token included) list the gateway's tools`, async () => {
      const port = Number(new URL(state.gw.url).port);
      const snippet = httpClientConfig(target, { url: httpGatewayUrl(port), token: state.gw.token });
      assert.equal(snippet.kind, 'json');
      const value = (snippet as { value: Record<string, Record<string, { url: string; headers: Record<string, string> }>> }).value;
      const entry = (target === 'vscode' ? value.servers : value.mcpServers)['mcp-harness'];
      const client = new Client({ name: `${target}-snippet`, version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } }));
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'everything__echo'), tools.map((t) => t.name).join(', '));
      } finally {
        await client.close();
      }
    });
  }

  it('the token file is read, never created, when the user includes the token', () => {
    const tokenFile = join(state.ws, 'token');
    assert.equal(readTokenIfPresent(tokenFile), state.gw.token);
    assert.equal(readTokenIfPresent(join(state.ws, 'no-such-token')), undefined);
    assert.equal(existsSync(join(state.ws, 'no-such-token')), false);
  });
});

describe('gateway client port (the one rule for Copy Gateway Config\'s argument and input box)', () => {
  it('takes 1 to 65535, as a number or as the digits a user typed', () => {
    for (const [value, port] of [[1, 1], [8931, 8931], [65535, 65535], ['8931', 8931], [' 443 ', 443]] as const) assert.equal(clientPort(value), port, JSON.stringify(value));
  });

  it('refuses anything else', () => {
    for (const value of [0, -1, 65536, 70000, 1.5, Number.NaN, '', '0', '65536', '80a', '8e3', '0x50', '1.5', '-1', true, null, undefined, [8931], { port: 8931 }]) {
      assert.equal(clientPort(value), undefined, JSON.stringify(value));
    }
  });
});
