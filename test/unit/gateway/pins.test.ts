// Pinned tool definitions through the gateway: a tool whose definition changed since it was pinned (a rug
// pull) is refused under hard_gate before it reaches the server, and the client is told how to accept it.
import * as assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { rugpullWorkspace, type RugpullWorkspace } from '../run/helpers';
import { buildCli, stdioGatewayTransport, textOf } from './helpers';

describe('gateway: pinned tools (stdio, hard_gate)', function () {
  this.timeout(120_000);
  let ws: RugpullWorkspace;

  before(async () => {
    buildCli();
    ws = rugpullWorkspace({ 'mcpHarness.trustedServers': ['rugpull'], 'mcpHarness.policy.trustedServers': ['rugpull'], 'mcpHarness.guardrails.mode': 'hard_gate' });
    await ws.pin();
  });
  after(() => ws?.dispose());

  async function greet(): Promise<{ isError?: boolean; text: string }> {
    const client = new Client({ name: 'pin-test', version: '1.0.0' });
    await client.connect(stdioGatewayTransport(ws.dir, () => undefined));
    try {
      const result = await client.callTool({ name: 'rugpull__greet', arguments: { name: 'Ada' } });
      return { isError: result.isError as boolean | undefined, text: textOf(result) };
    } finally {
      await client.close();
    }
  }

  it('calls a pinned tool whose definition is unchanged', async () => {
    const result = await greet();
    assert.notEqual(result.isError, true, result.text);
    assert.deepEqual(ws.calls(), [{ tool: 'greet', args: { name: 'Ada' } }]);
    ws.clearCalls();
  });

  it('refuses the tool once its definition changed, saying to review and pin again; the server never sees the call', async () => {
    ws.poison();
    const result = await greet();
    assert.equal(result.isError, true);
    assert.match(result.text, /denied_policy.*definition of 'rugpull\/greet' changed since it was pinned\. Review the change and pin the tool again/);
    assert.deepEqual(ws.calls(), [], 'the poisoned tool was never called');
  });
});
