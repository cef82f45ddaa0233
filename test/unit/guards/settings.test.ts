import * as assert from 'node:assert/strict';
import { settingsJsonReader, settingsToConfig } from '../../../src/core/guards/settings';
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY } from '../../../src/core/guards/defaults';
import { DEFAULT_PRICES, encodingForModel, estimateCost, priceFor } from '../../../src/core/tokens/index';

describe('settings → policy/guardrails/prices', () => {
  it('gives the defaults when nothing is set', () => {
    const s = settingsToConfig(() => undefined);
    assert.deepEqual(s.policy, DEFAULT_POLICY);
    assert.deepEqual(s.guardrails, DEFAULT_GUARDRAILS);
    assert.deepEqual(s.prices, DEFAULT_PRICES);
  });
  it('reads flat and nested keys, ignores invalid values, and adds prices', () => {
    const s = settingsToConfig(settingsJsonReader({
      'mcpHarness.policy.deny': ['*/rm'],
      'mcpHarness.policy.maxSteps': -3,
      mcpHarness: { guardrails: { mode: 'advisory', redact: ['pii', 'bogus'] }, prices: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 }, bad: { inputPerMTok: 'x' } } },
    }));
    assert.deepEqual(s.policy.deny, ['*/rm']);
    assert.equal(s.policy.maxSteps, DEFAULT_POLICY.maxSteps);
    assert.equal(s.guardrails.mode, 'advisory');
    assert.deepEqual(s.guardrails.redact, ['pii']);
    assert.deepEqual(s.prices['my-model'], { inputPerMTok: 1, outputPerMTok: 2 });
    assert.equal(s.prices.bad, undefined);
  });
});

describe('tokens and prices', () => {
  it('picks the encoding per model', () => {
    assert.equal(encodingForModel('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingForModel('o3'), 'o200k_base');
    assert.equal(encodingForModel('gpt-4.1'), 'o200k_base');
    assert.equal(encodingForModel('gpt-4'), 'cl100k_base');
    assert.equal(encodingForModel('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingForModel(undefined), 'o200k_base');
  });
  it('finds prices by longest prefix and prices arguments as output, results as input', () => {
    assert.deepEqual(priceFor('gpt-4o-mini-2024-07-18'), DEFAULT_PRICES['gpt-4o-mini']);
    assert.deepEqual(priceFor('gpt-4o-2024-08-06'), DEFAULT_PRICES['gpt-4o']);
    assert.equal(priceFor('unknown-model'), undefined);
    assert.equal(estimateCost(1_000_000, 0, { inputPerMTok: 2.5, outputPerMTok: 10 }), 10);
    assert.equal(estimateCost(0, 1_000_000, { inputPerMTok: 2.5, outputPerMTok: 10 }), 2.5);
  });
});
