import * as assert from 'node:assert/strict';
import { httpClient, textOf, withHttpGateway, type HttpGatewayProcess } from './helpers';

const CLIENTS = 16;
const CALLS = 50;

async function metric(gw: HttpGatewayProcess, name: string): Promise<number> {
  const text = await (await fetch(`${gw.base}/metrics`, { headers: { Authorization: `Bearer ${gw.token}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

// Bounded load on loopback: every client checks that each of its answers is the one it asked for.
describe(`gateway under load (${CLIENTS} clients × ${CALLS} calls over HTTP)`, function () {
  this.timeout(180_000);
  const fixture = withHttpGateway(['--rate-limit', '100000', '--max-concurrent', '8']);

  it('answers every call once, to the client that made it, with its own payload', async () => {
    const gw = fixture.gw;
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => httpClient(gw, `load-${c}`)));
    const results = await Promise.all(
      clients.map(async (client, c) => {
        const seen = new Map<string, number>();
        const mismatched: string[] = [];
        // Each client keeps several calls in flight at once, so answers can overtake each other.
        await Promise.all(
          Array.from({ length: 5 }, async (_, lane) => {
            for (let i = lane; i < CALLS; i += 5) {
              const payload = `client-${c}-call-${i}-${'x'.repeat((c * 7 + i) % 50)}`;
              const text = textOf(await client.callTool({ name: 'everything__echo', arguments: { message: payload } }));
              const got = text.replace(/^Echo: /, '');
              if (got !== payload) mismatched.push(`${payload} → ${text}`);
              seen.set(got, (seen.get(got) ?? 0) + 1);
            }
          }),
        );
        return { seen, mismatched };
      }),
    );
    await Promise.all(clients.map((c) => c.close()));
    for (const [c, { seen, mismatched }] of results.entries()) {
      assert.deepEqual(mismatched, [], `client ${c} got answers meant for others`);
      assert.equal(seen.size, CALLS, `client ${c}: lost answers`);
      assert.ok([...seen.values()].every((n) => n === 1), `client ${c}: duplicated answers`);
    }
    const ok = await metric(gw, 'mcp_gateway_decisions_total{decision="ok"}');
    assert.equal(ok, CLIENTS * CALLS, 'every call was guarded and counted once');
    assert.equal(await metric(gw, 'mcp_gateway_calls_in_flight'), 0);
  });
});
