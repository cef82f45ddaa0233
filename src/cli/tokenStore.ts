// The CLI keeps sign-ins in one 0600 file: $MCP_HARNESS_TOKEN_FILE, else XDG_CONFIG_HOME or ~/.config/mcp-harness/tokens.json.
// How long one OAuth request (sign-in, sign-out, a connection's token refresh) may take: --request-timeout-ms on
// login/logout, else $MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS, else the core's 30 s.
import { DEFAULT_OAUTH_FETCH_TIMEOUT_MS, parseOAuthRequestTimeout } from '../core/auth/fetchTimeout';
import { defaultTokenFile, FileSecretStore } from '../core/auth/fileStore';
import { GrantStore } from '../core/auth/store';
import { UsageError } from './io';

export const TOKEN_FILE_ENV = 'MCP_HARNESS_TOKEN_FILE';
export const OAUTH_TIMEOUT_ENV = 'MCP_HARNESS_OAUTH_REQUEST_TIMEOUT_MS';
export const OAUTH_TIMEOUT_FLAG = '--request-timeout-ms';

/** The OAuth request timeout from the flag's value (when given) or the environment; a bad value is a usage error. */
export function oauthRequestTimeoutMs(env: NodeJS.ProcessEnv, flag?: unknown): number {
  const [raw, what] = flag !== undefined ? [flag, OAUTH_TIMEOUT_FLAG] : [env[OAUTH_TIMEOUT_ENV], OAUTH_TIMEOUT_ENV];
  // An unset or empty variable means the default (a blank flag value is refused like any other).
  if (raw === undefined || (flag === undefined && raw === '')) return DEFAULT_OAUTH_FETCH_TIMEOUT_MS;
  const parsed = parseOAuthRequestTimeout(raw, what);
  if ('problem' in parsed) throw new UsageError(parsed.problem);
  return parsed.value;
}

/** What to add to a message about an OAuth request that ran out of time. */
export const RAISE_OAUTH_TIMEOUT = `If the authorization server needs longer, pass ${OAUTH_TIMEOUT_FLAG} N or set ${OAUTH_TIMEOUT_ENV}.`;

export function cliTokenFile(env: NodeJS.ProcessEnv): string {
  return env[TOKEN_FILE_ENV] || defaultTokenFile(env);
}

export function cliTokenStore(env: NodeJS.ProcessEnv): GrantStore {
  return new GrantStore(new FileSecretStore(cliTokenFile(env)));
}
