// The MCP SDK costs ~100 ms of CPU to load (it builds hundreds of zod schemas); activation and CLI start must
// not pay for it. Checked in a fresh process so this suite's own SDK imports do not count.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

describe('ServerManager loads the MCP SDK only when a server starts', () => {
  it('neither importing nor constructing the manager loads the SDK; starting a server does', function () {
    this.timeout(60_000);
    const script = `
      const { ServerManager } = require('./src/core/servers');
      const loaded = () => Object.keys(require.cache).some((k) => /@modelcontextprotocol[\\\\/](sdk|client|core)[\\\\/]/.test(k));
      const before = loaded();
      const manager = new ServerManager({ definitions: [], logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, clientInfo: { name: 't', version: '0' } });
      const afterConstruct = loaded();
      require('./src/core/servers/sdk').mcpSdk();
      console.log(JSON.stringify({ before, afterConstruct, afterStart: loaded() }));
      manager.dispose?.();
    `;
    const res = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout.trim().split('\n').pop()!), { before: false, afterConstruct: false, afterStart: true });
  });
});
