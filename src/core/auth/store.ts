// Where sign-ins are kept. The host provides a SecretStore (VS Code: SecretStorage; CLI: a 0600 file under the
// user's config dir); GrantStore lays the OAuth state out over it: tokens per authorization server (issuer) and
// protected resource, client registrations per issuer, and per resource which issuer serves it plus the scope
// that was asked for (so a step-up sign-in keeps what was granted before).
import type { OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';

/** String values by key, kept secret by the host. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What is known about one protected resource (an MCP server URL); holds no secret. */
export interface ResourceRecord {
  /** The authorization server that issued the stored tokens. */
  issuer?: string;
  /** The scope granted by the last sign-in. */
  grantedScope?: string;
  /** A wider scope the server asked for since (403 insufficient_scope); the next sign-in asks for it. */
  pendingScope?: string;
  discovery?: OAuthDiscoveryState;
}

const PREFIX = 'mcp-harness.oauth';

export class GrantStore {
  constructor(private readonly secrets: SecretStore) {}

  async resource(resource: string): Promise<ResourceRecord> {
    return (await this.read<ResourceRecord>(`${PREFIX}.resource:${resource}`)) ?? {};
  }

  async updateResource(resource: string, change: Partial<ResourceRecord>): Promise<void> {
    const next = { ...(await this.resource(resource)), ...change };
    for (const k of Object.keys(next) as (keyof ResourceRecord)[]) if (next[k] === undefined) delete next[k];
    await this.secrets.set(`${PREFIX}.resource:${resource}`, JSON.stringify(next));
  }

  tokens(issuer: string, resource: string): Promise<StoredOAuthTokens | undefined> {
    return this.read(tokensKey(issuer, resource));
  }

  saveTokens(issuer: string, resource: string, tokens: StoredOAuthTokens): Promise<void> {
    return this.secrets.set(tokensKey(issuer, resource), JSON.stringify(tokens));
  }

  deleteTokens(issuer: string, resource: string): Promise<void> {
    return this.secrets.delete(tokensKey(issuer, resource));
  }

  client(issuer: string): Promise<StoredOAuthClientInformation | undefined> {
    return this.read(`${PREFIX}.client:${issuer}`);
  }

  saveClient(issuer: string, client: StoredOAuthClientInformation): Promise<void> {
    return this.secrets.set(`${PREFIX}.client:${issuer}`, JSON.stringify(client));
  }

  deleteClient(issuer: string): Promise<void> {
    return this.secrets.delete(`${PREFIX}.client:${issuer}`);
  }

  /** Forgets the sign-in for a resource (tokens and what was known about it); the issuer's client registration stays. */
  async forget(resource: string): Promise<boolean> {
    const record = await this.resource(resource);
    const hadTokens = record.issuer ? (await this.tokens(record.issuer, resource)) !== undefined : false;
    if (record.issuer) await this.deleteTokens(record.issuer, resource);
    await this.secrets.delete(`${PREFIX}.resource:${resource}`);
    return hadTokens;
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const raw = await this.secrets.get(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }
}

function tokensKey(issuer: string, resource: string): string {
  return `${PREFIX}.tokens:${issuer} ${resource}`;
}
