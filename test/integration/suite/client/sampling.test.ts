// Sampling in the real extension host: a server's sampling/createMessage is answered by a model picked through
// vscode.lm (the scripted provider), after the user's consent per server, which sees the exact prompt after
// the core's redaction. Remembering, resetting, denying, the policy setting, the token cap and the model setting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { consentDetail, type SamplingConsentRequest, type SamplingDecision } from '../../../../src/extension/client/samplingConsent';
import type { HarnessApi } from '../../../../src/extension/api';
import { type ScriptedLmApi, scriptedLm } from '../../support/scriptedLm';
import { callUi, clientApi, setSetting } from './helpers';

const TOKEN = 'ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3poR2d2';

describe('client: sampling through the Language Model API', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let lm: ScriptedLmApi;
  let asked: SamplingConsentRequest[];
  let decide: SamplingDecision;

  before(async () => {
    api = await clientApi();
    lm = await scriptedLm();
    api.testing.setSamplingConsentPrompt(async (r) => {
      asked.push(r);
      return decide;
    });
  });

  beforeEach(async () => {
    asked = [];
    decide = 'once';
    lm.reset();
    await api.context.clientHost.samplingConsent.reset();
  });

  after(async () => {
    api.testing.setSamplingConsentPrompt(undefined);
    for (const key of ['sampling.policy', 'sampling.maxTokens', 'sampling.model']) await setSetting(key, undefined);
    await api.servers.stopAll();
  });

  it('shows the exact redacted prompt, then answers from the picked model', async () => {
    lm.script([{ text: ['Hello ', 'from the model'] }]);
    const out = await callUi(api, 'ask-model', { prompt: `Summarise. My token is ${TOKEN}`, system: 'Be brief.', maxTokens: 50 });
    assert.equal(out.isError, false, out.text);
    const result = JSON.parse(out.text) as { content: { text: string }; model: string; stopReason: string };
    assert.equal(result.content.text, 'Hello from the model');
    assert.match(result.model, /^mcp-harness-scripted\/scripted-/);
    assert.equal(result.stopReason, 'endTurn');

    assert.equal(asked.length, 1);
    const shown = asked[0];
    assert.equal(shown.server, 'ui');
    assert.match(shown.model, /\(mcp-harness-scripted\/scripted-/);
    assert.equal(shown.systemPrompt, 'Be brief.');
    assert.equal(shown.maxTokens, 50);
    assert.equal(shown.messages.length, 1);
    assert.match(shown.messages[0].text, /^Summarise\. My token is /);
    assert.ok(!shown.messages[0].text.includes(TOKEN), 'the consent modal must show the prompt after redaction');
    assert.deepEqual(shown.tools, [], 'a request without tools offers none');
    assert.doesNotMatch(consentDetail(shown), /Tools the model may call/);

    const sent = lm.requests();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].messages.map((m) => m.text), ['Be brief.', shown.messages[0].text], 'the model gets exactly what the user saw');
    assert.ok(!JSON.stringify(sent).includes(TOKEN), 'the planted secret never reaches the model');
  });

  it('passes the server\'s tools to the model: a tool call comes back as tool_use, the tool result goes back as a tool-result part', async () => {
    decide = 'session';
    lm.script([{ toolCalls: [{ callId: 'call-7', name: 'get_weather', input: { city: 'Oslo' } }] }, { text: 'Oslo is sunny.' }]);
    const out = await callUi(api, 'ask-model-tools', { prompt: 'Weather in Oslo?' });
    assert.equal(out.isError, false, out.text);
    type Reply = { content: unknown; stopReason: string };
    const { first, second } = JSON.parse(out.text) as { first: Reply; second?: Reply };
    assert.equal(first.stopReason, 'toolUse');
    assert.deepEqual(first.content, [{ type: 'tool_use', id: 'call-7', name: 'get_weather', input: { city: 'Oslo' } }]);
    assert.deepEqual(second?.content, { type: 'text', text: 'Oslo is sunny.' });
    assert.equal(second?.stopReason, 'endTurn');

    // The consent lists the tools the model is offered, with the prompt; one consent covers the follow-up.
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0].tools, [{ name: 'get_weather', description: 'The weather in a city.' }]);
    assert.equal(asked[0].toolsRequired, false);
    const detail = consentDetail(asked[0]);
    assert.match(detail, /user:\nWeather in Oslo\?/);
    assert.match(detail, /Tools the model may call; the server runs each call it makes:\n• get_weather — The weather in a city\./);

    const [offer, followUp] = lm.requests();
    assert.deepEqual(offer.tools, ['get_weather'], 'the server\'s tool is offered as a LanguageModelChatTool');
    assert.deepEqual(followUp.messages.map((m) => [m.role, m.parts.map((p) => p.type)]), [['user', ['text']], ['assistant', ['toolCall']], ['user', ['toolResult']]]);
    assert.deepEqual(followUp.messages[1].parts[0], { type: 'toolCall', callId: 'call-7', name: 'get_weather', input: { city: 'Oslo' } });
    assert.deepEqual({ callId: followUp.messages[2].parts[0].callId, text: followUp.messages[2].parts[0].text }, { callId: 'call-7', text: 'sunny in Oslo' });
  });

  it('remembers "Allow for This Session" per server until Reset Sampling Permissions', async () => {
    decide = 'session';
    assert.equal((await callUi(api, 'ask-model', { prompt: 'one' })).isError, false);
    assert.equal((await callUi(api, 'ask-model', { prompt: 'two' })).isError, false);
    assert.equal(asked.length, 1, 'the second request of the same server is not asked again');
    assert.equal(await vscode.commands.executeCommand('mcpHarness.resetSamplingConsent'), 1);
    decide = 'once';
    await callUi(api, 'ask-model', { prompt: 'three' });
    await callUi(api, 'ask-model', { prompt: 'four' });
    assert.equal(asked.length, 3, '"Allow Once" asks every time');
    assert.equal(lm.requests().length, 4);
  });

  it('keeps "Always Allow in This Workspace" in the workspace state', async () => {
    decide = 'always';
    await callUi(api, 'ask-model', { prompt: 'one' });
    assert.deepEqual(api.context.extension.workspaceState.get('mcpHarness.sampling.allowed.v1'), ['ui']);
    assert.equal(api.context.clientHost.samplingConsent.remembered('ui'), true);
  });

  it('declined: the server gets an error and the model gets nothing', async () => {
    decide = 'deny';
    const out = await callUi(api, 'ask-model', { prompt: 'secret plans' });
    assert.equal(out.isError, true);
    assert.match(out.text, /^error: .*did not agree/);
    assert.equal(lm.requests().length, 0);
  });

  it('mcpHarness.sampling.policy "deny" refuses without asking; "allow" sends without asking', async () => {
    await setSetting('sampling.policy', 'deny');
    const denied = await callUi(api, 'ask-model', { prompt: 'x' });
    assert.equal(denied.isError, true);
    assert.match(denied.text, /deny/i);
    await setSetting('sampling.policy', 'allow');
    assert.equal((await callUi(api, 'ask-model', { prompt: 'y' })).isError, false);
    assert.equal(asked.length, 0, 'neither policy asks the user');
    assert.equal(lm.requests().length, 1);
    await setSetting('sampling.policy', undefined);
  });

  it('cuts the reply at mcpHarness.sampling.maxTokens counted by the model', async () => {
    await setSetting('sampling.maxTokens', 5);
    lm.script([{ text: Array.from({ length: 20 }, () => 'abcdefghij') }]);
    const out = await callUi(api, 'ask-model', { prompt: 'long please', maxTokens: 500 });
    await setSetting('sampling.maxTokens', undefined);
    const result = JSON.parse(out.text) as { content: { text: string }; stopReason: string };
    assert.equal(result.stopReason, 'maxTokens');
    // The scripted model counts a token per 4 characters: 5 tokens are 20 characters.
    assert.equal(result.content.text, 'abcdefghijabcdefghij');
    assert.equal(asked[0].maxTokens, 5, 'the user is shown the capped limit');
  });

  it('mcpHarness.sampling.model picks the model; an unknown one is a clear error', async () => {
    await setSetting('sampling.model', 'scripted-small');
    const out = await callUi(api, 'ask-model', { prompt: 'which model?' });
    assert.equal(JSON.parse(out.text).model, 'mcp-harness-scripted/scripted-small');
    assert.equal(lm.requests()[0].model, 'scripted-small');
    await setSetting('sampling.model', 'no-such-model');
    const bad = await callUi(api, 'ask-model', { prompt: 'x' });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /No language model matches 'no-such-model'\. Available: .*mcp-harness-scripted\/scripted-small/);
    await setSetting('sampling.model', undefined);
  });
});
