// The CLI's SecretStore: one JSON file under the user's config dir (XDG_CONFIG_HOME or ~/.config), mode 0600,
// replaced atomically (write a 0600 temp file beside it, then rename) so a crash never leaves half a file.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SecretStore } from './store';

/** ~/.config/mcp-harness/tokens.json, or under $XDG_CONFIG_HOME when it is set. */
export function defaultTokenFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'mcp-harness', 'tokens.json');
}

export class FileSecretStore implements SecretStore {
  constructor(readonly file: string) {}

  async get(key: string): Promise<string | undefined> {
    return this.load()[key];
  }

  async set(key: string, value: string): Promise<void> {
    this.save({ ...this.load(), [key]: value });
  }

  async delete(key: string): Promise<void> {
    const all = this.load();
    if (!(key in all)) return;
    delete all[key];
    this.save(all);
  }

  private load(): Record<string, string> {
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed = JSON.parse(raw) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch {
      throw new Error(`The token file ${this.file} is not valid JSON; delete it and sign in again.`);
    }
  }

  private save(all: Record<string, string>): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, this.file);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }
}
