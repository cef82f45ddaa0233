// VS Code's wording and reading of the sign-in settings. No 'vscode' import, so it is unit-tested with the core.
import { SignInError } from '../../core/auth/errors';
import { DEFAULT_OAUTH_FETCH_TIMEOUT_MS, parseOAuthRequestTimeout } from '../../core/auth/fetchTimeout';

export const OAUTH_TIMEOUT_SETTING = 'mcpHarness.oauth.requestTimeoutMs';

/**
 * The setting's value as read from the configuration: unset means the default; a bad value also means the default,
 * with `problem` saying what is wrong (VS Code's settings editor marks it too, but a settings.json edit bypasses it).
 */
export function oauthRequestTimeoutSetting(raw: unknown): { value: number; problem?: string } {
  if (raw === undefined || raw === null) return { value: DEFAULT_OAUTH_FETCH_TIMEOUT_MS };
  const parsed = parseOAuthRequestTimeout(raw, `The setting ${OAUTH_TIMEOUT_SETTING}`);
  if ('value' in parsed) return parsed;
  return { value: DEFAULT_OAUTH_FETCH_TIMEOUT_MS, problem: `${parsed.problem} Using ${DEFAULT_OAUTH_FETCH_TIMEOUT_MS} ms.` };
}

/** A failed sign-in as VS Code tells it: a request that ran out of time names the setting that bounds it. */
export function withSignInAdvice(err: SignInError): SignInError {
  if (err.failure !== 'request_timeout') return err;
  return new SignInError(`${err.message} If the authorization server needs longer, raise the setting ${OAUTH_TIMEOUT_SETTING}.`, err.failure, err.requestTimeoutMs);
}
