// The seam between the connection layer and the client features: what a server asks during a tool call
// reaches the host's handlers with the call's origin, capabilities follow the handlers present, and the
// thin request methods (resources, prompts, completions, subscriptions, logging, _meta) reach the server.
import * as assert from 'node:assert/strict';
import type { ServerRequestContext, ServerRequestHandlers } from '../../../src/core/servers/serverRequests';
import { cleanup, fixtureDefinition, newManager, rejectsWith, textOf, waitUntil } from './helpers';

const asks = () => fixtureDefinition('asks', 'asks.mjs');

/** Handlers that record every context they were called with and answer fixed values. */
function recordingHandlers(): ServerRequestHandlers & { seen: { kind: string; ctx: ServerRequestContext; params?: unknown }[] } {
  const seen: { kind: string; ctx: ServerRequestContext; params?: unknown }[] = [];
  return {
    seen,
    async createMessage(ctx, params) {
      seen.push({ kind: 'sampling', ctx, params });
      return { role: 'assistant', model: 'scripted', content: { type: 'text', text: 'hello from the model' } };
    },
    async elicit(ctx, params) {
      seen.push({ kind: 'elicitation', ctx, params });
      return params.mode === 'url' ? { action: 'decline' } : { action: 'accept', content: { name: 'Ada' } };
    },
    async listRoots(ctx) {
      seen.push({ kind: 'roots', ctx });
      return { roots: [{ uri: 'file:///work/project', name: 'project' }] };
    },
  };
}

describe('server requests reach the host handlers (2025 generation)', () => {
  afterEach(cleanup);

  it('declares no client capability without handlers, and each capability only with its handler', async () => {
    const none = newManager([asks()]).manager;
    assert.deepEqual(JSON.parse(textOf(await none.connection('asks').callTool('caps', {}))), {});
    const some = newManager([asks()], { serverRequests: { listRoots: async () => ({ roots: [] }) } }).manager;
    assert.deepEqual(JSON.parse(textOf(await some.connection('asks').callTool('caps', {}))), { roots: { listChanged: true } });
    const all = newManager([asks()], { serverRequests: recordingHandlers() }).manager;
    assert.deepEqual(JSON.parse(textOf(await all.connection('asks').callTool('caps', {}))), {
      sampling: { tools: {} },
      elicitation: { form: {}, url: {} },
      roots: { listChanged: true },
      // With sampling or elicitation handlers the client is also a task receiver for them (src/core/servers/tasks.ts).
      tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } },
    });
  });

  it('answers sampling, form and URL elicitation and roots during a call, with that call as origin', async () => {
    const handlers = recordingHandlers();
    const { manager } = newManager([asks()], { serverRequests: handlers });
    const asksServer = manager.connection('asks');
    assert.match(textOf(await asksServer.callTool('ask', { what: 'sampling' }, { origin: 'step-1' })), /hello from the model/);
    assert.match(textOf(await asksServer.callTool('ask', { what: 'elicitation' }, { origin: 'step-2' })), /"action":"accept".*Ada/);
    assert.match(textOf(await asksServer.callTool('ask', { what: 'url' }, { origin: 'step-3' })), /"action":"decline"/);
    assert.match(textOf(await asksServer.callTool('ask', { what: 'roots' }, { origin: 'step-4' })), /file:\/\/\/work\/project/);
    assert.deepEqual(
      handlers.seen.map((s) => [s.kind, s.ctx.server, s.ctx.origin, s.ctx.via]),
      [
        ['sampling', 'asks', 'step-1', 'request'],
        ['elicitation', 'asks', 'step-2', 'request'],
        ['elicitation', 'asks', 'step-3', 'request'],
        ['roots', 'asks', 'step-4', 'request'],
      ],
    );
    assert.equal((handlers.seen[0].params as { maxTokens: number }).maxTokens, 20);
    assert.equal((handlers.seen[2].params as { url: string }).url, 'https://example.invalid/form');
    // Each request was answered before its call ended: its signal was let go then, so the end of the call does
    // not abort it afterwards (an SDK request forwarded on it would send a stale notifications/cancelled).
    assert.ok(handlers.seen.every((s) => !s.ctx.signal.aborted));
  });

  it('gives no origin when two calls are in flight (a 2025 request does not say which call caused it)', async () => {
    const handlers = recordingHandlers();
    const { manager } = newManager([asks()], { serverRequests: handlers });
    const c = manager.connection('asks');
    await manager.ensureStarted('asks');
    await Promise.all([c.callTool('ask', { what: 'roots', together: 2 }, { origin: 'a' }), c.callTool('ask', { what: 'roots', together: 2 }, { origin: 'b' })]);
    assert.deepEqual(handlers.seen.map((s) => s.ctx.origin), [undefined, undefined]);
  });

  it('aborts the handler signal when the call that caused the request ends', async () => {
    let ctxSeen: ServerRequestContext | undefined;
    const { manager } = newManager([asks()], {
      serverRequests: {
        elicit: (ctx) =>
          new Promise((_resolve, reject) => {
            ctxSeen = ctx;
            ctx.signal.addEventListener('abort', () => reject(new Error('abandoned')), { once: true });
          }),
      },
    });
    const controller = new AbortController();
    const call = manager.connection('asks').callTool('ask', { what: 'elicitation' }, { origin: 'mine', signal: controller.signal });
    await waitUntil(() => ctxSeen !== undefined);
    assert.equal(ctxSeen!.origin, 'mine');
    assert.equal(ctxSeen!.signal.aborted, false);
    controller.abort();
    await rejectsWith(call, 'cancelled');
    assert.equal(ctxSeen!.signal.aborted, true);
  });

  it('refuses a request whose handler is absent (the server sees an error, the call still ends)', async () => {
    const { manager } = newManager([asks()], { serverRequests: { listRoots: async () => ({ roots: [] }) } });
    const result = await manager.connection('asks').callTool('ask', { what: 'sampling' });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /error: .*(not found|not supported|Method)/i);
  });

  it('sends roots/list_changed to running servers only when the host answers roots', async () => {
    const { manager } = newManager([asks()], { serverRequests: { listRoots: async () => ({ roots: [] }) } });
    await manager.ensureStarted('asks');
    await manager.notifyRootsChanged();
    await manager.notifyRootsChanged();
    assert.equal(textOf(await manager.connection('asks').callTool('roots-changed', {})), '2');
    const without = newManager([asks()]).manager;
    await without.ensureStarted('asks');
    await without.notifyRootsChanged();
    assert.equal(textOf(await without.connection('asks').callTool('roots-changed', {})), '0');
  });
});

