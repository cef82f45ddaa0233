// A code run starts only the servers it needs: the real run service over a real ServerManager with three real
// servers from node_modules (everything, memory, filesystem) and a consent hook that records who asked. Code that
// names one server starts that one; code that finds its tools at run time (search, computed names) gets them all;
// a server the scan missed is started (consent asked) on first use; a refused start is the guest's clear
// ToolNotFoundError naming the server; cached tool lists are used without starting.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerDefinition } from '../../../src/core/config/types';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { RunService } from '../../../src/core/run/index';
import { planReach, reachesAnyServer, serversNamedIn, sourcesOf } from '../../../src/core/sandbox/reach';
import { SandboxPool } from '../../../src/core/sandbox/sandbox';
import { registerCodeStepKind } from '../../../src/core/sandbox/session-step';
import { ServerManager } from '../../../src/core/servers/manager';
import { nullLogger } from '../../../src/core/types';
import { stdioDefinition } from '../guards/helpers';

const ROOT = resolve(__dirname, '../../..');
const script = (name: string) => join(ROOT, `node_modules/@modelcontextprotocol/server-${name}/dist/index.js`);

describe('sandbox: a code run starts only the servers it needs', function () {
  this.timeout(120_000);
  const pool = new SandboxPool({ size: 1 });
  let dir: string;
  let manager: ServerManager;
  let service: RunService;
  /** The servers whose start asked for consent, in order; `refuse` lists those the "user" says no to. */
  let asked: string[];
  let refuse: Set<string>;

  before(() => {
    registerCodeStepKind({ sandbox: pool });
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-reach-'));
  });
  after(async () => {
    await pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    asked = [];
    refuse = new Set();
    const memory: ServerDefinition = { ...stdioDefinition('memory', script('memory')), env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } };
    manager = new ServerManager({
      definitions: [stdioDefinition('everything', script('everything')), memory, stdioDefinition('filesystem', script('filesystem'), [dir])],
      logger: nullLogger,
      clientInfo: { name: 'mcp-harness-test', version: '0' },
      requestTimeoutMs: 30_000,
      stopGraceMs: 500,
      consent: async (def) => {
        asked.push(def.id);
        return !refuse.has(def.id);
      },
    });
    service = new RunService({
      connections: manager,
      knownServers: ['everything', 'memory', 'filesystem'],
      policy: { ...DEFAULT_POLICY, trustedServers: ['everything', 'memory', 'filesystem'] },
      guardrails: DEFAULT_GUARDRAILS,
      workspace: dir,
      logger: nullLogger,
    });
  });
  afterEach(() => manager.dispose());

  const running = () => manager.list().filter((s) => s.status === 'running').map((s) => s.id).sort();

  it('finds the servers code names: tools.<server>, tools["server"], "server/tool" literals and the skills it uses', () => {
    const servers = ['everything', 'memory', 'server-filesystem', 'other'];
    assert.deepEqual([...serversNamedIn(['await tools.everything.echo({});'], servers)], ['everything']);
    assert.deepEqual([...serversNamedIn(['tools["memory"].read_graph(); mcp.describe(\'server-filesystem/read_file\')'], servers)].sort(), ['memory', 'server-filesystem']);
    assert.deepEqual([...serversNamedIn(['tools.server_filesystem.read_file({})'], servers)], ['server-filesystem'], 'the sanitised identifier counts');
    assert.deepEqual([...serversNamedIn(['const s = "mem" + "ory"; return mcp.call(s + "/read_graph", {});'], servers)], [], 'a computed name is not guessed');
    const skills = [
      { name: 'graph', source: 'export const all = () => skills.deep.go();' },
      { name: 'deep', source: 'export const go = () => mcp.call("memory/read_graph", {});' },
      { name: 'unused', source: 'export const x = () => tools.other.y();' },
    ];
    assert.deepEqual([...serversNamedIn(sourcesOf('return skills.graph.all();', skills), servers)], ['memory'], 'through skills, transitively; an unused skill names nothing');
  });

  it('knows when code finds its tools at run time: search, servers, computed names and keys, enumerating tools', () => {
    for (const code of ['return mcp.search("file");', 'return await mcp.servers();', 'mcp.call(name, {})', 'mcp.describe(`${s}/x`)', 'mcp.call("a/" + t)', 'tools[s].x()', 'Object.keys(tools)']) {
      assert.equal(reachesAnyServer([code]), true, code);
    }
    for (const code of ['mcp.call("memory/read_graph", {})', "mcp.describe('everything/echo')", 'mcp.call(`everything/echo`)', 'tools.everything.echo({})', 'tools["memory"].read_graph()', 'return 1;']) {
      assert.equal(reachesAnyServer([code]), false, code);
    }
  });

  it('starts (and asks consent for) only the server the code uses; the others stay stopped', async () => {
    const run = await service.runCode('const r = await tools.everything.echo({ message: "hi" }); return r.text;', { noTrace: true });
    assert.equal(run.exec?.ok, true, JSON.stringify(run.exec?.error));
    assert.match(String(run.exec!.value), /hi/);
    assert.deepEqual(asked, ['everything']);
    assert.deepEqual(running(), ['everything']);
  });

  it('lists every server up front (before the clock starts) for code that searches or uses a computed name', async () => {
    const run = await service.runCode('const s = "mem" + "ory"; return [(await mcp.search("graph")).length > 0, (await mcp.call(s + "/read_graph", {})).isError];', { noTrace: true });
    assert.equal(run.exec?.ok, true, JSON.stringify(run.exec?.error));
    assert.deepEqual(run.exec!.value, [true, false]);
    assert.deepEqual(asked, ['everything', 'memory', 'filesystem']);
    assert.deepEqual(running(), ['everything', 'filesystem', 'memory']);
  });

  it('starts a server the scan missed (an aliased mcp.call) on first use, through consent', async () => {
    const run = await service.runCode('const { call, describe } = mcp; const s = "mem" + "ory"; const d = await describe(s + "/read_graph"); const r = await call(s + "/read_graph", {}); return [d.name, r.isError];', { noTrace: true });
    assert.equal(run.exec?.ok, true, JSON.stringify(run.exec?.error));
    assert.deepEqual(run.exec!.value, ['memory/read_graph', false]);
    assert.deepEqual(asked, ['memory']);
    assert.deepEqual(running(), ['memory']);
    assert.equal(run.children.length, 1);
    assert.equal(run.children[0].decision, 'ok');
  });

  it('gives the code a ToolNotFoundError naming the server when its start is refused', async () => {
    refuse.add('filesystem');
    // Named up front and refused: the call fails with why; the run goes on.
    const called = await service.runCode('try { await mcp.call("filesystem/list_allowed_directories", {}); return "called"; } catch (e) { return [e.name, e.message]; }', { noTrace: true });
    const [name, message] = called.exec!.value as string[];
    assert.equal(name, 'ToolNotFoundError');
    assert.match(message, /^The server 'filesystem' is not running and could not be started for this run: filesystem was not started because starting it was not allowed/);
    assert.deepEqual(asked, ['filesystem']);
    assert.deepEqual(running(), []);
    const named = await service.runCode('try { await tools.filesystem.list_allowed_directories({}); } catch (e) { return e.message; }', { noTrace: true });
    assert.match(String(named.exec!.value), /cannot read property 'list_allowed_directories' of undefined/, 'tools.filesystem is absent from the index');

    // Reached on first use and refused: the same error.
    asked = [];
    const late = await service.runCode('const { call } = mcp; const fs = ["file", "system"].join(""); try { await call(fs + "/list_allowed_directories", {}); } catch (e) { return [e.name, e.message]; }', { noTrace: true });
    assert.deepEqual((late.exec!.value as string[])[0], 'ToolNotFoundError');
    assert.match((late.exec!.value as string[])[1], /'filesystem' is not running and could not be started for this run/);
    assert.deepEqual(asked, ['filesystem']);

    // mcp.servers() names a server that could not start, and why.
    const listed = await service.runCode('return await mcp.servers();', { noTrace: true });
    const servers = listed.exec!.value as { name: string; started?: boolean; description: string }[];
    assert.deepEqual(servers.filter((s) => s.started === false).map((s) => s.name), ['filesystem']);
    assert.match(servers.find((s) => s.name === 'filesystem')!.description, /^not started: filesystem was not started because starting it was not allowed/);
  });

  it('uses a cached tool list without starting its server, and the index lists what runs', async () => {
    await manager.start('memory');
    await manager.stop('memory');
    asked = [];
    // `const t = tools` names no server: the index holds what is known without starting anything.
    const run = await service.runCode('const t = tools; return Object.keys(t.memory ?? {});', { noTrace: true });
    assert.equal(run.exec?.ok, true, JSON.stringify(run.exec?.error));
    assert.ok((run.exec!.value as string[]).includes('read_graph'), JSON.stringify(run.exec!.value));
    assert.deepEqual(asked, [], 'nothing was started');
    assert.deepEqual(running(), []);

    // A running server is in the index without being named (and is not asked about again).
    await manager.start('everything');
    asked = [];
    const pipelineReach = await planReach(
      { callTool: () => Promise.reject(new Error('unused')), listTools: () => Promise.reject(new Error('lists everything')), serverReach: () => [{ server: 'everything', running: true }], toolsOf: async (s) => new Map((await manager.connection(s).listTools()).map((t) => [t.name, t])) },
      ['return 1;'],
    );
    assert.ok(pipelineReach.catalog.some((e) => e.server === 'everything' && e.tool.name === 'echo'));
    assert.deepEqual(asked, []);
  });
});
