// A tool call the server refuses until the user opens a page (URLElicitationRequiredError, -32042; server-everything's
// trigger-url-elicitation with errorPath): the caller gets the pages to offer (the VS Code Call Tool opens them on
// request), while the record and the trace name the host only — a URL may carry a one-time token.
import * as assert from 'node:assert/strict';
import { clientWorld, traceText, type ClientWorld } from '../client/helpers';

const SERVER_PAGE = 'https://modelcontextprotocol.io';

describe('run service: a call refused until the user opens a page (-32042)', function () {
  this.timeout(60_000);
  let world: ClientWorld;

  before(() => {
    world = clientWorld({ elicit: async () => ({ action: 'accept' }) });
  });
  after(async () => {
    await world.dispose();
  });

  it('hands the caller the pages to open, names only the host in the record and trace', async () => {
    const args = { url: 'https://example.invalid/flow', errorPath: true };
    const opts = { policy: { confirmDestructive: false } };
    const refused = await world.service.callTool('everything', 'trigger-url-elicitation', args, opts);
    assert.equal(refused.record.decision, 'error');
    assert.deepEqual(refused.pagesToOpen, [{ url: SERVER_PAGE, host: 'modelcontextprotocol.io', message: 'Open this link to satisfy the prerequisite, then retry the request.' }]);
    assert.match(refused.record.error ?? '', /must first open a page on modelcontextprotocol\.io \(URL elicitation required, MCP error -32042\)/);
    assert.ok(!JSON.stringify(refused.record).includes(SERVER_PAGE), 'the URL reached the step record');
    assert.ok(!traceText(refused.session.trace_file).includes(SERVER_PAGE), 'the URL reached the trace');

    // Called again (the user has been on the page): it goes through, with nothing to open.
    const retried = await world.service.callTool('everything', 'trigger-url-elicitation', args, opts);
    assert.equal(retried.record.decision, 'ok', retried.record.error);
    assert.equal(retried.pagesToOpen, undefined);
  });
});
