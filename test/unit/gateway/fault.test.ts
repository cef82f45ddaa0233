import * as assert from 'node:assert/strict';
import { httpClient, textOf, withHttpGateway, type HttpGatewayProcess } from './helpers';

async function get(gw: HttpGatewayProcess, path: string): Promise<string> {
  return (await fetch(`${gw.base}${path}`, { headers: { Authorization: `Bearer ${gw.token}` } })).text();
}

describe('gateway with an upstream server killed mid-call', function () {
  this.timeout(120_000);
  // No retry: the policy would otherwise run the read-only call again on the restarted server.
  const fixture = withHttpGateway([], { 'mcpHarness.policy.retries': 0 });

  it('fails the call in flight cleanly, restarts the server for the next call and counts the restart', async () => {
    const gw = fixture.gw;
    const client = await httpClient(gw);
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'before' } })), 'Echo: before');
    const before = JSON.parse(await get(gw, '/health')).upstreams.find((u: { id: string }) => u.id === 'everything');
    const slow = client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 20, steps: 20 } }, undefined, { timeout: 60_000 });
    for (let i = 0; i < 400 && JSON.parse(await get(gw, '/health')).calls_in_flight < 1; i++) await new Promise((r) => setTimeout(r, 25));
    process.kill(before.pid, 'SIGKILL');
    const failed = await slow;
    assert.equal(failed.isError, true);
    assert.match(textOf(failed), /^The call failed \(error\): everything stopped while running the tool 'trigger-long-running-operation': the process was killed by SIGKILL/);
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } })), 'Echo: after');
    const after = JSON.parse(await get(gw, '/health')).upstreams.find((u: { id: string }) => u.id === 'everything');
    assert.equal(after.status, 'running');
    assert.notEqual(after.pid, before.pid);
    assert.match(await get(gw, '/metrics'), /^mcp_gateway_upstream_restarts_total\{server="everything"\} 1$/m);
    assert.match(await get(gw, '/metrics'), /^mcp_gateway_decisions_total\{decision="error"\} 1$/m);
    await client.close();
  });
});
