export { findNeedsSignIn, NeedsSignInError, SignInError, type SignInFailure, type SignInReason } from './errors';
export { DEFAULT_OAUTH_FETCH_TIMEOUT_MS, MAX_OAUTH_FETCH_TIMEOUT_MS, OAuthFetchTimeoutError, parseOAuthRequestTimeout } from './fetchTimeout';
export { defaultTokenFile, FileSecretStore } from './fileStore';
export { CALLBACK_PATH, DEFAULT_SIGN_IN_TIMEOUT_MS, LoopbackRedirect } from './loopback';
export { HarnessOAuthProvider, type HarnessOAuthProviderOptions } from './provider';
export { oauthSdk, signIn, type SignInOptions, type SignInResult } from './signIn';
export { describeSignOut, signOut, type RevocationOutcome, type SignOutOptions, type SignOutResult } from './signOut';
export { GrantStore, type ResourceRecord, type SecretStore } from './store';
export { connectionAuthProviders, oauthClientFor, usesOAuth, withOAuthRequests, type OAuthHostOptions } from './forServer';
