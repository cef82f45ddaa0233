// The snippets "Copy Gateway Config for…" writes: each target's shape, and that the stdio entry is the
// CLI's gateway command for the workspace; the gateway leaves such an entry out of its own upstreams.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { CLIENT_TARGETS, clientConfig, clientConfigFile, gatewayLaunch, launchesHarnessGateway } from '../../../src/core/gateway/index';

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
