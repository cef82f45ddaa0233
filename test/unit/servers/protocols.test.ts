// Both protocol generations through one ServerManager: a 2026-07-28-only server (test/fixtures/servers/
// modern.mjs, v2 server package) over stdio and stateless Streamable HTTP, 2025 servers through the legacy
// handshake, the per-server "protocol" setting, input_required reaching the host handlers with the right
// origin, and the remembered 2025 verdicts that spare the CLI a probe per run.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerdictCache, VERDICT_MAX_AGE_MS } from '../../../src/core/servers/negotiation';
import type { ServerRequestContext } from '../../../src/core/servers/serverRequests';
import { cleanup, fixtureDefinition, makeDefinition, newManager, NODE, realServer, rejectsWith, startHttpFixture, textOf } from './helpers';

const modern = (extra = {}) => fixtureDefinition('modern', 'modern.mjs', [], extra);

describe('protocol generations', () => {
  afterEach(cleanup);

  it('speaks 2026-07-28 to a 2026-only server over stdio: tools, structured output, and the state says so', async () => {
    const { manager, logger } = newManager([modern()]);
    const c = await manager.ensureStarted('modern');
    assert.deepEqual(manager.state('modern')!.protocol, { version: '2026-07-28', era: 'modern' });
    assert.deepEqual((await c.listTools()).map((t) => t.name), ['echo', 'add', 'stats', 'confirm', 'sample']);
    assert.equal(textOf(await c.callTool('add', { a: 2, b: 3 })), '5');
    assert.deepEqual((await c.callTool('stats', { values: [1, 2, 3] })).structuredContent, { count: 3, sum: 6, mean: 2 });
    assert.ok(logger.count(/modern is running \(stdio, MCP 2026-07-28/) === 1, logger.lines.join('\n'));
  });

  it('speaks 2026-07-28 over stateless Streamable HTTP', async () => {
    const { port } = await startHttpFixture(['--http'], 'modern.mjs');
    const { manager } = newManager([makeDefinition({ id: 'modern-http', transport: 'http', url: `http://127.0.0.1:${port}/mcp` })]);
    const c = await manager.ensureStarted('modern-http');
    assert.deepEqual(manager.state('modern-http')!.protocol, { version: '2026-07-28', era: 'modern' });
    assert.equal(manager.state('modern-http')!.transportUsed, 'streamable-http');
    assert.equal(textOf(await c.callTool('echo', { text: 'over http' })), 'over http');
  });

  it('speaks 2025 to server-everything through the legacy handshake', async () => {
    const { manager } = newManager([makeDefinition({ id: 'everything', command: NODE, args: [realServer('server-everything')] })]);
    const c = await manager.ensureStarted('everything');
    const protocol = manager.state('everything')!.protocol!;
    assert.equal(protocol.era, 'legacy');
    assert.match(protocol.version, /^2025-\d\d-\d\d$/);
    assert.match(textOf(await c.callTool('echo', { message: 'legacy' })), /legacy/);
  });

  it('fulfils input_required (elicitation and sampling) through the host handlers, each with its own call as origin', async () => {
    const seen: [string, ServerRequestContext][] = [];
    const { manager } = newManager([modern()], {
      serverRequests: {
        async elicit(ctx, params) {
          seen.push(['elicit', ctx]);
          assert.match(params.message, /Do you want to (deploy|delete)\?/);
          return { action: 'accept', content: { confirm: ctx.origin === 'deploy-step' } };
        },
        async createMessage(ctx) {
          seen.push(['sampling', ctx]);
          return { role: 'assistant', model: 'scripted', content: { type: 'text', text: `reply for ${String(ctx.origin)}` } };
        },
      },
    });
    const c = await manager.ensureStarted('modern');
    // Concurrent calls: a 2026 result names its call, so each ask is attributed exactly.
    const [deploy, remove, sample] = await Promise.all([
      c.callTool('confirm', { action: 'deploy' }, { origin: 'deploy-step' }),
      c.callTool('confirm', { action: 'delete' }, { origin: 'delete-step' }),
      c.callTool('sample', { prompt: 'hello' }, { origin: 'sample-step' }),
    ]);
    assert.equal(textOf(deploy), 'confirmed: deploy');
    assert.equal(textOf(remove), 'not confirmed: delete');
    assert.equal(textOf(sample), 'model said: reply for sample-step');
    assert.deepEqual(
      seen.map(([kind, ctx]) => [kind, ctx.server, ctx.origin, ctx.via]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
      [
        ['elicit', 'modern', 'delete-step', 'input_required'],
        ['elicit', 'modern', 'deploy-step', 'input_required'],
        ['sampling', 'modern', 'sample-step', 'input_required'],
      ],
    );
  });

  it('without an elicitation handler, a call that needs input fails with a message naming what is missing', async () => {
    const { manager } = newManager([modern()]);
    await rejectsWith(manager.connection('modern').callTool('confirm', { action: 'deploy' }), 'server_error', /elicitation\/create/);
  });

  it('"protocol": "2026" pins the 2026 generation; "2025" forces the legacy handshake, which a 2026-only server refuses', async () => {
    const { manager } = newManager([modern({ protocol: '2026' }), fixtureDefinition('legacy', 'asks.mjs', [], { protocol: '2026' }), modern({ id: 'old-way', protocol: '2025' })]);
    await manager.ensureStarted('modern');
    assert.equal(manager.state('modern')!.protocol?.version, '2026-07-28');
    await rejectsWith(manager.start('legacy'), 'start_failed', /^Could not start legacy: it speaks only the 2025 generation, and its entry says "protocol": "2026" in .*mcp\.json\. Set "protocol" to "auto" \(or remove it\) to negotiate\.$/);
    await rejectsWith(manager.start('old-way'), 'start_failed', /^Could not start old-way: it speaks only the 2026 generation, and its entry says "protocol": "2025" in .*mcp\.json\. Set "protocol" to "auto"/);
  });
});

describe('remembered 2025 verdicts', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mcp-harness-verdicts-'))));
  afterEach(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a 2025 verdict by definition hash in the file (never a 2026 one) and uses it on the next start', async () => {
    const file = join(dir, 'verdicts.json');
    const legacy = fixtureDefinition('asks', 'asks.mjs');
    const first = newManager([legacy, modern()], { protocolVerdicts: new VerdictCache(file) }).manager;
    await first.startAll();
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), [legacy.hash]);
    const cache = new VerdictCache(file);
    assert.deepEqual(cache.get(legacy.hash), { kind: 'legacy' });
    assert.equal(cache.get(modern().hash), undefined);
    // The next run starts it without the probe, through the legacy handshake.
    const second = newManager([legacy], { protocolVerdicts: cache }).manager;
    await second.ensureStarted('asks');
    assert.equal(second.state('asks')!.protocol?.era, 'legacy');
  });

  it('forgets a verdict after VERDICT_MAX_AGE_MS, and ignores an unreadable file', () => {
    const now = 1_000_000;
    const file = join(dir, 'verdicts.json');
    new VerdictCache(file, () => now).set('h', 'legacy');
    assert.deepEqual(new VerdictCache(file, () => now + VERDICT_MAX_AGE_MS - 1).get('h'), { kind: 'legacy' });
    assert.equal(new VerdictCache(file, () => now + VERDICT_MAX_AGE_MS).get('h'), undefined);
    writeFileSync(file, '{not json');
    assert.equal(new VerdictCache(file).get('h'), undefined);
  });

  it('a 2025 server that exits on the 2026 probe is started again with the 2025 handshake, once; the verdict is kept', async () => {
    const file = join(dir, 'verdicts.json');
    const spawns = join(dir, 'spawns.log');
    const strict = fixtureDefinition('strict', 'legacy-strict.mjs', ['--spawn-log', spawns]);
    const { manager, logger } = newManager([strict], { protocolVerdicts: new VerdictCache(file) });
    const c = await manager.ensureStarted('strict');
    assert.equal(textOf(await c.callTool('echo', { text: 'still here' })), 'still here');
    assert.deepEqual(manager.state('strict')!.protocol?.era, 'legacy');
    assert.equal(readFileSync(spawns, 'utf8').trim().split('\n').length, 2, 'the probe killed one process; one more was started');
    assert.equal(logger.count(/strict exited on the 2026 protocol probe \(server\/discover\); starting it again with the 2025 handshake/), 1);
    assert.deepEqual(new VerdictCache(file).get(strict.hash), { kind: 'legacy' });
    // The next run (a new CLI process, say) knows: one process, no probe.
    const next = newManager([strict], { protocolVerdicts: new VerdictCache(file) }).manager;
    await next.ensureStarted('strict');
    assert.equal(readFileSync(spawns, 'utf8').trim().split('\n').length, 3);
  });

  it('a server that dies at start-up whatever it is sent: tried twice, its own failure reported, no verdict kept', async () => {
    const file = join(dir, 'verdicts.json');
    const dead = fixtureDefinition('dead', 'crash.mjs', ['--at-startup', '--code', '5']);
    const { manager, logger } = newManager([dead], { protocolVerdicts: new VerdictCache(file) });
    await rejectsWith(manager.start('dead'), 'start_failed', /exited with code 5 before the MCP handshake finished\. Its last output was: "crash\.mjs: failing at startup/);
    assert.equal(logger.count(/Starting dead/), 2);
    assert.equal(new VerdictCache(file).get(dead.hash), undefined);
    // A crash loop is not doubled: the next start is one spawn.
    await rejectsWith(manager.restart('dead'), 'start_failed', /exited with code 5/);
    assert.equal(logger.count(/Starting dead/), 3);
    // "protocol": "2025" never probes, so there is nothing to retry.
    const forced = fixtureDefinition('forced', 'crash.mjs', ['--at-startup'], { protocol: '2025' });
    const second = newManager([forced]);
    await assert.rejects(second.manager.start('forced'));
    assert.equal(second.logger.count(/Starting forced/), 1);
  });
});

