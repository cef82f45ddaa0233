// The OAuth fixture (test/fixtures/servers/oauth/server.mjs) as a child process, a "browser" that follows the
// authorization redirect to our loopback listener, and an in-memory SecretStore.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { GrantStore, type SecretStore } from '../../../src/core/auth';
import { launchOAuthFixture } from '../../fixtures/servers/oauth/launch';

export const ROOT = resolve(__dirname, '../../..');

export interface FixtureEvent {
  type: string;
  what?: string;
  clientId?: string;
  scope?: string;
  verifier?: string;
  redirectUri?: string;
  redirectUris?: string[];
}

export interface OAuthFixture {
  port: number;
  url: string;
  child: ChildProcess;
  events(): Promise<FixtureEvent[]>;
  /** revoke, expire; token-port-down (needs --token-port): see server.mjs. */
  control(action: 'revoke' | 'expire' | 'token-port-down'): Promise<void>;
  /** From now on refresh-token grants are answered 401 invalid_client, or with this HTTP status; '' refreshes again (see server.mjs). */
  refreshAnswer(answer: 'invalid_client' | number | ''): Promise<void>;
  /** From now on the fixture accepts these requests and never answers them (see server.mjs --hang). */
  hang(what: string): Promise<void>;
  /** The first event of `type` (e.g. 'hung'), waited for up to 10 s. */
  waitForEvent(type: string, what?: string): Promise<FixtureEvent>;
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
    refreshAnswer: async (answer) => {
      const res = await fetch(`${base}/__fixture/refresh-answer?with=${answer}`, { method: 'POST' });
      if (!res.ok) throw new Error(`fixture refresh-answer: ${res.status}`);
    },
    hang: async (what) => {
      const res = await fetch(`${base}/__fixture/hang?what=${encodeURIComponent(what)}`, { method: 'POST' });
      if (!res.ok) throw new Error(`fixture hang: ${res.status}`);
    },
    waitForEvent: async (type, what) => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const events = (await (await fetch(`${base}/__fixture/events`)).json()) as FixtureEvent[];
        const found = events.find((e) => e.type === type && (what === undefined || e.what === what));
        if (found) return found;
      }
      throw new Error(`the fixture saw no '${type}${what ? ` ${what}` : ''}' event within 10 s`);
    },
    stop: () => child.kill('SIGKILL'),
  };
}

/** `promise`, or a failure naming `what` if it has not settled within 5 s (a guard against hangs, not a timing). */
export async function settles<T>(promise: Promise<T>, what: string, withinMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${withinMs / 1000} s`)), withinMs);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection of `promise` (a failure if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
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

/** A GrantStore over a fresh in-memory SecretStore (both, for tests that look at what was stored). */
export function memoryGrantStore(): { secrets: MemorySecretStore; store: GrantStore } {
  const secrets = new MemorySecretStore();
  return { secrets, store: new GrantStore(secrets) };
}

/** Runs `step` with console.warn recorded in `warnings` instead of printed (what the SDK prints goes there). */
export async function withConsoleWarnings<T>(warnings: unknown[][], step: () => Promise<T>): Promise<T> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  try {
    return await step();
  } finally {
    console.warn = original;
  }
}
