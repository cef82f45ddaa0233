// The reconciling part of VS Code's resource subscriptions (open resource tabs ↔ resources/subscribe) over a real
// server (the client-ui fixture, which lists the subscriptions it holds): a server that runs again after it stopped
// is subscribed again, a reconcile that fails is reported without stopping the ones after it, and a server that
// leaves the configuration leaves nothing behind in the reconciler's bookkeeping.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ClientServerFeatures } from '../../../src/extension/client/serverFeatures';
import { SubscriptionReconciler, type SubscriptionTarget } from '../../../src/extension/client/subscriptionReconciler';
import type { ServerManager } from '../../../src/core/servers/manager';
import { FIXTURES, makeManager, stdioDefinition } from '../guards/helpers';

const COUNTER = 'ui://data/counter.txt';

describe('client: resource subscriptions reconciled with the open resource documents', function () {
  this.timeout(30_000);
  const ui = stdioDefinition('ui', join(FIXTURES, 'client-ui.mjs'));
  let manager: ServerManager;
  let reconciler: SubscriptionReconciler;
  let wanted: () => SubscriptionTarget[];
  let refused: string[];
  let failed: string[];

  /** What the server process holds now. */
  async function onServer(server = 'ui'): Promise<string[]> {
    const result = await manager.callTool(server, 'subscriptions', {});
    return JSON.parse((result.content[0] as { text: string }).text) as string[];
  }

  beforeEach(async () => {
    manager = makeManager([ui]);
    // Running before the reconciler hears of it (as at a window's start with the server already up).
    await manager.ensureStarted('ui');
    const features = new ClientServerFeatures(manager);
    wanted = () => [{ server: 'ui', uri: COUNTER }];
    refused = [];
    failed = [];
    reconciler = new SubscriptionReconciler(features, () => wanted(), { refused: (server, m) => void refused.push(`${server}: ${m}`), failed: (m) => void failed.push(m) });
  });
  afterEach(async () => {
    reconciler.stop();
    await manager.stopAll();
  });

  it('subscribes the restarted server again (the old process took the subscription with it)', async () => {
    await reconciler.sync();
    assert.deepEqual(await onServer(), [COUNTER]);
    const before = manager.state('ui')!.pid;
    await manager.restart('ui');
    assert.notEqual(manager.state('ui')!.pid, before, 'a new process');
    await reconciler.sync();
    assert.deepEqual(await onServer(), [COUNTER], 'the new process holds the subscription');
    assert.deepEqual(reconciler.subscribed(), [{ server: 'ui', uri: COUNTER }]);
    assert.deepEqual([refused, failed], [[], []]);
  });

  it('a stopped server holds nothing; started again by the user, it is subscribed again', async () => {
    await reconciler.sync();
    await manager.stop('ui');
    await reconciler.sync();
    assert.deepEqual(reconciler.subscribed(), []);
    await manager.ensureStarted('ui');
    await reconciler.sync();
    assert.deepEqual(await onServer(), [COUNTER]);
    assert.deepEqual(reconciler.subscribed(), [{ server: 'ui', uri: COUNTER }]);
  });

  it('a reconcile that fails is reported, and the next one subscribes as usual', async () => {
    wanted = () => {
      throw new Error('the tab list could not be read');
    };
    await reconciler.sync();
    assert.deepEqual(failed, ['Updating the resource subscriptions failed: the tab list could not be read. Open documents may not be re-read when their resources change; the next tab change tries again.']);
    assert.deepEqual(await onServer(), []);
    wanted = () => [{ server: 'ui', uri: COUNTER }];
    await reconciler.sync();
    assert.deepEqual(await onServer(), [COUNTER], 'the queue went on after the failure');
    wanted = () => [];
    await reconciler.sync();
    assert.deepEqual(await onServer(), [], 'closing the document ends the subscription');
    assert.equal(failed.length, 1);
  });

  it('forgets a server that leaves the configuration, running or stopped: nothing refers to it any more', async () => {
    const spare = stdioDefinition('spare', join(FIXTURES, 'client-ui.mjs'));
    const idle = stdioDefinition('idle', join(FIXTURES, 'client-ui.mjs'));
    await manager.setDefinitions([ui, spare, idle]);
    await Promise.all([manager.ensureStarted('spare'), manager.ensureStarted('idle')]);
    wanted = () => ['ui', 'spare', 'idle'].map((server) => ({ server, uri: COUNTER }));
    await reconciler.sync();
    assert.equal(reconciler.subscribed().length, 3);
    // The bookkeeping the reconciler keeps per server (read from outside only here).
    const tracked = () => [...reconciler['servers'].keys()].sort();
    assert.deepEqual(tracked(), ['idle', 'spare', 'ui']);

    await manager.stop('idle');
    await reconciler.sync();
    assert.deepEqual(tracked(), ['spare', 'ui'], 'a stopped server holds nothing and is not kept track of');

    // The documents of both stay open; the running 'spare' and the stopped 'idle' leave the configuration.
    await manager.setDefinitions([ui]);
    await reconciler.sync();
    assert.deepEqual(tracked(), ['ui']);
    assert.deepEqual(reconciler.subscribed(), [{ server: 'ui', uri: COUNTER }]);
    assert.deepEqual(await onServer(), [COUNTER], 'the server still configured keeps its subscription');

    await manager.setDefinitions([ui, spare]);
    await manager.ensureStarted('spare');
    await reconciler.sync();
    assert.deepEqual(await onServer('spare'), [COUNTER], 'back in the configuration and running, it is subscribed anew');
    assert.deepEqual(tracked(), ['spare', 'ui']);
    assert.deepEqual([refused, failed], [[], []]);
  });
});
