// Host-neutral core messages: the core says what is wrong and which limit; each host adds its advice.
import * as assert from 'node:assert/strict';
import { cliServerHint } from '../../../src/cli/serverHints';
import { ServerError, withHint } from '../../../src/core/servers/errors';
import { vscodeServerHint } from '../../../src/extension/serverHints';
import { cleanup, fixtureDefinition, newManager, rejectsWith } from './helpers';

const VS_CODE_WORDS = /mcpHarness\.|\.vscode|Restricted Mode|VS Code/;

describe('ServerError hints', () => {
  afterEach(cleanup);

  it('names the limit of a timed-out call in the core message and the facts, and nothing host-specific', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs')], { requestTimeoutMs: 250 });
    const conn = manager.connection('hang');
    const byCaller = await rejectsWith(conn.callTool('hang', {}, { timeoutMs: 200 }), 'timeout', /^hang did not answer the tool 'hang' within 200 ms; the request was cancelled\.$/);
    assert.deepEqual(byCaller.facts, { limit: { name: 'callTimeoutMs', value: 200 } });
    const byDefault = await rejectsWith(conn.callTool('hang', {}), 'timeout', /within 250 ms; the request was cancelled\.$/);
    assert.deepEqual(byDefault.facts, { limit: { name: 'requestTimeoutMs', value: 250 } });
    for (const err of [byCaller, byDefault]) assert.doesNotMatch(err.message, VS_CODE_WORDS);
    assert.equal(byCaller.hint, undefined);
  });

  it("names the server's own timeout and where it is set", async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs', [], { timeoutMs: 150 })]);
    const err = await rejectsWith(manager.connection('hang').callTool('hang', {}), 'timeout', /within 150 ms; the request was cancelled\. The limit is the server's 'timeout' in .*mcp\.json\.$/);
    assert.deepEqual(err.facts.limit, { name: 'serverTimeoutMs', value: 150 });
  });

  it('appends the VS Code settings hint when the extension injects it, in the error and in the state', async () => {
    const user = fixtureDefinition('hang', 'hang.mjs');
    const { manager } = newManager([{ ...user, source: { ...user.source, kind: 'claude-desktop', workspaceFolder: undefined } }, fixtureDefinition('ws', 'crash.mjs')], {
      requestTimeoutMs: 200,
      hint: vscodeServerHint,
      isTrusted: () => false,
    });
    const timeout = await rejectsWith(manager.connection('hang').callTool('hang', {}), 'timeout', /within 200 ms; the request was cancelled\. If it needs longer, raise the setting mcpHarness\.requestTimeoutMs \(it takes effect after a reload\)\.$/);
    assert.equal(timeout.hint, vscodeServerHint(timeout));
    const untrusted = await rejectsWith(manager.start('ws'), 'not_allowed', /^ws was not started because the workspace is not trusted\. Trust the workspace \(it is in Restricted Mode\) to start the servers it defines\.$/);
    assert.equal(manager.state('ws')!.error, untrusted.message);
  });

  it('appends the CLI hint when the CLI injects it', async () => {
    const { manager } = newManager([fixtureDefinition('hang', 'hang.mjs'), fixtureDefinition('asks', 'crash.mjs', [], { pendingInputs: ['api-token'] })], {
      requestTimeoutMs: 200,
      hint: cliServerHint({ timeoutFlag: true }),
    });
    await rejectsWith(manager.connection('hang').callTool('hang', {}), 'timeout', /within 200 ms; the request was cancelled\. If it needs longer, pass --timeout-ms N or set MCP_HARNESS_REQUEST_TIMEOUT_MS\.$/);
    const inputs = await rejectsWith(manager.start('asks'), 'not_allowed', /^asks needs a value for \$\{input:api-token\} before it can start\. Set MCP_HARNESS_INPUT_API_TOKEN to give the value\.$/);
    assert.deepEqual(inputs.facts, { refusal: 'inputs_needed', inputs: ['api-token'] });
  });

  it('gives each host its own advice for every limit it can change', () => {
    const err = (facts: ServerError['facts']) => new ServerError('x.', 'timeout', 's', undefined, facts);
    const request = err({ limit: { name: 'requestTimeoutMs', value: 1 } });
    const call = err({ limit: { name: 'callTimeoutMs', value: 1 } });
    const total = err({ limit: { name: 'maxTotalTimeoutMs', value: 1 } });
    assert.match(vscodeServerHint(request)!, /raise the setting mcpHarness\.requestTimeoutMs/);
    assert.match(vscodeServerHint(call)!, /mcpHarness\.policy\.timeoutMs/);
    assert.match(vscodeServerHint(total)!, /mcpHarness\.policy\.maxTotalTimeoutMs/);
    assert.match(vscodeServerHint(err({ refusal: 'consent_denied' }))!, /Start it again to be asked again/);
    assert.match(vscodeServerHint(err({ refusal: 'inputs_needed', inputs: ['a'] }))!, /Start it to be asked/);
    const cli = cliServerHint({ timeoutFlag: true });
    const exec = cliServerHint({ timeoutFlag: false });
    assert.match(cli(request)!, /pass --timeout-ms N or set MCP_HARNESS_REQUEST_TIMEOUT_MS/);
    assert.match(cli(call)!, /pass --timeout-ms N .*timeoutMs in the session or --policy file/);
    assert.equal(exec(request), 'If it needs longer, set MCP_HARNESS_REQUEST_TIMEOUT_MS.');
    assert.match(cli(total)!, /maxTotalTimeoutMs in the session or --policy file/);
    for (const hint of [cli(request), cli(call), cli(total)]) assert.doesNotMatch(hint!, /mcpHarness\.|Restricted Mode/);
    // Limits no host has a setting for get no advice.
    assert.equal(cli(err({ limit: { name: 'startTimeoutMs', value: 1 } })), undefined);
    assert.equal(vscodeServerHint(err({ limit: { name: 'maxListPages', value: 1 } })), undefined);
  });

  it('appends a hint once', () => {
    const e = new ServerError('Slow.', 'timeout', 's', undefined, { limit: { name: 'requestTimeoutMs', value: 5 } });
    withHint(e, vscodeServerHint);
    withHint(e, cliServerHint({ timeoutFlag: true }));
    assert.equal(e.message, `Slow. ${vscodeServerHint(e)}`);
  });
});
