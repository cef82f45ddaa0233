// mcpHarness.oauth.requestTimeoutMs as the extension reads it (src/extension/auth/settings.ts has no 'vscode'
// import): unset is the default, a bad value is the default with a message naming the setting; package.json
// contributes it with the same range; a sign-in whose request ran out of time names the setting to raise.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OAUTH_FETCH_TIMEOUT_MS, MAX_OAUTH_FETCH_TIMEOUT_MS, SignInError } from '../../../src/core/auth';
import { OAUTH_TIMEOUT_SETTING, oauthRequestTimeoutSetting, withSignInAdvice } from '../../../src/extension/auth/settings';
import { ROOT } from './helpers';

describe('auth: the VS Code setting mcpHarness.oauth.requestTimeoutMs', () => {
  it('unset: the default; a valid value: itself', () => {
    assert.deepEqual(oauthRequestTimeoutSetting(undefined), { value: DEFAULT_OAUTH_FETCH_TIMEOUT_MS });
    assert.deepEqual(oauthRequestTimeoutSetting(5000), { value: 5000 });
  });

  for (const bad of [0, -1, 'fast', 2 ** 31, 2.5]) {
    it(`${JSON.stringify(bad)}: the default, and a message naming the setting and its range`, () => {
      const read = oauthRequestTimeoutSetting(bad);
      assert.equal(read.value, DEFAULT_OAUTH_FETCH_TIMEOUT_MS);
      assert.match(read.problem ?? '', /^The setting mcpHarness\.oauth\.requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647 \(e\.g\. 60000\); got .+\. Using 30000 ms\.$/);
    });
  }

  it('is contributed with the same default and range', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Record<string, unknown>> } } };
    const setting = pkg.contributes.configuration.properties[OAUTH_TIMEOUT_SETTING];
    assert.ok(setting, 'contributed');
    assert.equal(setting.type, 'integer');
    assert.equal(setting.default, DEFAULT_OAUTH_FETCH_TIMEOUT_MS);
    assert.equal(setting.minimum, 1);
    assert.equal(setting.maximum, MAX_OAUTH_FETCH_TIMEOUT_MS);
    assert.match(String(setting.markdownDescription), /token refresh/);
  });

  it('a request that ran out of time names the setting; other failures are told as they are', () => {
    const timedOut = withSignInAdvice(new SignInError('Sign-in failed: http://as/token did not answer within 300 ms.', 'request_timeout', 300));
    assert.equal(timedOut.message, 'Sign-in failed: http://as/token did not answer within 300 ms. If the authorization server needs longer, raise the setting mcpHarness.oauth.requestTimeoutMs.');
    assert.equal(timedOut.failure, 'request_timeout');
    const browser = new SignInError('Sign-in timed out: the browser did not come back.', 'timeout');
    assert.equal(withSignInAdvice(browser), browser);
  });
});
