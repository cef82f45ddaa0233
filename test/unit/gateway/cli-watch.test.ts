// `mcp-harness gateway` following its configuration while it runs: the real gateway process (stdio and HTTP)
// over server-everything and server-memory, its .vscode/mcp.json rewritten during the test the way editors
// save (in place, or to a temporary file renamed over it). Each test waits on the gateway's notifications or
// its stderr lines, never on a sleep.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { isAlive } from '../../../src/core/servers/processTree';
import { buildCli, CLI, EVERYTHING, httpClient, httpGatewaySaid, jsonLines, makeWorkspace, MEMORY, startHttpGateway, stop, textOf, traceFiles, watchedStdioGateway, type HttpGatewayProcess, type WatchedGateway } from './helpers';

function servers(ws: string, entries: Record<string, unknown>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    everything: { command: process.execPath, args: [EVERYTHING] },
    memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'memory.jsonl') } },
  };
  return Object.fromEntries(Object.entries(entries).map(([id, entry]) => [id, entry === true ? all[id] : entry]));
}

/** Writes .vscode/mcp.json as an editor that saves by renaming a temporary file over it does. */
function saveByRename(ws: string, config: unknown): void {
  const tmp = join(ws, '.vscode', '.mcp.json.tmp~');
  writeFileSync(tmp, JSON.stringify(config, null, 2));
  renameSync(tmp, join(ws, '.vscode/mcp.json'));
}

