// Tool pinning: `.mcp-harness/tools.lock.json` records the sha256 of each tool's canonical definition
// (trust on first use, like a lockfile). A definition that changes later ("rug pull") is reported and,
// in hard_gate mode, denied by the policy guard until the user accepts it.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { canonicalJson, sha256Hex } from '../util/canonical';

export const LOCKFILE_RELATIVE_PATH = join('.mcp-harness', 'tools.lock.json');
/** A lockfile above this size is refused rather than parsed (it would not be a hand-kept lockfile). */
export const MAX_LOCKFILE_BYTES = 20 * 1024 * 1024;

export interface PinnedTool {
  sha256: string;
  /** ISO timestamp of when the definition was pinned or last accepted. */
  pinnedAt: string;
  /** The canonical definition, kept so a change can be shown as a diff. */
  definition: unknown;
}

export interface LockFile {
  version: 1;
  servers: Record<string, { tools: Record<string, PinnedTool> }>;
}

export interface ToolChange {
  tool: string;
  old: PinnedTool;
  new: { sha256: string; definition: unknown };
}

export interface PinCheckResult {
  changed: ToolChange[];
  /** Tools the lockfile has no pin for. */
  added: { tool: string; sha256: string; definition: unknown }[];
  /** Pinned tools the server no longer offers. */
  removed: string[];
}

export type PinStatus = 'ok' | 'changed' | 'unpinned';

/** A lockfile that cannot be used; the message says what to do. */
export class PinFileError extends Error {}

/** The part of a tool definition that is pinned: everything the model or the client acts on (not `_meta`). */
export function pinnableDefinition(tool: unknown): unknown {
  if (!tool || typeof tool !== 'object' || Array.isArray(tool)) return tool;
  const { _meta: _ignored, ...rest } = tool as Record<string, unknown>;
  return JSON.parse(canonicalJson(rest));
}

export function definitionHash(tool: unknown): string {
  return sha256Hex(canonicalJson(pinnableDefinition(tool)));
}

function toolNameOf(tool: unknown): string | undefined {
  return tool && typeof tool === 'object' && typeof (tool as { name?: unknown }).name === 'string' ? (tool as { name: string }).name : undefined;
}

function validateLockFile(data: unknown, file: string): LockFile {
  const fail = (why: string): never => {
    throw new PinFileError(`${file} ${why}. Fix it, or delete it and run \`mcp-harness pin\` to pin the current tools again.`);
  };
  if (!data || typeof data !== 'object' || Array.isArray(data)) fail('is not a JSON object');
  const d = data as Record<string, unknown>;
  if (d.version !== 1) fail(`has version ${JSON.stringify(d.version)}; this version of MCP Harness reads version 1`);
  if (!d.servers || typeof d.servers !== 'object' || Array.isArray(d.servers)) fail('has no "servers" object');
  for (const [server, entry] of Object.entries(d.servers as Record<string, unknown>)) {
    const tools = (entry as { tools?: unknown })?.tools;
    if (!tools || typeof tools !== 'object' || Array.isArray(tools)) fail(`has no "tools" object for server "${server}"`);
    for (const [tool, pin] of Object.entries(tools as Record<string, unknown>)) {
      const p = pin as Partial<PinnedTool>;
      if (!p || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) fail(`has no valid sha256 for tool "${tool}" of server "${server}"`);
      if (typeof p.pinnedAt !== 'string') fail(`has no pinnedAt for tool "${tool}" of server "${server}"`);
    }
  }
  return data as LockFile;
}

export interface PinStoreOptions {
  /** Pin tools the lockfile does not know yet when they are first seen (default true). */
  trustOnFirstUse?: boolean;
  now?: () => Date;
  maxBytes?: number;
}

/**
 * The lockfile of one workspace folder plus what the servers currently offer. `observe` is called
 * whenever a server's tool list arrives (start, list_changed); it pins new tools (trust on first use)
 * and remembers changed ones so `pinCheck` can report them and `accept` can pin them.
 */
export class PinStore {
  private data: LockFile;
  /** Latest definitions seen per server and tool, for tools whose hash differs from the pin. */
  private readonly pending = new Map<string, Map<string, { sha256: string; definition: unknown }>>();
  /** Changes the user rejected (by hash), so the extension does not ask again for the same definition. */
  private readonly rejected = new Map<string, Set<string>>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => Date;
  readonly trustOnFirstUse: boolean;

