// The HTTP gateway's bearer token: generated on first start, kept in a file only its owner can read
// (0600), compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where the token lives unless the host says otherwise: the user's config dir, per platform. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const base =
    platform === 'win32'
      ? env.APPDATA ?? join(homedir(), 'AppData', 'Roaming')
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Application Support')
        : env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'mcp-harness', 'gateway-token');
}

export class TokenFileError extends Error {}

/**
 * Reads the token, creating it when the file does not exist (`created` is then true: the host shows it
 * once). A file others can read or write is refused rather than trusted.
 */
export function loadOrCreateToken(file: string): { token: string; created: boolean } {
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TokenFileError(`Could not create the token file ${file}: ${(err as Error).message}.`);
    return { token: readToken(file), created: false };
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeSync(fd, token + '\n');
  } finally {
    closeSync(fd);
  }
  // The umask may have narrowed the mode further, never widened it; set it exactly anyway.
  if (process.platform !== 'win32') chmodSync(file, 0o600);
  return { token, created: true };
}

/** The token when the file exists (checked as on start), else undefined: nothing is created. */
export function readTokenIfPresent(file: string): string | undefined {
  try {
    statSync(file);
  } catch {
    return undefined;
  }
  return readToken(file);
}

function readToken(file: string): string {
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new TokenFileError(`The token file ${file} can be read or written by other users (mode ${mode.toString(8)}); make it private (chmod 600) or delete it to get a new token.`);
    }
  }
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new TokenFileError(`The token file ${file} holds no usable token (at least 16 characters); delete it to get a new one.`);
  return token;
}

/** Constant-time check of an `Authorization: Bearer …` header against the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
