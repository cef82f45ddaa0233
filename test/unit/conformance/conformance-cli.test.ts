// `mcp-harness conformance` (the built CLI, as a child process) against server-everything over stdio (through the
// bridge) and over Streamable HTTP, and the bridge itself with the SDK's own HTTP client.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioHttpBridge } from '../../../src/core/conformance/bridge';
import { descendants, isAlive } from '../../../src/core/servers/processTree';
import type { ServerDefinition } from '../../../src/core/config/types';
import { runCli as runBuiltCli } from '../lint/cliHelpers';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

const runCli = (args: string[]) => runBuiltCli(CLI, args, ROOT);

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });
}

function everythingDef(folder: string): ServerDefinition {
  return {
    id: 'everything',
    name: 'everything',
    transport: 'stdio',
    command: process.execPath,
    args: [EVERYTHING, 'stdio'],
    source: { file: join(folder, '.vscode/mcp.json'), kind: 'vscode', workspaceFolder: folder, nameRange: { offset: 0, length: 0 }, range: { offset: 0, length: 0 } },
    hash: 'test',
    notes: [],
  };
}

describe('mcp-harness conformance', function () {
  this.timeout(120_000);
  let folder: string;
  let httpServer: ChildProcess | undefined;
  let httpPort: number;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'mcp-harness-conformance-cli-'));
    httpPort = await freePort();
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/mcp.json'),
      JSON.stringify({
        servers: {
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
          'everything-http': { type: 'http', url: `http://127.0.0.1:${httpPort}/mcp` },
          legacy: { type: 'sse', url: 'http://127.0.0.1:9/sse' },
          nowhere: { type: 'http', url: `http://127.0.0.1:${await freePort()}/mcp` },
        },
      }),
    );
  });

  after(async () => {
    if (httpServer && httpServer.exitCode === null) {
      const exited = new Promise((r) => httpServer!.once('exit', r));
      httpServer.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs a server scenario against a stdio server through the bridge and reports it in JSON', async () => {
    const run = await runCli(['conformance', 'everything', '--workspace', folder, '--scenario', 'tools-list', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.server, 'everything');
    assert.equal(report.bridged, true);
    assert.match(report.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.deepEqual(report.scenarios.map((s: { scenario: string }) => s.scenario), ['tools-list']);
    assert.equal(report.scenarios[0].failed, 0);
    assert.ok(report.scenarios[0].passed >= 1);
  });

  it('refuses requests naming a foreign Host (the dns-rebinding-protection scenario passes through the bridge)', async () => {
    const run = await runCli(['conformance', 'everything', '--workspace', folder, '--scenario', 'dns-rebinding-protection']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^dns-rebinding-protection\s+\d+\s+0\s+0/m);
    assert.match(run.stdout, /everything: 1\/1 scenarios pass\./);
  });

  it('exits 1 and prints the first failure when a scenario fails', async () => {
    // server-everything has no tool returning an image under the suite's fixture name.
    const run = await runCli(['conformance', 'everything', '--workspace', folder, '--scenario', 'tools-call-image']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^tools-call-image\s+0\s+1\s+0\s+ToolsCallImage: /m);
    assert.match(run.stdout, /everything: 0\/1 scenarios pass\./);
  });

  it('tests an http server at its own URL, without the bridge', async () => {
    httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(httpPort) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((ready, fail) => {
      let err = '';
      httpServer!.stderr!.on('data', (c) => {
        err += c;
        if (/listening on port/.test(err)) ready();
      });
      httpServer!.once('exit', (code) => fail(new Error(`server-everything streamableHttp exited with ${code}: ${err}`)));
    });
    const run = await runCli(['conformance', 'everything-http', '--workspace', folder, '--scenario', 'server-initialize', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.bridged, false);
    assert.equal(report.url, `http://127.0.0.1:${httpPort}/mcp`);
    assert.equal(report.scenarios[0].scenario, 'server-initialize');
    assert.equal(report.scenarios[0].failed, 0);
  });

  it('says when an http server cannot be reached', async () => {
    const run = await runCli(['conformance', 'nowhere', '--workspace', folder, '--scenario', 'server-initialize']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^server-initialize\s+0\s+1\s+0\s+\S/m);
  });

  it('refuses an SSE-only server, an unknown server, an unknown scenario and a malformed one, saying why', async () => {
    const sse = await runCli(['conformance', 'legacy', '--workspace', folder]);
    assert.equal(sse.code, 1);
    assert.match(sse.stderr, /legacy uses the older HTTP\+SSE transport; the conformance suite tests Streamable HTTP and stdio servers only/);
    const unknown = await runCli(['conformance', 'nope', '--workspace', folder]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown server 'nope'\. Servers in .*: everything, everything-http, legacy, nowhere\./);
    const scenario = await runCli(['conformance', 'everything', '--workspace', folder, '--scenario', 'no-such-scenario']);
    assert.equal(scenario.code, 2);
    assert.match(scenario.stderr, /the conformance suite has no server scenario 'no-such-scenario'\. Server scenarios: server-initialize, .*tools-list/);
    const bad = await runCli(['conformance', 'everything', '--workspace', folder, '--scenario', '../x;y']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--scenario takes a scenario name such as tools-list; got '\.\.\/x;y'/);
  });

  describe('the stdio bridge', () => {
    /** Live server-everything stdio processes started by this test process. */
    const serverProcesses = () =>
      descendants(process.pid).filter((pid) => {
        try {
          return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${EVERYTHING}\0stdio`);
        } catch {
          return false;
        }
      });

    before(function () {
      if (process.platform !== 'linux') this.skip();
    });

    it('gives each HTTP session its own server process, relays requests and progress, and ends the processes on close', async () => {
      const bridge = new StdioHttpBridge(everythingDef(folder), { maxMessageBytes: 1 << 20, stopGraceMs: 1000 });
      const url = await bridge.listen();
      const clients = [new Client({ name: 't', version: '1' }), new Client({ name: 't', version: '1' })];
      try {
        for (const c of clients) await c.connect(new StreamableHTTPClientTransport(new URL(url)));
        const echo = await clients[0].callTool({ name: 'echo', arguments: { message: 'through the bridge' } });
        assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: through the bridge' }]);
        const progress: number[] = [];
        await clients[1].callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
          onprogress: (p) => progress.push(p.progress),
        });
        assert.deepEqual(progress, [1, 2, 3]);
        assert.equal(serverProcesses().length, 2, 'one server process per HTTP session');
      } finally {
        await bridge.close();
      }
      const res = await new Promise<number | undefined>((done) => {
        const req = request(url, { method: 'POST' }, (r) => done(r.statusCode));
        req.on('error', () => done(undefined));
        req.end('{}');
      });
      assert.equal(res, undefined, 'the bridge still answers after close');
      assert.deepEqual(serverProcesses(), [], 'a server process outlived the bridge');
    });
  });
});