  private constructor(readonly file: string, data: LockFile, private readonly options: PinStoreOptions) {
    this.data = data;
    this.now = options.now ?? (() => new Date());
    this.trustOnFirstUse = options.trustOnFirstUse ?? true;
  }

  /** Opens the lockfile of a workspace folder; a missing file is an empty lockfile. */
  static async open(workspaceFolder: string, options: PinStoreOptions = {}): Promise<PinStore> {
    const file = join(workspaceFolder, LOCKFILE_RELATIVE_PATH);
    return new PinStore(file, await readLockFile(file, options.maxBytes), options);
  }

  /** Whether the lockfile exists on disk (it does after the first save). */
  async exists(): Promise<boolean> {
    return stat(this.file).then(() => true, () => false);
  }

  /** Re-reads the file (after a git pull or a hand edit); pending changes are re-evaluated by the next observe. */
  async reload(): Promise<void> {
    this.data = await readLockFile(this.file, this.options.maxBytes);
    this.fire();
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }

  lockFile(): LockFile {
    return this.data;
  }

  pinned(server: string, tool: string): PinnedTool | undefined {
    return this.data.servers[server]?.tools[tool];
  }

  /** Compares a server's tools with the lockfile without changing anything. */
  check(server: string, tools: readonly unknown[]): PinCheckResult {
    const pins = this.data.servers[server]?.tools ?? {};
    const result: PinCheckResult = { changed: [], added: [], removed: [] };
    const seen = new Set<string>();
    for (const tool of tools) {
      const name = toolNameOf(tool);
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      const definition = pinnableDefinition(tool);
      const sha256 = sha256Hex(canonicalJson(definition));
      const pin = pins[name];
      if (!pin) result.added.push({ tool: name, sha256, definition });
      else if (pin.sha256 !== sha256) result.changed.push({ tool: name, old: pin, new: { sha256, definition } });
    }
    for (const name of Object.keys(pins)) if (!seen.has(name)) result.removed.push(name);
    return result;
  }

  /**
   * Records a server's current tools: new tools are pinned (trust on first use, saved to disk),
   * changed tools are remembered as pending until accepted or rejected. Returns the comparison made
   * before pinning, so the caller can tell the user what was added.
   */
  async observe(server: string, tools: readonly unknown[]): Promise<PinCheckResult> {
    const result = this.check(server, tools);
    const pending = new Map<string, { sha256: string; definition: unknown }>();
    for (const c of result.changed) pending.set(c.tool, c.new);
    if (!this.trustOnFirstUse) for (const a of result.added) pending.set(a.tool, { sha256: a.sha256, definition: a.definition });
    this.pending.set(server, pending);
    if (this.trustOnFirstUse && result.added.length) {
      for (const a of result.added) this.setPin(server, a.tool, a.sha256, a.definition);
      await this.save();
    }
    this.fire();
    return result;
  }

  /** For the guard pipeline: whether calls to this tool may go ahead under pinning. */
  pinCheck(server: string, tool: string): PinStatus {
    const pending = this.pending.get(server)?.get(tool);
    const pin = this.pinned(server, tool);
    if (!pin) return 'unpinned';
    if (pending && pending.sha256 !== pin.sha256) return 'changed';
    return 'ok';
  }

  /** Changed tools awaiting a decision (rejected ones included: they stay denied). */
  pendingChanges(server?: string): { server: string; change: ToolChange; rejected: boolean }[] {
    const out: { server: string; change: ToolChange; rejected: boolean }[] = [];
    for (const [s, map] of this.pending) {
      if (server !== undefined && s !== server) continue;
      for (const [tool, next] of map) {
        const old = this.pinned(s, tool);
        if (!old || old.sha256 === next.sha256) continue;
        out.push({ server: s, change: { tool, old, new: next }, rejected: this.rejected.get(s)?.has(`${tool}\n${next.sha256}`) ?? false });
      }
    }
    return out;
  }

  /** Accepts the current definition of one tool, or of every changed/unpinned tool of the server (and forgets removed ones). */
  async accept(server: string, tool?: string): Promise<string[]> {
    const pending = this.pending.get(server) ?? new Map();
    const names = tool === undefined ? [...pending.keys()] : pending.has(tool) ? [tool] : [];
    for (const name of names) {
      const next = pending.get(name)!;
      this.setPin(server, name, next.sha256, next.definition);
      pending.delete(name);
      this.rejected.get(server)?.forEach((k) => k.startsWith(`${name}\n`) && this.rejected.get(server)!.delete(k));
    }
    await this.save();
    this.fire();
    return names;
  }