function saveInPlace(ws: string, text: string): void {
  writeFileSync(join(ws, '.vscode/mcp.json'), text);
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

describe('gateway CLI: following its configuration file', function () {
  this.timeout(120_000);
  const cleanup: (() => Promise<unknown>)[] = [];
  before(() => buildCli());
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  function workspace(entries: Record<string, unknown>): string {
    const ws = makeWorkspace();
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, entries) }));
    cleanup.push(async () => rmSync(ws, { recursive: true, force: true }));
    return ws;
  }

  async function gateway(ws: string, extra: string[] = []): Promise<WatchedGateway> {
    const g = await watchedStdioGateway(ws, extra);
    cleanup.push(() => g.client.close());
    return g;
  }

  it('serves a server added to the file (saved by rename): list_changed for its tools and resources, its tools listed and callable in the same session', async () => {
    const ws = workspace({ everything: true });
    const g = await gateway(ws);
    assert.equal(textOf(await g.client.callTool({ name: 'everything__echo', arguments: { message: 'before' } })), 'Echo: before');
    assert.ok(!(await toolNames(g.client)).some((n) => n.startsWith('memory__')));
    saveByRename(ws, { servers: servers(ws, { everything: true, memory: true }) });
    await g.changed('tools');
    await g.changed('resources');
    const names = await toolNames(g.client);
    assert.ok(names.includes('memory__create_entities') && names.includes('everything__echo'), names.join(', '));
    await g.said(/the configuration changed: added memory; serving everything, memory\./);
    const created = await g.client.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote notes'] }] } });
    assert.equal(created.isError, undefined, textOf(created));
    assert.match(textOf(await g.client.callTool({ name: 'memory__read_graph', arguments: {} })), /Ada/);
    assert.ok((await g.client.listResources()).resources.some((r) => r.uri.startsWith('mcp-harness://memory/')));
    // server-memory has no prompts: that list did not change.
    assert.equal(g.heard.prompts, 0);
    await g.client.close();
    // The call before the change was traced in a run that reached everything; the later calls in one that reaches both.
    const headers = traceFiles(ws).map((f) => jsonLines(f)[0]).sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)));
    assert.deepEqual(headers.map((h) => h.servers), [['everything'], ['everything', 'memory']]);
    // One client session: the second run is named after the first, with a note of the reload.
    assert.equal(headers[1].name, `${headers[0].name} · part 2, after a reload (servers +memory)`);
  });

  it('reads another client\'s config file created while it runs (.cursor/mcp.json, in a folder that did not exist)', async () => {
    const ws = workspace({ everything: true });
    const g = await gateway(ws);
    assert.ok(!(await toolNames(g.client)).some((n) => n.startsWith('memory__')));
    mkdirSync(join(ws, '.cursor'));
    writeFileSync(join(ws, '.cursor/mcp.json'), JSON.stringify({ mcpServers: servers(ws, { memory: true }) }));
    await g.changed('tools');
    assert.ok((await toolNames(g.client)).includes('memory__read_graph'));
    await g.said(/the configuration changed: added memory; serving everything, memory\./);
  });

  it('stops a removed server: it leaves tools, resources and prompts (each announced), and its tools can no longer be called', async () => {
    const ws = workspace({ everything: true, memory: true });
    const g = await gateway(ws);
    assert.ok((await toolNames(g.client)).includes('everything__echo'));
    assert.ok((await g.client.listPrompts()).prompts.length > 0);
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, { memory: true }) }));
    await Promise.all([g.changed('tools'), g.changed('resources'), g.changed('prompts')]);
    const names = await toolNames(g.client);
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('memory__')), names.join(', '));
    assert.ok((await g.client.listResources()).resources.every((r) => r.uri.startsWith('mcp-harness://memory/')));
    assert.deepEqual((await g.client.listPrompts()).prompts, []);
    await assert.rejects(g.client.callTool({ name: 'everything__echo', arguments: { message: 'gone' } }), /Unknown tool 'everything__echo'/);
    await g.said(/the configuration changed: removed everything; serving memory\./);
  });

  it('keeps serving the old servers when the file is malformed (one line saying which file and what), then applies the fixed file', async () => {
    const ws = workspace({ everything: true, memory: true });
    const g = await gateway(ws);
    const before = await toolNames(g.client);
    saveInPlace(ws, '{ "servers": { "everything": { "command": ');
    const line = await g.said(/^mcp-harness gateway: .*not applied.*\n/m);
    assert.match(line, /\.vscode[\\/]mcp\.json:1:\d+: error: .+[^.]\. The change was not applied: the gateway keeps serving everything, memory until the file is fixed\.\n$/);
    assert.equal(line.split('\n').length, 2, 'one line');
    assert.deepEqual(await toolNames(g.client), before);
    assert.equal(textOf(await g.client.callTool({ name: 'everything__echo', arguments: { message: 'still here' } })), 'Echo: still here');
    assert.deepEqual(g.heard, { tools: 0, resources: 0, prompts: 0 });
    // A definition that cannot be used (an unknown variable) is not applied either.
    saveInPlace(ws, JSON.stringify({ servers: { everything: { command: process.execPath, args: ['${nosuchvariable}'] } } }));
    await g.said(/nosuchvariable.*The change was not applied/);
    assert.deepEqual(await toolNames(g.client), before);
    // Back to the running configuration: applied, and said so (the last save was not).
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, { everything: true, memory: true }) }));
    await g.said(/the configuration changed: no server changed; serving everything, memory\./);
    // Nothing changed, so nothing was announced (what the gateway sent before that line comes before this answer).
    assert.deepEqual(await toolNames(g.client), before);
    assert.deepEqual(g.heard, { tools: 0, resources: 0, prompts: 0 });
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, { everything: true }) }));
    await g.changed('tools');
    const namesAfter = await toolNames(g.client);
    assert.ok(namesAfter.every((n) => n.startsWith('everything__')), namesAfter.join(', '));
    await g.said(/the configuration changed: removed memory; serving everything\./);
  });

  it('in code mode, run_code\'s mcp.servers() follows the servers added and removed', async () => {
    const ws = workspace({ everything: true });
    const g = await gateway(ws, ['--mode', 'code']);
    const serversNow = async () => {
      const result = await g.client.callTool({ name: 'run_code', arguments: { code: 'return (await mcp.servers()).map((s) => s.name);' } });
      return (JSON.parse(textOf(result)) as { value: string[] }).value;
    };
    assert.deepEqual(await serversNow(), ['everything']);
    saveByRename(ws, { servers: servers(ws, { everything: true, memory: true }) });
    await g.said(/the configuration changed: added memory/);
    assert.deepEqual((await serversNow()).sort(), ['everything', 'memory']);
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, { memory: true }) }));
    await g.said(/the configuration changed: removed everything/);
    assert.deepEqual(await serversNow(), ['memory']);
    assert.equal(g.heard.tools, 0, 'code mode\'s two tools did not change');
  });

  it('in code mode, run_code\'s tools.*, mcp.search and search_tools reach a server added to the file, and not one removed from it', async () => {
    const ws = workspace({ everything: true });
    const g = await gateway(ws, ['--mode', 'code']);
    const run = async (code: string) => JSON.parse(textOf(await g.client.callTool({ name: 'run_code', arguments: { code } }))) as { ok: boolean; value?: unknown; error?: { message: string } };
    const found = async (query: string) => ((await g.client.callTool({ name: 'search_tools', arguments: { query, limit: 50 } })).structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
    assert.deepEqual(await found('knowledge graph'), []);
    saveByRename(ws, { servers: servers(ws, { everything: true, memory: true }) });
    await g.said(/the configuration changed: added memory/);
    // Called by name (the reach plan starts what the code names) and found by words, in the guest and by search_tools.
    const created = await run('const r = await tools.memory.create_entities({ entities: [{ name: "Ada", entityType: "person", observations: ["x"] }] }); return r.isError ?? false;');
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.equal(created.value, false, JSON.stringify(created));
    const searched = await run('return (await mcp.search("create entities")).map((t) => t.name);');
    assert.ok((searched.value as string[]).includes('memory/create_entities'), JSON.stringify(searched));
    assert.ok((await found('create entities')).includes('memory/create_entities'));
    saveInPlace(ws, JSON.stringify({ servers: servers(ws, { memory: true }) }));
    await g.said(/the configuration changed: removed everything/);
    const echoed = await run('return await tools.everything.echo({ message: "hi" });');
    assert.equal(echoed.ok, false, JSON.stringify(echoed));
    const searchedAfter = await run('return (await mcp.search("echo")).map((t) => t.name);');
    assert.ok(!(searchedAfter.value as string[]).some((n) => n.startsWith('everything/')), JSON.stringify(searchedAfter));
    assert.ok(!(await found('echo')).some((n) => n.startsWith('everything/')));
  });

  it('with --no-watch, says at start that it does not follow the files, and serves the configuration read then', async () => {
    const ws = workspace({ everything: true });
    const fixed = await gateway(ws, ['--no-watch']);
    const watching = await gateway(ws);
    await fixed.said(/serving everything on stdio \(direct mode; --no-watch: changes to the config and settings files are not followed\)\n/);
    assert.match(await watching.said(/serving everything on stdio \(.*\)\n/), /\(direct mode\)/);
    const before = await toolNames(fixed.client);
    saveByRename(ws, { servers: servers(ws, { everything: true, memory: true }) });
    await watching.changed('tools');
    assert.ok((await toolNames(watching.client)).includes('memory__read_graph'));
    // The fixed gateway made no watcher (it said so, and its audit start entry says so): nothing is waited for.
    assert.deepEqual(await toolNames(fixed.client), before);
    assert.deepEqual(fixed.heard, { tools: 0, resources: 0, prompts: 0 });
    assert.doesNotMatch(fixed.stderr(), /configuration changed/);
    await fixed.client.close();
    await watching.client.close();
    const starts = jsonLines(join(ws, '.mcp-harness/audit/gateway.jsonl')).filter((e) => e.action === 'start');
    assert.deepEqual(starts.map((e) => e.watch).sort(), [false, true]);
  });

  it('documents --no-watch in its help', () => {
    const help = spawnSync(process.execPath, [CLI, 'gateway', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout + help.stderr, /--no-watch\s+serve the configuration and settings read at start/);
  });

  describe('over HTTP', () => {
    let gw: HttpGatewayProcess | undefined;
    afterEach(async () => {
      if (gw) await stop(gw);
      gw = undefined;
    });

    async function get(path: string): Promise<string> {
      return (await fetch(`${gw!.base}${path}`, { headers: { Authorization: `Bearer ${gw!.token}` } })).text();
    }

    const said = (pattern: RegExp) => httpGatewaySaid(gw!, pattern);

    it('restarts a server whose launch changed under the same name (a restart, not a removal) and drops a removed one from /health, /metrics and the instructions', async () => {
      const ws = workspace({ everything: true, memory: true });
      gw = await startHttpGateway(ws);
      const client = await httpClient(gw);
      await client.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: [] }] } });
      assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'x' } })), 'Echo: x');
      const health = () => get('/health').then((t) => JSON.parse(t).upstreams as { id: string; status: string; pid?: number }[]);
      const memoryBefore = (await health()).find((u) => u.id === 'memory')!;
      const everythingPid = (await health()).find((u) => u.id === 'everything')!.pid!;
      assert.ok(isAlive(everythingPid));
      assert.equal(memoryBefore.status, 'running');
      // memory gets another data file (its launch changed); everything leaves.
      const config = { servers: { memory: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(ws, 'other.jsonl') } } } };
      saveInPlace(ws, JSON.stringify(config));
      await said(/the configuration changed: removed everything; restarted memory; serving memory\./);
      assert.ok(!isAlive(everythingPid), 'the removed server was stopped');
      const after = await health();
      assert.deepEqual(after.map((u) => u.id), ['memory']);
      assert.equal(after[0].status, 'running');
      assert.notEqual(after[0].pid, memoryBefore.pid);
      const metrics = await get('/metrics');
      assert.match(metrics, /^mcp_gateway_upstream_restarts_total\{server="memory"\} 1$/m);
      assert.doesNotMatch(metrics, /upstream_restarts_total\{server="everything"\}/);
      // Same session, same tool names; the restarted server reads its new file.
      assert.doesNotMatch(textOf(await client.callTool({ name: 'memory__read_graph', arguments: {} })), /Ada/);
      const fresh = await httpClient(gw, 'late-client');
      assert.match(fresh.getInstructions() ?? '', /guards these servers: memory\./);
      // MCP gives a server no way to update the instructions of a connected client: it keeps those it got.
      assert.match(client.getInstructions() ?? '', /guards these servers: everything, memory\./);
      await fresh.close();
      await client.close();
      await stop(gw);
      const audit = jsonLines(join(ws, '.mcp-harness/audit/gateway.jsonl')).filter((e) => e.action === 'reload');
      assert.deepEqual(audit.map((e) => [e.added, e.removed, e.restarted]), [[[], ['everything'], ['memory']]]);
    });
  });
});
