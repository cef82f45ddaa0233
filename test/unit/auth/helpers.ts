// The OAuth fixture (test/fixtures/servers/oauth/server.mjs) as a child process, a "browser" that follows the
// authorization redirect to our loopback listener, and an in-memory SecretStore.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { SecretStore } from '../../../src/core/auth';
import { launchOAuthFixture } from '../../fixtures/servers/oauth/launch';

export const ROOT = resolve(__dirname, '../../..');

export interface OAuthFixture {
  port: number;
  url: string;
  child: ChildProcess;
  events(): Promise<{ type: string; clientId?: string; scope?: string; verifier?: string; redirectUri?: string }[]>;
  control(action: 'revoke' | 'expire'): Promise<void>;
  stop(): void;
}

const running: ChildProcess[] = [];

export async function startOAuthFixture(args: string[] = []): Promise<OAuthFixture> {
  const { child, port, url } = await launchOAuthFixture(ROOT, args);
  running.push(child);
  const base = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    child,
    events: async () => (await fetch(`${base}/__fixture/events`)).json() as never,
    control: async (action) => {
      const res = await fetch(`${base}/__fixture/${action}`, { method: 'POST' });
      if (!res.ok) throw new Error(`fixture ${action}: ${res.status}`);
    },
    stop: () => child.kill('SIGKILL'),
  };
}

export function stopOAuthFixtures(): void {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/** The user's browser: GET the authorization URL and follow redirects (the fixture approves at once). */
export async function browse(url: URL | string): Promise<void> {
  const res = await fetch(url, { redirect: 'follow' });
  await res.text();
}

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async set(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
  /** Everything stored, for "the planted value is (not) here" checks. */
  dump(): string {
    return [...this.values.values()].join('\n');
  }
}
