// The scripted language model that sampling (and the agent) tests answer from, checked in the real host:
// it is listed by vscode.lm.selectChatModels and answers what the test scripted, keeping every request.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { scriptedLm, SCRIPTED_VENDOR } from '../../support/scriptedLm';

async function collect(response: vscode.LanguageModelChatResponse): Promise<string> {
  let text = '';
  for await (const chunk of response.text) text += chunk;
  return text;
}

describe('client: scripted language model (test support)', () => {
  it('is selectable by vendor and answers the scripted turns in order, then the default text', async () => {
    const lm = await scriptedLm();
    const models = await vscode.lm.selectChatModels({ vendor: SCRIPTED_VENDOR });
    assert.deepEqual(models.map((m) => m.id).sort(), ['scripted-large', 'scripted-small']);
    const model = models.find((m) => m.id === 'scripted-large')!;
    lm.script([{ text: ['Hel', 'lo'] }, { error: 'scripted failure' }]);
    const first = await model.sendRequest([vscode.LanguageModelChatMessage.User('say hello')], {});
    assert.equal(await collect(first), 'Hello');
    await assert.rejects(async () => collect(await model.sendRequest([vscode.LanguageModelChatMessage.User('again')], {})), /scripted failure/);
    lm.setDefaultText('fallback');
    assert.equal(await collect(await model.sendRequest([vscode.LanguageModelChatMessage.User('third')], {})), 'fallback');
    const requests = lm.requests();
    assert.deepEqual(requests.map((r) => r.messages.map((m) => `${m.role}:${m.text}`)), [['user:say hello'], ['user:again'], ['user:third']]);
    assert.equal(requests[0].model, 'scripted-large');
  });
});
