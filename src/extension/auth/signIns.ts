// Sign-in for HTTP servers in VS Code: tokens live in SecretStorage (keyed per authorization server and
// resource by the core's GrantStore), the browser opens through vscode.env.openExternal and comes back to the
// core's loopback listener. Whether a server needs a sign-in is the core's server state ('needs-sign-in').
// Every OAuth request (sign-in, sign-out, a connection's token refresh) is bounded by mcpHarness.oauth.requestTimeoutMs.
import * as vscode from 'vscode';
import { connectionAuthProviders, oauthClientFor, usesOAuth } from '../../core/auth/forServer';
import { SignInError } from '../../core/auth/errors';
import { DEFAULT_SIGN_IN_TIMEOUT_MS } from '../../core/auth/loopback';
import { signIn, type SignInResult } from '../../core/auth/signIn';
import { describeSignOut, signOut, type SignOutResult } from '../../core/auth/signOut';
import { GrantStore, type SecretStore } from '../../core/auth/store';
import type { ServerDefinition } from '../../core/config/types';
import type { Logger } from '../../core/types';
import { Config } from '../config';
import { Disposable } from '../disposable';
import { withSignInAdvice } from './settings';

/** Opens the authorization URL in the user's browser; replaceable in tests through api.testing. */
export type OpenExternal = (url: URL) => Promise<void> | void;

export class SignIns extends Disposable {
  private readonly store: GrantStore;
  private openExternal: OpenExternal = defaultOpenExternal;
  /** The last setting problem shown, so a bad value is not announced at every connection. */
  private shownProblem: string | undefined;
  /** The ServerManager's `authProviderFor`. */
  readonly providerFor: (def: ServerDefinition) => ReturnType<ReturnType<typeof connectionAuthProviders>>;

  constructor(
    secrets: vscode.SecretStorage,
    private readonly log: Logger,
    private readonly config = new Config(),
  ) {
    super();
    this.store = new GrantStore(secretStorageStore(secrets));
    this.providerFor = connectionAuthProviders(this.store, { requestTimeoutMs: () => this.requestTimeoutMs() });
  }

  usesSignIn(def: ServerDefinition): boolean {
    return usesOAuth(def);
  }

  /** Test hook: where the authorization URL goes instead of the browser (undefined restores openExternal). */
  setOpenExternal(open: OpenExternal | undefined): void {
    this.openExternal = open ?? defaultOpenExternal;
  }

  async signIn(def: ServerDefinition, token?: vscode.CancellationToken): Promise<SignInResult> {
    const abort = new AbortController();
    const cancel = token?.onCancellationRequested(() => abort.abort());
    try {
      const result = await signIn({
        serverUrl: def.url!,
        store: this.store,
        ...oauthClientFor(def),
        timeoutMs: DEFAULT_SIGN_IN_TIMEOUT_MS,
        fetchTimeoutMs: this.requestTimeoutMs(),
        signal: abort.signal,
        openBrowser: (url) => this.openExternal(url),
        // How the server is reached and the headers its entry sends: the sign-in first asks it whether it wants one.
        transport: def.transport === 'sse' ? 'sse' : 'http',
        ...(def.headers ? { headers: def.headers } : {}),
      });
      this.log.info(`Signed in to ${def.id} (authorization server ${result.issuer}${result.scope ? `, scope ${result.scope}` : ''}).`);
      return result;
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      if (err.failure === 'cancelled') {
        this.log.info(`Sign-in to ${def.id} cancelled; nothing was stored.`);
        throw err;
      }
      // Not a failure: the command says so and starts the server.
      if (err.failure === 'not_needed') throw err;
      const told = withSignInAdvice(err);
      this.log.warn(`Sign-in to ${def.id} failed: ${told.message}`);
      throw told;
    } finally {
      cancel?.dispose();
    }
  }

  /** Revokes (when the authorization server can) and forgets the stored tokens; a failed revocation is a warning. */
  async signOut(def: ServerDefinition): Promise<SignOutResult> {
    const result = await signOut(def.url!, this.store, { fetchTimeoutMs: this.requestTimeoutMs() });
    const message = describeSignOut(def.id, result);
    if (result.revocation === 'failed') {
      this.log.warn(message);
      void vscode.window.showWarningMessage(message);
    } else {
      this.log.info(message);
    }
    return result;
  }

  /** The setting, read at each use; a bad value is announced once and the default used. */
  private requestTimeoutMs(): number {
    const { value, problem } = this.config.oauthRequestTimeout;
    if (problem && problem !== this.shownProblem) {
      this.shownProblem = problem;
      this.log.warn(problem);
      void vscode.window.showWarningMessage(problem);
    }
    return value;
  }
}

function defaultOpenExternal(url: URL): Promise<void> {
  return Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url.href, true))).then(() => undefined);
}

function secretStorageStore(secrets: vscode.SecretStorage): SecretStore {
  return {
    get: async (key) => secrets.get(key),
    set: async (key, value) => secrets.store(key, value),
    delete: async (key) => secrets.delete(key),
  };
}
