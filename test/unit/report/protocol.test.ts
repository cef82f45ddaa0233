import assert from 'node:assert/strict';
import { createHostChannel, createWebviewChannel, isHostToWebview, isWebviewToHost, PROTOCOL_VERSION, type HostToWebview, type WebviewLike } from '../../../src/protocol/messages';

function fakeWebview() {
  const sent: HostToWebview[] = [];
  let listener: ((m: unknown) => unknown) | undefined;
  const webview: WebviewLike = {
    postMessage: (m) => {
      sent.push(m as HostToWebview);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: (l) => {
      listener = l;
      return { dispose: () => (listener = undefined) };
    },
  };
  return { webview, sent, receive: (m: unknown) => listener?.(m), disposed: () => listener === undefined };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('protocol/messages', () => {
  it('the host channel holds messages until ready, then the init comes first', () => {
    const f = fakeWebview();
    const ch = createHostChannel(f.webview);
    ch.post({ type: 'appendSteps', sessionId: 'S', steps: [] });
    assert.equal(f.sent.length, 0);
    ch.onReady(() => ch.post({ type: 'init', runs: [] }));
    f.receive({ type: 'ready', protocol: PROTOCOL_VERSION });
    assert.deepEqual(f.sent.map((m) => m.type), ['init', 'appendSteps']);
    // A reload of the webview: a second ready gets a fresh init.
    f.receive({ type: 'ready', protocol: PROTOCOL_VERSION });
    assert.deepEqual(f.sent.map((m) => m.type), ['init', 'appendSteps', 'init']);
    ch.dispose();
    assert.ok(f.disposed());
  });

  it('without an onReady listener the queued init is sent on ready', () => {
    const f = fakeWebview();
    const ch = createHostChannel(f.webview);
    ch.post({ type: 'init', runs: [] });
    f.receive({ type: 'ready', protocol: 1 });
    assert.deepEqual(f.sent.map((m) => m.type), ['init']);
    assert.ok(ch.isReady);
  });

  it('answers requests with replies correlated by id, errors as sentences', async () => {
    const f = fakeWebview();
    const ch = createHostChannel(f.webview);
    ch.handle('exportReport', async ({ format }) => ({ path: `/tmp/r.${format}` }));
    f.receive({ type: 'ready', protocol: 1 });
    f.receive({ type: 'request', id: 7, method: 'exportReport', params: { format: 'csv', sessionIds: ['S'] } });
    f.receive({ type: 'request', id: 8, method: 'rerun', params: { sessionId: 'S' } });
    await tick();
    assert.deepEqual(f.sent.find((m) => m.type === 'reply' && m.id === 7), { type: 'reply', id: 7, ok: true, result: { path: '/tmp/r.csv' } });
    const r8 = f.sent.find((m) => m.type === 'reply' && m.id === 8) as Extract<HostToWebview, { ok: false }>;
    assert.equal(r8.ok, false);
    assert.match(r8.error, /cannot re-run/);
  });

  it('passes notifications to listeners and ignores unknown or malformed messages', () => {
    const f = fakeWebview();
    const ch = createHostChannel(f.webview);
    const got: string[] = [];
    ch.onMessage((m) => got.push(m.type));
    f.receive({ type: 'selectStep', sessionId: 'S', stepId: '1' });
    f.receive({ type: 'bogus' });
    f.receive(null);
    f.receive({ type: 'request', id: 'x', method: 'rerun' });
    assert.deepEqual(got, ['selectStep']);
    assert.equal(isWebviewToHost({ type: 'request', id: 1, method: 'exportReport', params: {} }), true);
    assert.equal(isWebviewToHost({ type: 'request', id: 1, method: 'rm -rf' }), false);
    assert.equal(isHostToWebview({ type: 'init', runs: [] }), true);
    assert.equal(isHostToWebview('init'), false);
  });

  it('the webview channel resolves and rejects requests by id', async () => {
    const posted: unknown[] = [];
    const ch = createWebviewChannel({ postMessage: (m) => posted.push(m) });
    const heard: string[] = [];
    ch.onMessage((m) => heard.push(m.type));
    const a = ch.request('exportReport', { format: 'html', sessionIds: ['S'] });
    const b = ch.request('rerun', { sessionId: 'S' });
    assert.deepEqual(posted.map((m) => (m as { id: number }).id), [1, 2]);
    ch.receive({ type: 'reply', id: 2, ok: false, error: 'No workspace is open.' });
    ch.receive({ type: 'reply', id: 1, ok: true, result: { path: '/x.html' } });
    ch.receive({ type: 'reply', id: 99, ok: true, result: {} });
    ch.receive({ type: 'appendSteps', sessionId: 'S', steps: [] });
    assert.deepEqual(await a, { path: '/x.html' });
    await assert.rejects(b, /No workspace is open/);
    assert.deepEqual(heard, ['appendSteps']);
  });
});
