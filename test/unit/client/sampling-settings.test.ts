// mcpHarness.sampling.policy / .maxTokens: the one rule both hosts read them by (the extension's Config and
// the CLI gateway). Valid values are kept; each invalid one is left out and described, naming the setting and
// the value found, so the host can say what applies instead.
import * as assert from 'node:assert/strict';
import { samplingFromSettings } from '../../../src/core/client/samplingSettings';

const read = (settings: Record<string, unknown>) => samplingFromSettings((key) => settings[key]);

describe('sampling settings', () => {
  it('keeps valid values, and nothing is wrong when they are not set', () => {
    assert.deepEqual(read({ 'sampling.policy': 'allow', 'sampling.maxTokens': 200 }), { values: { policy: 'allow', maxTokens: 200 }, problems: [] });
    assert.deepEqual(read({}), { values: {}, problems: [] });
    assert.deepEqual(read({ 'sampling.policy': null, 'sampling.maxTokens': null }), { values: {}, problems: [] });
    assert.deepEqual(read({ 'sampling.maxTokens': 1 }).values, { maxTokens: 1 });
  });

  for (const bad of [0, -5, 1.5, '100', true, Number.MAX_VALUE, [], {}]) {
    it(`leaves out maxTokens ${JSON.stringify(bad)} and says why`, () => {
      const { values, problems } = read({ 'sampling.maxTokens': bad, 'sampling.policy': 'deny' });
      assert.deepEqual(values, { policy: 'deny' });
      assert.deepEqual(problems, [{ setting: 'maxTokens', message: `mcpHarness.sampling.maxTokens must be a whole number of at least 1 (it is ${JSON.stringify(bad)})` }]);
    });
  }

  it('leaves out a policy that is not deny/ask/allow and says why', () => {
    const { values, problems } = read({ 'sampling.policy': 'sometimes', 'sampling.maxTokens': 'lots' });
    assert.deepEqual(values, {});
    assert.deepEqual(
      problems.map((p) => p.message),
      ['mcpHarness.sampling.policy must be "deny", "ask" or "allow" (it is "sometimes")', 'mcpHarness.sampling.maxTokens must be a whole number of at least 1 (it is "lots")'],
    );
  });
});
