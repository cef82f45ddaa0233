// "MCP Harness (guarded)" following the mcpHarness.* settings while it runs, in the real extension host: a
// client of the in-host gateway calls a tool (allowed), the user denies it in the workspace settings, and the
// client's next call is refused under the new policy — no restart of the gateway or the server. The MCP Harness
// output channel says which settings changed; the client's session goes on in a run named after the first, which
// ended; the audit log records the reload.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import { activateHarness, harnessLogText, waitFor } from '../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const CHANGED = 'MCP Harness (guarded): the settings changed (policy.deny); every client\'s next call applies them.';

function textOf(result: unknown): string {
  return ((result as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');
}

function auditReloads(): Record<string, unknown>[] {
  const file = path.join(folder(), '.mcp-harness/audit/gateway.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.action === 'reload');
}

describe('gateway: MCP Harness (guarded) follows changed settings', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  const settings = () => vscode.workspace.getConfiguration('mcpHarness');

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    // 'memory' is not a trusted server: its tools need the confirmation modal, answered yes here.
    api.testing.setConfirmPrompt(async () => true);
    await api.traceStore.ready();
  });

  after(async () => {
    await settings().update('policy.deny', undefined, vscode.ConfigurationTarget.Workspace);
    await api.gateway.gateway.stop('test over');
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
  });

  it('a tool the user denies while a client is connected is refused at that client\'s next call, and the output channel says which setting changed', async () => {
    const def = (await api.gateway.provider.resolveMcpServerDefinition(api.gateway.provider.provideMcpServerDefinitions()[0]))!;
    const client = new Client({ name: 'vscode-gw-settings', version: '0' });
    const transport = new StreamableHTTPClientTransport(new URL(def.uri.toString(true)), { requestInit: { headers: def.headers } });
    await client.connect(transport);
    try {
      const allowed = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      assert.notEqual(allowed.isError, true, textOf(allowed));
      const first = await waitFor(() => api.traceStore.runs().find((r) => r.header?.name.startsWith('gateway vscode-gw-settings') && r.steps.some((s) => s.tool === 'read_graph')), 'the client\'s run with its call');
      const startedPid = api.servers.state('memory')?.pid;

      await settings().update('policy.deny', ['memory/read_graph'], vscode.ConfigurationTarget.Workspace);
      await waitFor(() => harnessLogText(api.context.extension.logUri).includes(CHANGED), 'the change said in the MCP Harness output channel', 10_000);

      const denied = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      assert.equal(denied.isError, true, textOf(denied));
      assert.match(textOf(denied), /MCP Harness denied this call \(denied_policy\)/);
      assert.match(textOf(denied), /matches the deny rule 'memory\/read_graph'/);
      // The first run ended once no call used it; the session goes on in a run named after it.
      await waitFor(() => first.end, 'the first run to end');
      const second = await waitFor(() => api.traceStore.runs().find((r) => r.id !== first.id && r.header?.name.startsWith(first.header!.name) && r.steps.some((s) => s.decision === 'denied_policy')), 'the run after the reload');
      assert.equal(second.header!.name, `${first.header!.name} · part 2, after a reload (settings: policy.deny)`);
      assert.deepEqual(first.steps.map((s) => s.decision), ['ok']);
      assert.equal(api.servers.state('memory')?.pid, startedPid, 'the server was not restarted');
      // The audit log writes in batches: the entry is there within a moment.
      const reloads = await waitFor(() => (auditReloads().length ? auditReloads() : undefined), 'the reload in the audit log');
      assert.deepEqual(reloads.map((e) => e.settings), [['policy.deny']]);

      // Allowed again: the next call goes through.
      await settings().update('policy.deny', undefined, vscode.ConfigurationTarget.Workspace);
      await waitFor(() => harnessLogText(api.context.extension.logUri).split(CHANGED).length === 3, 'the second change in the output channel', 10_000);
      const again = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      assert.notEqual(again.isError, true, textOf(again));
      await transport.terminateSession();
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
