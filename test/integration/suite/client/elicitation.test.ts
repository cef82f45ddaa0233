// Elicitation in the real extension host: the form is a real quick-input sequence built from the requested
// schema (titles, defaults, validation that keeps the step open, every field kind, Accept / Decline / Escape),
// filled through the live widgets; URL mode opens nothing unless the user agrees.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HarnessApi } from '../../../../src/extension/api';
import type { ElicitationStep, UrlRequest } from '../../../../src/extension/client/elicitationForm';
import { waitFor } from '../helpers';
import { acceptQuickInput, callUi, clientApi, StepQueue } from './helpers';

type Item = vscode.QuickPickItem & { value?: unknown; action?: string };
const box = (s: ElicitationStep) => s.input as vscode.InputBox;
const pick = (s: ElicitationStep) => s.input as vscode.QuickPick<Item>;

async function typeAndAccept(step: ElicitationStep, text: string): Promise<void> {
  box(step).value = text;
  await acceptQuickInput();
}

async function choose(step: ElicitationStep, label: string | RegExp): Promise<void> {
  const p = pick(step);
  const item = p.items.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label)));
  assert.ok(item, `no choice ${label} in ${p.items.map((i) => i.label).join(', ')}`);
  p.activeItems = [item];
  await acceptQuickInput();
}

async function rejected(step: ElicitationStep, text: string, message: RegExp): Promise<void> {
  await typeAndAccept(step, text);
  await waitFor(() => box(step).validationMessage, `the validation message for ${JSON.stringify(text)}`);
  assert.match(String(box(step).validationMessage), message);
}

describe('client: elicitation form and URL mode', function () {
  this.timeout(60_000);
  let api: HarnessApi;
  let steps: StepQueue<ElicitationStep>;

  before(async () => {
    api = await clientApi();
  });
  beforeEach(() => {
    steps = new StepQueue((l) => api.testing.onElicitationStep(l));
  });
  afterEach(async () => {
    steps.dispose();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });
  after(async () => {
    api.testing.setUrlElicitation(undefined);
    await api.servers.stopAll();
  });

  it('asks every field with its title, default and validation, and sends what the user accepted', async () => {
    const call = callUi(api, 'ask-form');
    let s = await steps.next('the name step');
    assert.equal(s.field, 'name');
    assert.equal(s.input.title, 'ui asks: Register for the workshop');
    assert.equal(s.input.step, 1);
    assert.equal(s.input.totalSteps, 8, 'seven fields and the decision');
    assert.equal(box(s).prompt, 'Your name — As it should appear on the badge');
    await rejected(s, 'A', /Your name needs at least 2 characters/);
    await typeAndAccept(s, 'Ada');

    s = await steps.next('the email step');
    assert.equal(s.field, 'email');
    await rejected(s, 'not-an-email', /Email must be an email address/);
    await typeAndAccept(s, 'ada@example.com');

    s = await steps.next('the age step');
    assert.equal(s.field, 'age');
    assert.equal(box(s).value, '30', 'the default is filled in');
    assert.match(String(box(s).prompt), /\(optional\)/);
    await rejected(s, '200', /Age must be at most 150/);
    await rejected(s, '3.5', /Age must be a whole number/);
    await typeAndAccept(s, '36');

    s = await steps.next('the subscribe step');
    assert.deepEqual(pick(s).activeItems.map((i) => i.label), ['Yes'], 'the boolean default is preselected');
    await choose(s, 'No');

    s = await steps.next('the colour step');
    assert.deepEqual(pick(s).items.map((i) => i.label), ['Red', 'Green', 'Blue', 'Leave out'], 'enumNames are the labels');
    assert.deepEqual(pick(s).activeItems.map((i) => i.label), ['Green']);
    await acceptQuickInput();

    s = await steps.next('the size step');
    assert.deepEqual(pick(s).items.map((i) => i.label), ['Small', 'Medium', 'Large'], 'oneOf titles, no "Leave out" for a required field');
    await choose(s, 'Large');

    s = await steps.next('the topics step');
    assert.equal(pick(s).canSelectMany, true);
    await acceptQuickInput();
    await waitFor(() => /Choose at least one Topics/.test(String(pick(s).placeholder)), 'the minItems message');
    pick(s).selectedItems = pick(s).items.filter((i) => i.label === 'mcp' || i.label === 'testing');
    await acceptQuickInput();

    s = await steps.next('the decision step');
    assert.equal(s.field, undefined);
    const accept = pick(s).items[0];
    assert.equal(accept.detail, 'Your name: Ada · Email: ada@example.com · Age: 36 · Subscribe to updates: No · Favourite colour: Green · T-shirt size: Large · Topics: mcp, testing');
    await choose(s, /Accept/);

    const out = await call;
    assert.equal(out.isError, false, out.text);
    assert.deepEqual(JSON.parse(out.text), {
      action: 'accept',
      content: { name: 'Ada', email: 'ada@example.com', age: 36, subscribe: false, color: 'green', size: 'l', topics: ['mcp', 'testing'] },
    });
  });

  it('Decline on the form tells the server no; Escape cancels', async () => {
    const declined = callUi(api, 'ask-form');
    await choose(await fillValid(steps), /Decline/);
    assert.deepEqual(JSON.parse((await declined).text), { action: 'decline' });

    const cancelled = callUi(api, 'ask-form');
    await steps.next();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.deepEqual(JSON.parse((await cancelled).text), { action: 'cancel' });
  });

  it('URL mode shows the host, the URL and the reason, and opens the URL only after the user agrees', async () => {
    const asked: UrlRequest[] = [];
    const opened: string[] = [];
    let answer: 'open' | 'decline' | 'cancel' = 'decline';
    api.testing.setUrlElicitation(
      async (r) => {
        asked.push(r);
        return answer;
      },
      async (uri) => {
        opened.push(uri.toString(true));
        return true;
      },
    );
    assert.deepEqual(JSON.parse((await callUi(api, 'ask-url')).text), { action: 'decline' });
    answer = 'cancel';
    assert.deepEqual(JSON.parse((await callUi(api, 'ask-url')).text), { action: 'cancel' });
    assert.deepEqual(opened, [], 'nothing is opened without the user agreeing');
    answer = 'open';
    assert.deepEqual(JSON.parse((await callUi(api, 'ask-url')).text), { action: 'accept' });
    assert.deepEqual(opened, ['https://example.invalid/confirm?id=42']);
    assert.deepEqual(asked[0], { server: 'ui', host: 'example.invalid', url: 'https://example.invalid/confirm?id=42', message: 'Confirm your subscription on the vendor page.' });
  });
});

const VALID: Record<string, (s: ElicitationStep) => Promise<void>> = {
  name: (s) => typeAndAccept(s, 'Bo'),
  email: (s) => typeAndAccept(s, 'bo@example.com'),
  size: (s) => choose(s, 'Small'),
  topics: async (s) => {
    pick(s).selectedItems = [pick(s).items[0]];
    await acceptQuickInput();
  },
};

/** Fills every field with a valid value (defaults where there are) and returns the decision step. */
async function fillValid(steps: StepQueue<ElicitationStep>): Promise<ElicitationStep> {
  for (;;) {
    const s = await steps.next();
    if (s.field === undefined) return s;
    await (VALID[s.field] ?? (() => acceptQuickInput()))(s);
  }
}
