// OpenTelemetry in the real extension host: with mcpHarness.otel.endpoint set to a local OTLP receiver, a
// Run Session's spans arrive (the run, its steps, parentage, decisions as error.type), and "MCP Harness: Export
// Trace as OTLP JSON" writes the same spans from the run's trace file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../../../../src/core/run/types';
import type { HarnessApi } from '../../../../../src/extension/api';
import { decodeRequest, startReceiver, type Receiver } from '../../../../unit/otel/receiver';
import { activateHarness, waitFor } from '../../helpers';

const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('harness workspace: OpenTelemetry export', function () {
  let api: HarnessApi;
  let receiver: Receiver;
  const cfg = () => vscode.workspace.getConfiguration('mcpHarness');

  before(async () => {
    api = await activateHarness<HarnessApi>();
    await api.discovery.ready();
    api.testing.setConsentPrompt(async () => 'allow');
    api.testing.setConfirmPrompt(async () => true);
    receiver = await startReceiver();
  });

  after(async () => {
    await cfg().update('otel.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
    api.testing.setConsentPrompt(undefined);
    api.testing.setConfirmPrompt(undefined);
    await api.servers.stopAll();
    await receiver.close();
  });

  it('exports a Run Session as spans while mcpHarness.otel.endpoint is set, and exports its trace as OTLP JSON', async () => {
    assert.equal(api.context.otel.endpoint, undefined, 'no exporter without the setting');
    await cfg().update('otel.endpoint', receiver.url, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.context.otel.endpoint === `${receiver.url}/v1/traces`, 'the exporter to follow the setting');

    const uri = vscode.Uri.file(path.join(folder(), 'sessions', 'smoke.mcp-session.json'));
    const result = await vscode.commands.executeCommand<SessionResult>('mcpHarness.runSession', uri);
    assert.ok(result?.trace_file, 'Run Session wrote no trace');
    const spans = await receiver.waitFor(4);
    const root = spans.find((s) => s.name === 'session smoke');
    assert.ok(root, spans.map((s) => s.name).join(', '));
    const steps = spans.filter((s) => s.parentSpanId === root.spanId);
    assert.deepEqual(steps.map((s) => [s.attributes['mcp_harness.step.id'], s.name, s.attributes['error.type'] ?? null]).sort(), [
      ['bad-args', 'tools/call echo', 'denied_schema'],
      ['env', 'tools/call get-env', 'denied_policy'],
      ['greet', 'tools/call echo', null],
    ]);
    const greet = steps.find((s) => s.attributes['mcp_harness.step.id'] === 'greet')!;
    assert.equal(greet.attributes['mcp.method.name'], 'tools/call');
    assert.equal(greet.attributes['network.transport'], 'pipe');
    assert.equal(greet.attributes['gen_ai.tool.call.arguments'], undefined, 'no content unless opted in');

    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-harness-otlp-')), 'smoke.otlp.json');
    const exported = await vscode.commands.executeCommand<{ path?: string }>('mcpHarness.exportTraceOtlp', vscode.Uri.file(result.trace_file), { target });
    assert.equal(exported?.path, target);
    const fromFile = decodeRequest(JSON.parse(fs.readFileSync(target, 'utf8')));
    const ids = (list: typeof spans) => list.map((s) => `${s.name} ${s.spanId} ${s.parentSpanId ?? '-'}`).sort();
    assert.deepEqual(ids(fromFile), ids(spans.filter((s) => s.traceId === root.traceId)));

    await cfg().update('otel.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.context.otel.endpoint === undefined, 'the exporter to stop when the setting is cleared');
  });
});
