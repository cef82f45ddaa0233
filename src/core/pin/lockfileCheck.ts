// The pin check every run uses: the tool definition about to be called is hashed and compared with the
// workspace lockfile itself, so it holds whether or not anything observed the server's tool list first.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { LOCKFILE_RELATIVE_PATH, PinStore, definitionHash, type LockFile, type PinStatus } from './store';

/** Whether the tool's definition still matches the pinned one (sync: it runs on a guarded call's path). */
export type PinCheck = (server: string, tool: Tool) => PinStatus;

/** What a run environment holds for pins: the check, and a refresh done once at the start of every run. */
export interface PinChecker {
  check: PinCheck;
  /** Re-reads the lockfile when it changed on disk. Throws PinFileError for an unusable lockfile. */
  refresh?(): Promise<void>;
}

/**
 * Pins read from `<folder>/.mcp-harness/tools.lock.json`. A missing lockfile pins nothing (every tool is
 * 'unpinned'). Hashes are cached per tool object: a pipeline lists a server's tools once, so a session's
 * calls hash each definition once.
 */
export class LockfilePins implements PinChecker {
  readonly file: string;
  private lock: LockFile = { version: 1, servers: {} };
  private stamp = '';
  private hashes = new WeakMap<Tool, string>();

  private constructor(private readonly folder: string) {
    this.file = join(folder, LOCKFILE_RELATIVE_PATH);
  }

  static async open(folder: string): Promise<LockfilePins> {
    const pins = new LockfilePins(folder);
    await pins.refresh();
    return pins;
  }

  readonly check: PinCheck = (server, tool) => {
    const pinned = this.lock.servers[server]?.tools[tool.name];
    if (!pinned) return 'unpinned';
    let hash = this.hashes.get(tool);
    if (hash === undefined) {
      hash = definitionHash(tool);
      this.hashes.set(tool, hash);
    }
    return hash === pinned.sha256 ? 'ok' : 'changed';
  };

  async refresh(): Promise<void> {
    // A stat that fails for another reason than absence is reported by PinStore.open as a PinFileError.
    const info = await stat(this.file).catch(() => undefined);
    const stamp = info ? `${info.mtimeMs}:${info.size}:${info.ino}` : 'absent';
    if (stamp === this.stamp) return;
    this.lock = (await PinStore.open(this.folder)).lockFile();
    this.stamp = stamp;
  }
}
