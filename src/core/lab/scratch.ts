// Scratch copies for filesystem-like servers: with the opt-in for tools that may modify data, a stdio
// server is not run on the folders and files it is given but on copies of them in a temporary folder.
// What counts as given: every argument that names an existing folder (server-filesystem's allowed
// directories) and every environment value that names an existing file or folder (server-memory's
// MEMORY_FILE_PATH, also when the file does not exist yet but its folder does), relative paths taken from
// the server's working directory. The copies are removed
// when the lab ends. A server that reaches data another way (a database URL, a path inside a config
// file) is not covered: run it on scratch data yourself.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { ServerDefinition } from '../config/types';
import type { ServerManager } from '../servers/manager';
import { canonicalJson, sha256Hex } from '../util/canonical';

/** More than this much data is not copied: the lab refuses to run destructive tools on it. */
export const MAX_SCRATCH_BYTES = 256 * 1024 * 1024;

export interface ScratchCopy {
  from: string;
  to: string;
}

export interface Scratch {
  definition: ServerDefinition;
  copies: ScratchCopy[];
  dispose(): void;
}

export class ScratchTooLargeError extends Error {}

function pathIn(value: string, cwd: string, orNew = false): string | undefined {
  if (!value || value.startsWith('-') || /^[a-z]+:\/\//i.test(value)) return undefined;
  const full = isAbsolute(value) ? value : resolve(cwd, value);
  if (existsSync(full)) return full;
  // A file the server will create: a path (it has a separator) whose folder exists.
  return orNew && value.includes(sep) && existsSync(dirname(full)) ? full : undefined;
}

function sizeOf(path: string, limit: number): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
    if (total > limit) break;
  }
  return total;
}

/** A definition of `def` that runs on scratch copies of its data, or undefined when it is given none. */
export function scratchDefinition(def: ServerDefinition, maxBytes = MAX_SCRATCH_BYTES): Scratch | undefined {
  if (def.transport !== 'stdio') return undefined;
  const cwd = def.cwd ?? def.source.workspaceFolder ?? process.cwd();
  const dirArgs = (def.args ?? []).map((a) => ({ a, p: pathIn(a, cwd) })).filter((x) => x.p && statSync(x.p).isDirectory());
  const envPaths = Object.entries(def.env ?? {}).map(([k, v]) => ({ k, p: pathIn(v, cwd, true) })).filter((x) => x.p);
  if (!dirArgs.length && !envPaths.length) return undefined;
  const sources = [...new Set([...dirArgs, ...envPaths].map((x) => x.p!))];
  const total = sources.reduce((sum, p) => sum + (existsSync(p) ? sizeOf(p, maxBytes) : 0), 0);
  if (total > maxBytes) throw new ScratchTooLargeError(`the data given to '${def.id}' is more than ${Math.round(maxBytes / 1048576)} MB, too much to copy for a scratch run: give the server a smaller folder to test with`);
  const root = mkdtempSync(join(tmpdir(), 'mcp-harness-lab-scratch-'));
  const copies = sources.map((from, i) => ({ from, to: join(root, `${i}-${basename(from)}`) }));
  for (const c of copies) if (existsSync(c.from)) cpSync(c.from, c.to, { recursive: true });
  const copyOf = (p: string) => copies.find((c) => c.from === p)!.to;
  const args = (def.args ?? []).map((a) => {
    const hit = dirArgs.find((x) => x.a === a);
    return hit ? copyOf(hit.p!) : a;
  });
  const env = { ...(def.env ?? {}) };
  for (const { k, p } of envPaths) env[k] = copyOf(p!);
  const id = `${def.id}~scratch`;
  const definition: ServerDefinition = { ...def, id, name: `${def.name} (scratch copy)`, args, env, notes: [], hash: sha256Hex(canonicalJson({ scratchOf: def.hash })) };
  return { definition, copies, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Runs `fn` on the server `id`, or, with the opt-in for destructive tools and data to copy, on a scratch
 * copy registered next to it; `fn` gets the id to test and the copies made. The copy is removed after.
 */
export async function withScratchCopy<T>(manager: ServerManager, id: string, allowDestructive: boolean, fn: (testId: string, copies: ScratchCopy[]) => Promise<T>): Promise<T> {
  const def = manager.definition(id);
  const scratch = allowDestructive && def ? scratchDefinition(def) : undefined;
  if (!scratch) return fn(id, []);
  await manager.setDefinitions([...manager.definitions(), scratch.definition]);
  try {
    return await fn(scratch.definition.id, scratch.copies);
  } finally {
    await manager.setDefinitions(manager.definitions().filter((d) => d.id !== scratch.definition.id));
    scratch.dispose();
  }
}
