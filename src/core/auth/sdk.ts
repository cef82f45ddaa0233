import type * as ClientModule from '@modelcontextprotocol/client';

/** The SDK's client package, loaded on first use (it builds its schemas when it loads). */
export function oauthSdk(): typeof ClientModule {
  return require('@modelcontextprotocol/client') as typeof ClientModule;
}
