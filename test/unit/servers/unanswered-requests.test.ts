// failUnansweredRequests keeps a table of the requests open over Streamable HTTP; a request the client gave up on
// (timed out or cancelled) must leave it, or a long-lived connection (a gateway's upstream) grows without end.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { failUnansweredRequests } from '../../../src/core/servers/unansweredRequests';
import { EVERYTHING } from '../guards/helpers';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('failUnansweredRequests: requests the client gave up on', function () {
  this.timeout(60_000);
  let server: ChildProcess | undefined;
  let url: URL;

  before(async () => {
    const port = await freePort();
    server = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((ready, fail) => {
      let err = '';
      server!.stderr!.on('data', (c) => {
        err += c;
        if (/listening on port/.test(err)) ready();
      });
      server!.once('exit', (code) => fail(new Error(`server-everything streamableHttp exited with ${code}: ${err}`)));
    });
    url = new URL(`http://127.0.0.1:${port}/mcp`);
  });
  after(() => server?.kill());

  it('forgets a request that timed out or was cancelled, and one that was answered', async () => {
    const transport = failUnansweredRequests(new StreamableHTTPClientTransport(url));
    const client = new Client({ name: 'unanswered-test', version: '0' });
    await client.connect(transport);
    try {
      assert.equal(transport.openRequests, 0);
      await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      assert.equal(transport.openRequests, 0, 'an answered request is forgotten');
      // The operation takes 5 s; the client stops waiting after 300 ms (the SDK cancels the request).
      await assert.rejects(client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } }, { timeout: 300 }), /timed out|timeout/i);
      assert.equal(transport.openRequests, 0, 'a timed-out request is forgotten');
      const aborted = new AbortController();
      const call = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } }, { signal: aborted.signal });
      setTimeout(() => aborted.abort(new Error('the user cancelled')), 200);
      await assert.rejects(call, /cancelled/);
      assert.equal(transport.openRequests, 0, 'a cancelled request is forgotten');
    } finally {
      await client.close();
    }
  });
});
