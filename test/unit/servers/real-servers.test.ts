import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, isAlive, makeDefinition, newManager, NODE, realServer, textOf } from './helpers';

describe('ServerManager with the real reference servers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-harness-real-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from the filesystem server');
  });
  afterEach(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const everything = () => makeDefinition({ id: 'everything', command: NODE, args: [realServer('server-everything')] });
  const filesystem = () => makeDefinition({ id: 'filesystem', command: NODE, args: [realServer('server-filesystem'), dir] });
  const memory = () => makeDefinition({ id: 'memory', command: NODE, args: [realServer('server-memory')], env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } });

  it('spawns nothing until a server is needed', () => {
    const { manager, logger } = newManager([everything(), filesystem(), memory()]);
    assert.deepEqual(manager.list().map((s) => [s.id, s.status, s.pid]), [
      ['everything', 'stopped', undefined],
      ['filesystem', 'stopped', undefined],
      ['memory', 'stopped', undefined],
    ]);
    assert.equal(logger.count(/Starting/), 0);
  });

  it('starts server-everything, lists every tool, resources and prompts, calls echo and stops it', async () => {
    const { manager } = newManager([everything()]);
    const connection = await manager.ensureStarted('everything');
    const state = manager.state('everything')!;
    assert.equal(state.status, 'running');
    assert.equal(state.transportUsed, 'stdio');
    assert.ok(state.pid && isAlive(state.pid));
    const tools = await connection.listTools();
    assert.ok(tools.some((t) => t.name === 'echo'), `echo missing from ${tools.map((t) => t.name)}`);
    // server-everything pages its resources; all of them must arrive.
    assert.ok((state.resources?.length ?? 0) > 0, `only ${state.resources?.length} resources`);
    assert.ok((state.prompts?.length ?? 0) > 0);
    const result = await connection.callTool('echo', { message: 'hi there' });
    assert.match(textOf(result), /hi there/);
    await manager.stop('everything');
    assert.equal(manager.state('everything')!.status, 'stopped');
    assert.throws(() => process.kill(state.pid!, 0), /ESRCH/);
  });

  it('reads a file through server-filesystem and stores an entity in server-memory', async () => {
    const { manager } = newManager([filesystem(), memory()]);
    const fs = manager.connection('filesystem');
    const text = textOf(await fs.callTool('read_text_file', { path: join(dir, 'hello.txt') }));
    assert.match(text, /hello from the filesystem server/);
    const mem = manager.connection('memory');
    await mem.callTool('create_entities', { entities: [{ name: 'harness', entityType: 'tool', observations: ['tested'] }] });
    const graph = textOf(await mem.callTool('read_graph', {}));
    assert.match(graph, /harness/);
  });

  it('starts the three demo servers in parallel and stops them all without orphans', async () => {
    const { manager } = newManager([everything(), filesystem(), memory()]);
    const results = await manager.startAll(['everything', 'filesystem', 'memory']);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
    const pids = manager.list().map((s) => s.pid!);
    assert.equal(new Set(pids).size, 3);
    assert.ok(manager.list().every((s) => s.status === 'running' && (s.tools?.length ?? 0) > 0));
    await manager.stopAll();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} still alive`);
  });
});
