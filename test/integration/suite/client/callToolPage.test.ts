// "MCP: Call Tool…" on a tool whose server answers that the user must first open a page (URLElicitationRequiredError,
// -32042; server-everything's trigger-url-elicitation with errorPath): the notification names the page's host only,
// Open Page opens exactly the server's URL in the browser (the test is the browser, through api.testing), and Retry
// calls the tool again, which then goes through. The URL never reaches the traces.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { UrlRequest } from '../../../../src/extension/client/elicitationForm';
import type { PageFirstRequest } from '../../../../src/extension/dialogs';
import { pageFirstMessage } from '../../../../src/extension/sessions/callTool';
import type { StepRecord } from '../../../../src/protocol/trace';
import { clientApi } from './helpers';

/** The page server-everything's trigger-url-elicitation asks for on its error path. */
const SERVER_PAGE = 'https://modelcontextprotocol.io';
/** The page the tool's retry then asks for (elicitation/create in URL mode), from the call's arguments. */
const ARG_PAGE = 'https://example.invalid/after?step=2';

/** The trace files of the workspace's runs, by path. */
function traceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const dir = path.join(f.uri.fsPath, '.mcp-harness', 'traces');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) if (name.endsWith('.jsonl')) files.set(path.join(dir, name), fs.readFileSync(path.join(dir, name), 'utf8'));
  }
  return files;
}

describe('client: Call Tool when the server wants a page opened first (-32042)', function () {
  this.timeout(60_000);
  let api: HarnessApi;

  before(async () => {
    api = await clientApi();
    api.testing.setConfirmPrompt(async () => true);
  });
  after(async () => {
    api.testing.setConfirmPrompt(undefined);
    api.testing.setCallToolArgs(undefined);
    api.testing.setPageFirstQuestion(undefined);
    api.testing.setUrlElicitation(undefined);
    await api.servers.stopAll();
  });

  it('offers Open Page (opens exactly the server\'s URL) and Retry (calls again), naming only the host', async () => {
    await api.servers.ensureStarted('everything');
    const tool = api.servers.state('everything')!.tools!.find((t) => t.name === 'trigger-url-elicitation');
    assert.ok(tool, 'server-everything offers trigger-url-elicitation (the harness declares URL elicitation)');
    const before = new Set(traceFiles().keys());

    api.testing.setCallToolArgs(async () => JSON.stringify({ url: ARG_PAGE, message: 'Finish on the vendor page.', errorPath: true }));
    const offers: PageFirstRequest[] = [];
    const opened: string[] = [];
    const elicited: UrlRequest[] = [];
    api.testing.setPageFirstQuestion(async (r) => {
      offers.push(r);
      // The first offer: Open Page; once it is open, the user says they are done: Retry.
      if (!r.opened) {
        assert.deepEqual(opened, [], 'nothing is opened before the user chooses Open Page');
        return 'open';
      }
      return 'retry';
    });
    api.testing.setUrlElicitation(
      async (r) => {
        elicited.push(r);
        return 'open';
      },
      async (uri) => {
        opened.push(uri.toString(true));
        return true;
      },
    );

    const record = await vscode.commands.executeCommand<StepRecord>('mcpHarness.callTool', { kind: 'tool', serverId: 'everything', tool });

    const base = { server: 'everything', tool: 'trigger-url-elicitation', hosts: ['modelcontextprotocol.io'] };
    assert.deepEqual(offers, [{ ...base, opened: false }, { ...base, opened: true }], 'one offer, then Retry after Open Page');
    const message = pageFirstMessage(offers[0]);
    assert.match(message, /everything\/trigger-url-elicitation needs you to open a page on modelcontextprotocol\.io first/);
    assert.ok(!message.includes('https://'), `the notification names the host only: ${message}`);
    // Open Page opened exactly the page the server named; the retry's own URL elicitation came after it.
    assert.equal(opened.length, 2, opened.join(', '));
    assert.equal(new URL(opened[0]).href, new URL(SERVER_PAGE).href);
    assert.deepEqual(elicited.map((e) => e.url), [ARG_PAGE]);
    assert.equal(opened[1], ARG_PAGE);

    // Retry called the tool again, and this time it went through.
    assert.ok(record, 'Call Tool returned no step record');
    assert.equal(record.decision, 'ok', JSON.stringify(record));
    assert.match(JSON.stringify(record.output), /User completed the URL elicitation flow/);

    // Two runs were traced: the refused call (naming the host) and the retry; the server's URL is in neither.
    const traces = [...traceFiles()].filter(([file]) => !before.has(file)).map(([, text]) => text);
    assert.equal(traces.length, 2, 'one trace per call');
    assert.ok(traces.some((t) => t.includes('must first open a page on modelcontextprotocol.io (URL elicitation required, MCP error -32042)')));
    for (const t of traces) assert.ok(!t.includes(SERVER_PAGE), 'the page\'s URL never reaches a trace');
  });
});
