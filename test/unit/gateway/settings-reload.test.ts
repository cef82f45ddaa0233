// A plain tool call in flight while the gateway's settings change: it finishes under the settings it began with and
// its result reaches the client; the client's next call is served under the new ones, in a new run named after the
// first. The real gateway core over a real ServerManager running the `slow` fixture (held until the test releases
// it), the settings applied as both hosts apply them (LiveGatewaySettings, applyGatewaySettings), a real SDK client.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { GatewayCore } from '../../../src/core/gateway/core';
import { applyGatewaySettings, LiveGatewaySettings } from '../../../src/core/gateway/settings';
import { settingsJsonReader, settingsToConfig } from '../../../src/core/guards/settings';
import { RunService } from '../../../src/core/run/service';
import { ServerManager } from '../../../src/core/servers/manager';
import { nullLogger } from '../../../src/core/types';
import { ROOT, stdioDefinition } from '../guards/helpers';
import { jsonLines, textOf, traceFiles } from './helpers';

const SLOW = join(ROOT, 'test/fixtures/servers/slow.mjs');
const FALLBACKS = { policy: 'sampling stays denied', maxTokens: 'the default cap applies' };

/** The runs traced so far, oldest first: each one's name, steps and whether its end line is written. */
function runs(ws: string): { name: string; ended: boolean; steps: Record<string, unknown>[] }[] {
  return traceFiles(ws)
    .map((file) => jsonLines(file))
    .sort((a, b) => String(a[0].started_at).localeCompare(String(b[0].started_at)))
    .map((lines) => ({ name: String(lines[0].name), ended: lines.some((l) => l.type === 'end'), steps: lines.filter((l) => l.type === 'step') }));
}

async function eventually<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gateway: a tool call in flight across a settings reload', function () {
  this.timeout(60_000);
  let ws: string;
  let manager: ServerManager;
  let core: GatewayCore;
  let client: Client;
  let settings: LiveGatewaySettings;
  const calls = () => join(ws, 'calls.log');
  const release = () => join(ws, 'release');

  /** The workspace settings as they are now (a settings.json object), applied as a host applies a saved change. */
  function save(values: Record<string, unknown>): string[] {
    const read = settingsJsonReader({ 'mcpHarness.policy.trustedServers': ['slow'], ...values });
    const { applied } = settings.update(read, settingsToConfig(read));
    if (applied.length) applyGatewaySettings(core, settings.current, applied);
    return applied;
  }

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'mcp-harness-gw-inflight-'));
    const slow = stdioDefinition('slow', SLOW, ['--call-log', join(ws, 'calls.log'), '--until', join(ws, 'release')]);
    manager = new ServerManager({ definitions: [slow], logger: nullLogger, clientInfo: { name: 'mcp-harness-test', version: '0' }, stopGraceMs: 200 });
    const read = settingsJsonReader({ 'mcpHarness.policy.trustedServers': ['slow'] });
    settings = new LiveGatewaySettings(read, settingsToConfig(read), FALLBACKS, (p) => assert.fail(p));
    const service = new RunService({ connections: manager, knownServers: ['slow'], traceDir: join(ws, '.mcp-harness/traces'), confirm: async () => true });
    core = new GatewayCore({
      upstreams: manager,
      servers: ['slow'],
      // As the CLI gateway opens a run: under the settings in use when it opens.
      openRun: (r) => service.open({ name: r.name, servers: r.servers, signal: r.signal, dedup: r.dedup, kind: 'gateway', answerers: r.answerers, policy: settings.current.harness.policy, guardrails: settings.current.harness.guardrails }),
      policy: () => settings.current.harness.policy,
      version: '0',
      logger: nullLogger,
    });
    const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'inflight', version: '1.0.0' });
    await core.connect(gatewaySide, 'inflight');
    await client.connect(clientSide);
  });

  after(async () => {
    if (ws) writeFileSync(release(), '');
    await client?.close().catch(() => undefined);
    await core?.close();
    await manager?.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  it('finishes under the policy it began with and its result reaches the client; the next call is denied under the new one, in the next run', async () => {
    // `slow` has no annotations: its tool counts as destructive, confirmed here as `--yes` does.
    const inFlight = client.callTool({ name: 'slow__slow', arguments: { ms: 0 } });
    await eventually('the call under way at the server', () => (existsSync(calls()) && readFileSync(calls(), 'utf8').includes('call') ? true : undefined));

    assert.deepEqual(save({ 'mcpHarness.policy.deny': ['slow/slow'] }), ['policy.deny']);
    // The run stays open while its call runs.
    assert.deepEqual(runs(ws).map((r) => r.ended), [false]);

    writeFileSync(release(), '');
    const result = await inFlight;
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(textOf(result), 'slept 0 ms');
    // Done: the old run ends with the call as its one step, allowed.
    await eventually('the old run\'s end line', () => (runs(ws)[0]?.ended ? true : undefined));
    const [old] = runs(ws);
    assert.deepEqual(old.steps.map((s) => [s.tool, s.decision]), [['slow', 'ok']]);

    const next = await client.callTool({ name: 'slow__slow', arguments: { ms: 0 } });
    assert.equal(next.isError, true);
    assert.match(textOf(next), /MCP Harness denied this call \(denied_policy\): 'slow\/slow' matches the deny rule 'slow\/slow'/);
    assert.equal(readFileSync(calls(), 'utf8').match(/call/g)?.length, 1, 'the denied call never reached the server');
    const after = await eventually('the denied call traced in the next run', () => (runs(ws)[1]?.steps.length ? runs(ws)[1] : undefined));
    assert.equal(after.name, `${old.name} · part 2, after a reload (settings: policy.deny)`);
    assert.deepEqual(after.steps.map((s) => [s.tool, s.decision]), [['slow', 'denied_policy']]);
    assert.equal(after.ended, false, 'the client is still connected');
  });
});