describe('the thin request methods for the client features', () => {
  afterEach(cleanup);

  it('merges CallOptions.meta into the _meta of a tool call, next to the progress token', async () => {
    const { manager } = newManager([asks()]);
    const meta = JSON.parse(textOf(await manager.connection('asks').callTool('meta', {}, { meta: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })));
    assert.equal(meta.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.ok('progressToken' in meta);
  });

  it('reads resources, lists templates, gets prompts and completes arguments', async () => {
    const { manager } = newManager([asks()]);
    const read = await manager.readResource('asks', 'asks://greeting/ada');
    assert.deepEqual(read.contents, [{ uri: 'asks://greeting/ada', text: 'hello ada' }]);
    assert.deepEqual((await manager.listResourceTemplates('asks')).map((t) => t.uriTemplate), ['asks://greeting/{name}']);
    const prompt = await manager.getPrompt('asks', 'greet', { name: 'Ada' });
    assert.deepEqual(prompt.messages[0].content, { type: 'text', text: 'Greet Ada.' });
    const completion = await manager.complete('asks', { type: 'ref/resource', uri: 'asks://greeting/{name}' }, { name: 'name', value: 'a' });
    assert.deepEqual(completion.completion.values, ['alice']);
    await rejectsWith(manager.getPrompt('asks', 'missing'), 'server_error', /answered the prompt 'missing' with an error/);
  });

  it('routes log messages and resource updates to the notification handlers', async () => {
    const logs: unknown[] = [];
    const updates: string[] = [];
    const { manager } = newManager([asks()], {
      serverNotifications: { onLog: (server, params) => logs.push([server, params.level, params.data]), onResourceUpdated: (server, uri) => updates.push(`${server} ${uri}`) },
    });
    await manager.setLoggingLevel('asks', 'info');
    await manager.connection('asks').callTool('log', { level: 'debug', message: 'too quiet' });
    await manager.connection('asks').callTool('log', { level: 'warning', message: 'heads up' });
    await waitUntil(() => logs.length >= 1);
    assert.deepEqual(logs, [['asks', 'warning', 'heads up']]);
    await manager.subscribeResource('asks', 'asks://counter');
    await waitUntil(() => updates.length === 1);
    assert.deepEqual(updates, ['asks asks://counter']);
    await manager.unsubscribeResource('asks', 'asks://counter');
  });
});
