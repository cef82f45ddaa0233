// "MCP Harness (guarded)" in the real extension host: the server definition provider is registered with
// VS Code and resolves to the in-host gateway; an MCP client (the SDK's, as VS Code's agent would connect)
// calls a tool through it and the call shows live in the Sessions view as a step of a gateway session;
// "Copy Gateway Config for…" copies a snippet per client that really starts a working gateway.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { SessionsNode } from '../../../../src/extension/traces/tree';
import { activateHarness, waitFor } from '../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('gateway: MCP Harness (guarded) for VS Code\'s agent', function () {
  this.timeout(60_000);
  let api: HarnessApi;

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    // 'memory' is not a trusted server: its tools need the confirmation modal, answered yes here.
    api.testing.setConfirmPrompt(async () => true);
    await api.traceStore.ready();
  });

  after(async () => {
    await api.gateway.gateway.stop('test over');
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
  });

  it('is registered, and resolves to the in-host gateway on loopback with a bearer token', async () => {
    assert.equal(api.gateway.registered, true, 'vscode.lm.registerMcpServerDefinitionProvider is in this host and took the provider');
    const defs = api.gateway.provider.provideMcpServerDefinitions();
    assert.equal(defs.length, 1);
    assert.equal(defs[0].label, 'MCP Harness (guarded)');
    const resolved = await api.gateway.provider.resolveMcpServerDefinition(defs[0]);
    assert.ok(resolved);
    assert.match(resolved.uri.toString(true), /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.match(resolved.headers.Authorization ?? '', /^Bearer [A-Za-z0-9_-]{40,}$/);
    const again = await api.gateway.provider.resolveMcpServerDefinition(api.gateway.provider.provideMcpServerDefinitions()[0]);
    assert.equal(again?.uri.toString(), resolved.uri.toString(), 'one gateway per window');
    const refused = await fetch(resolved.uri.toString(true), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 401, 'no token, no answer');
  });

  it('a client\'s tool call goes through the guards and shows live in the Sessions view as a gateway session step', async () => {
    const def = (await api.gateway.provider.resolveMcpServerDefinition(api.gateway.provider.provideMcpServerDefinitions()[0]))!;
    const client = new Client({ name: 'vscode-agent-test', version: '0' });
    const transport = new StreamableHTTPClientTransport(new URL(def.uri.toString(true)), { requestInit: { headers: def.headers } });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'memory__read_graph'), `tools: ${tools.map((t) => t.name).join(', ')}`);
      const result = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      // While the client is still connected: its session is in the view, running, with the call as a step.
      const run = await waitFor(() => api.traceStore.runs().find((r) => r.header?.run_kind === 'gateway' && r.steps.some((s) => s.tool === 'read_graph')), 'the gateway session with its step');
      assert.match(run.header?.name ?? "", /^gateway vscode-agent-test \(http\)/);
      assert.equal(run.end, undefined, 'the session is live until the client goes');
      const step = run.steps.find((s) => s.tool === 'read_graph')!;
      assert.equal(step.server, 'memory');
      assert.equal(step.decision, 'ok');
      const node = (await api.sessionsTree.getChildren()).find((n): n is Extract<SessionsNode, { kind: 'run' }> => n.kind === 'run' && n.run.id === run.id);
      assert.ok(node, 'the Sessions view lists the gateway session');
      const denied = await client.callTool({ name: 'memory__create_entities', arguments: { entities: 'not a list' } });
      assert.equal(denied.isError, true);
      assert.match(JSON.stringify(denied.content), /MCP Harness denied this call \(denied_schema\)/);
      await waitFor(() => run.steps.some((s) => s.tool === 'create_entities' && s.decision === 'denied_schema'), 'the refused call as a step');
      // The client ends its session (DELETE), as a client that shuts down cleanly does.
      await transport.terminateSession();
      await client.close();
      await waitFor(() => run.end, 'the session to end when the client goes');
      assert.equal(run.end!.status, 'failed', 'a refused call makes the session fail');
      assert.equal(run.end!.totals.steps, 2);
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('mcpHarness.gateway.mode "code": the running gateway restarts offering search_tools and run_code, whose calls are guarded steps', async () => {
    const before = (await api.gateway.provider.resolveMcpServerDefinition(api.gateway.provider.provideMcpServerDefinitions()[0]))!;
    assert.equal(await api.gateway.gateway.mode, 'direct');
    const settings = vscode.workspace.getConfiguration('mcpHarness');
    await settings.update('gateway.mode', 'code', vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(async () => (await api.gateway.gateway.mode) === undefined, 'the direct-mode gateway to stop when the mode changed');
      const defs = api.gateway.provider.provideMcpServerDefinitions();
      assert.match(defs[0].version ?? '', /\+code\+/, 'the definition\'s version names the mode, so VS Code refreshes the tools');
      const def = (await api.gateway.provider.resolveMcpServerDefinition(defs[0]))!;
      assert.notEqual(def.uri.toString(), before.uri.toString(), 'a new gateway listens');
      assert.equal(await api.gateway.gateway.mode, 'code');
      const client = new Client({ name: 'vscode-agent-code', version: '0' });
      const transport = new StreamableHTTPClientTransport(new URL(def.uri.toString(true)), { requestInit: { headers: def.headers } });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name), ['search_tools', 'run_code']);
        const found = await client.callTool({ name: 'search_tools', arguments: { query: 'read graph' } });
        assert.match(JSON.stringify(found.content), /memory\/read_graph/);
        const ran = await client.callTool({ name: 'run_code', arguments: { code: 'const g = await tools.memory.read_graph({}); return { got: typeof g, via: "sandbox" };' } });
        assert.notEqual(ran.isError, true, JSON.stringify(ran.content));
        // The code's return value, as run_code's text (JSON inside the content's JSON).
        assert.match(JSON.stringify(ran.content), /\\"got\\":\s*\\"object\\".*\\"via\\":\s*\\"sandbox\\"/s);
        const run = await waitFor(() => api.traceStore.runs().find((r) => r.header?.name.startsWith('gateway vscode-agent-code') && r.steps.some((s) => s.tool === 'read_graph')), 'the gateway session with run_code\'s guarded call');
        const call = run.steps.find((s) => s.tool === 'read_graph')!;
        assert.equal(call.decision, 'ok');
        assert.ok(call.parent_id, 'the tool call is a child of the run_code step');
        await transport.terminateSession();
      } finally {
        await client.close().catch(() => undefined);
      }
    } finally {
      await settings.update('gateway.mode', undefined, vscode.ConfigurationTarget.Workspace);
      await waitFor(async () => (await api.gateway.gateway.mode) === undefined, 'the code-mode gateway to stop when the mode was reset');
    }
  });

  for (const target of ['claude-desktop', 'cursor', 'claude-code', 'vscode'] as const) {
    it(`copies a ${target} snippet that starts the gateway for this workspace`, async () => {
      const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', target);
      assert.ok(text, 'the command returned the snippet');
      assert.equal(await vscode.env.clipboard.readText(), text, 'the snippet is on the clipboard');
      const json = JSON.parse(text) as Record<string, Record<string, { type?: string; command: string; args: string[] }>>;
      const entry = (target === 'vscode' ? json.servers : json.mcpServers)['mcp-harness'];
      assert.ok(entry, `the entry is under ${target === 'vscode' ? 'servers' : 'mcpServers'}`);
      if (target === 'claude-code' || target === 'vscode') assert.equal(entry.type, 'stdio');
      else assert.equal(entry.type, undefined);
      assert.equal(entry.command, process.execPath);
      assert.equal(path.basename(entry.args[0]), 'cli.js');
      assert.deepEqual(entry.args.slice(1), ['gateway', '--stdio', '--workspace', folder()]);
    });
  }

  for (const target of ['vscode', 'cursor', 'claude-code'] as const) {
    it(`copies a ${target} snippet for a gateway over HTTP, with the token referenced, not written`, async () => {
      const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', target, { transport: 'http', port: 9123 });
      assert.ok(text, 'the command returned the snippet');
      assert.equal(await vscode.env.clipboard.readText(), text);
      const token = await api.gateway.gateway.start().then((g) => g.token);
      assert.ok(!text.includes(token), 'the in-host gateway\'s token is not in the snippet');
      if (target === 'claude-code') {
        assert.equal(text, 'claude mcp add --transport http mcp-harness http://127.0.0.1:9123/mcp --header "Authorization: Bearer $MCP_HARNESS_GATEWAY_TOKEN"');
        return;
      }
      const json = JSON.parse(text) as Record<string, Record<string, { type?: string; url: string; headers: Record<string, string> }>>;
      const entry = (target === 'vscode' ? json.servers : json.mcpServers)['mcp-harness'];
      assert.equal(entry.url, 'http://127.0.0.1:9123/mcp');
      assert.equal(entry.type, target === 'vscode' ? 'http' : undefined);
      assert.equal(entry.headers.Authorization, target === 'vscode' ? 'Bearer ${input:mcp-harness-gateway-token}' : 'Bearer ${env:MCP_HARNESS_GATEWAY_TOKEN}');
    });
  }

  it('refuses an HTTP snippet for Claude Desktop (stdio only) and leaves the clipboard alone', async () => {
    await vscode.env.clipboard.writeText('unchanged');
    const text = await vscode.commands.executeCommand<string | undefined>('mcpHarness.copyGatewayConfig', 'claude-desktop', { transport: 'http', port: 9123 });
    assert.equal(text, undefined);
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });

  it('the copied snippet really starts a gateway that serves this workspace\'s servers', async () => {
    const text = await vscode.commands.executeCommand<string>('mcpHarness.copyGatewayConfig', 'claude-desktop');
    const entry = JSON.parse(text!).mcpServers['mcp-harness'] as { command: string; args: string[]; env?: Record<string, string> };
    const client = new Client({ name: 'claude-desktop-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...(process.env as Record<string, string>), ...entry.env }, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'memory__read_graph'), `tools: ${tools.map((t) => t.name).join(', ')}`);
    } finally {
      await client.close();
    }
  });
});