  /** Pins exactly the given tool list for a server (what `mcp-harness pin` does): changed, added and removed tools are all brought up to date. */
  async pinAll(server: string, tools: readonly unknown[]): Promise<PinCheckResult> {
    const result = this.check(server, tools);
    const keep: Record<string, PinnedTool> = {};
    const current = this.data.servers[server]?.tools ?? {};
    for (const tool of tools) {
      const name = toolNameOf(tool);
      if (name === undefined) continue;
      const definition = pinnableDefinition(tool);
      const sha256 = sha256Hex(canonicalJson(definition));
      keep[name] = current[name]?.sha256 === sha256 ? current[name] : { sha256, pinnedAt: this.now().toISOString(), definition };
    }
    this.data.servers[server] = { tools: keep };
    this.pending.delete(server);
    this.rejected.delete(server);
    await this.save();
    this.fire();
    return result;
  }

  /** Keeps the old pin: the tool stays 'changed' (denied in hard_gate) and is not offered for review again. */
  reject(server: string, tool?: string): string[] {
    const pending = this.pending.get(server);
    if (!pending) return [];
    const names = tool === undefined ? [...pending.keys()] : pending.has(tool) ? [tool] : [];
    const set = this.rejected.get(server) ?? new Set<string>();
    for (const name of names) set.add(`${name}\n${pending.get(name)!.sha256}`);
    this.rejected.set(server, set);
    this.fire();
    return names;
  }

  /** Removes a server's pins entirely (e.g. the server was deleted from the config). */
  async forget(server: string): Promise<void> {
    delete this.data.servers[server];
    this.pending.delete(server);
    this.rejected.delete(server);
    await this.save();
    this.fire();
  }

  private setPin(server: string, tool: string, sha256: string, definition: unknown): void {
    const entry = (this.data.servers[server] ??= { tools: {} });
    entry.tools[tool] = { sha256, pinnedAt: this.now().toISOString(), definition };
  }

  /** Writes the lockfile atomically (temp file + rename) with sorted keys, so diffs stay small. */
  async save(): Promise<void> {
    const sorted: LockFile = { version: 1, servers: {} };
    for (const server of Object.keys(this.data.servers).sort()) {
      const tools: Record<string, PinnedTool> = {};
      const source = this.data.servers[server].tools;
      for (const tool of Object.keys(source).sort()) tools[tool] = source[tool];
      sorted.servers[server] = { tools };
    }
    this.data = sorted;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(sorted, null, 2) + '\n', 'utf8');
    await rename(tmp, this.file);
  }
}

async function readLockFile(file: string, maxBytes = MAX_LOCKFILE_BYTES): Promise<LockFile> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
    throw new PinFileError(`${file} cannot be read (${(err as Error).message}). Check its permissions.`);
  }
  if (size > maxBytes) {
    throw new PinFileError(`${file} is ${size} bytes, more than the ${maxBytes}-byte limit for a lockfile. Delete it and run \`mcp-harness pin\` to pin the current tools again.`);
  }
  const text = await readFile(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PinFileError(`${file} is not valid JSON (${(err as Error).message}). Fix it, or delete it and run \`mcp-harness pin\` to pin the current tools again.`);
  }
  return validateLockFile(data, file);
}

/** The rule-style finding for a pending change, for diagnostics ("tool changed since pinned"). */
export function describeChange(change: ToolChange): string {
  const oldDef = change.old.definition as Record<string, unknown> | undefined;
  const newDef = change.new.definition as Record<string, unknown> | undefined;
  const fields = new Set([...Object.keys(oldDef ?? {}), ...Object.keys(newDef ?? {})]);
  const differing = [...fields].filter((f) => canonicalJson(oldDef?.[f]) !== canonicalJson(newDef?.[f]));
  return `tool "${change.tool}" changed since it was pinned on ${change.old.pinnedAt.slice(0, 10)}` + (differing.length ? ` (${differing.join(', ')} ${differing.length === 1 ? 'differs' : 'differ'})` : '') + '; review the change and accept or reject it';
}
