// The CLI keeps sign-ins in one 0600 file: $MCP_HARNESS_TOKEN_FILE, else XDG_CONFIG_HOME or ~/.config/mcp-harness/tokens.json.
import { defaultTokenFile, FileSecretStore } from '../core/auth/fileStore';
import { GrantStore } from '../core/auth/store';

export const TOKEN_FILE_ENV = 'MCP_HARNESS_TOKEN_FILE';

export function cliTokenFile(env: NodeJS.ProcessEnv): string {
  return env[TOKEN_FILE_ENV] || defaultTokenFile(env);
}

export function cliTokenStore(env: NodeJS.ProcessEnv): GrantStore {
  return new GrantStore(new FileSecretStore(cliTokenFile(env)));
}
