import * as assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { makeWorkspace } from './helpers';

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => '', cwd, env: { ...process.env, MCP_HARNESS_VERBOSE: '' } });
  return { code, stdout, stderr };
}

describe('mcp-harness gateway: bad arguments', function () {
  this.timeout(30_000);
  let ws: string;
  before(() => (ws = makeWorkspace()));
  after(() => rmSync(ws, { recursive: true, force: true }));

  const cases: [string[], RegExp][] = [
    [['--stdio', '--http', '7410'], /give either --stdio or --http PORT, not both/],
    [['--mode', 'fast'], /--mode must be direct or code \(got 'fast'\)/],
    [['--http', '70000'], /--http PORT must be from 0 to 65535/],
    [['--http', 'abc'], /--http must be a whole number/],
    [['--http', '0', '--rate-limit', '0'], /--rate-limit must be a whole number of at least 1/],
    [['--http', '0', '--max-body-bytes', '10'], /--max-body-bytes must be a whole number of at least 1024/],
    [['--max-calls', '0'], /--max-calls must be a whole number of at least 1/],
    [['--http', '0', '--shutdown-ms', '3000000000'], /--shutdown-ms must be at most 2147483647/],
    [['--http', '0', '--session-idle-ms', '2147483648'], /--session-idle-ms must be at most 2147483647/],
    [['--servers', 'everything,nope'], /no MCP server named 'nope' in this workspace \(known: everything, memory\)/],
  ];
  for (const [args, message] of cases) {
    it(`refuses ${args.join(' ')} with exit 2 and a message saying what to do`, async () => {
      const r = await cli(['gateway', '--workspace', ws, ...args], ws);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing on stdout (it is the MCP channel in stdio mode)');
    });
  }

  it('refuses a token file others can read, with exit 1 and how to fix it', async () => {
    const file = join(ws, 'open-token');
    writeFileSync(file, 'x'.repeat(43));
    chmodSync(file, 0o644);
    const r = await cli(['gateway', '--workspace', ws, '--http', '0', '--token-file', file], ws);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /can be read or written by other users \(mode 644\); make it private \(chmod 600\)/);
  });

  it('is listed in the global help', async () => {
    const r = await cli(['--help'], ws);
    assert.match(r.stdout, /gateway\s+Serve the workspace's MCP servers as one guarded MCP server/);
  });
});
