// The tool lockfiles of the workspace (one per folder, .mcp-harness/tools.lock.json) and the pin check
// every run asks: is the definition about to be called the one in the lockfile? The lint service
// records drift and pins through the same stores; the run environment asks `check` on every call and
// `refresh` at the start of every run, so a lockfile changed on disk (a `mcp-harness pin`, a git pull)
// applies to the next run.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { PinChecker } from '../../core/pin/lockfileCheck';
import { LOCKFILE_RELATIVE_PATH, PinFileError, PinStore, type PinStatus } from '../../core/pin/store';
import type { HarnessCore } from '../context';

function pinningEnabled(): boolean {
  return vscode.workspace.getConfiguration('mcpHarness').get<boolean>('pinning.enabled') !== false;
}

async function stampOf(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.mtimeMs}:${info.size}:${info.ino}` : 'absent';
}

export class WorkspacePins implements PinChecker {
  private readonly opening = new Map<string, Promise<PinStore>>();
  private readonly loaded = new Map<string, PinStore>();
  /** The lockfile's mtime/size/inode when it was last read or written by us, per folder. */
  private readonly stamps = new Map<string, string>();

  constructor(private readonly ctx: Pick<HarnessCore, 'servers'>) {}

  /** The folder whose lockfile holds a server's pins. */
  folderOf(server: string): string | undefined {
    const def = this.ctx.servers.definition(server);
    return def?.source.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** The lockfile of the server's folder when it is open already. */
  storeSync(server: string): PinStore | undefined {
    const folder = this.folderOf(server);
    return folder ? this.loaded.get(folder) : undefined;
  }

  /** Every lockfile opened so far. */
  stores(): PinStore[] {
    return [...new Set(this.loaded.values())];
  }

  /** The lockfile of the server's workspace folder (opened once); undefined, after telling the user, when it cannot be read. */
  async store(server: string): Promise<PinStore | undefined> {
    const folder = this.folderOf(server);
    if (!folder) return undefined;
    return this.open(folder).catch((err: unknown) => {
      void vscode.window.showErrorMessage(`MCP Harness: ${(err as Error).message}`);
      return undefined;
    });
  }

  private open(folder: string): Promise<PinStore> {
    let p = this.opening.get(folder);
    if (!p) {
      p = (async () => {
        const stamp = await stampOf(join(folder, LOCKFILE_RELATIVE_PATH));
        const store = await PinStore.open(folder, { trustOnFirstUse: true });
        this.stamps.set(folder, stamp);
        // Our own saves must not count as changes on disk.
        store.onDidChange(() => void stampOf(store.file).then((s) => this.stamps.set(folder, s)));
        this.loaded.set(folder, store);
        return store;
      })().catch((err: unknown) => {
        this.opening.delete(folder);
        throw err instanceof PinFileError ? err : new PinFileError(`The tool lockfile could not be read: ${(err as Error).message}`);
      });
      this.opening.set(folder, p);
    }
    return p;
  }

  /**
   * For the guard pipeline: whether `tool`, the definition about to be called, matches the lockfile
   * ('ok' when pinning is off). The definition itself is compared, not what the last lint pass saw, so a
   * tool that changed a moment ago is caught before the lint catches up.
   */
  readonly check = (server: string, tool: Tool): PinStatus => {
    if (!pinningEnabled()) return 'ok';
    const store = this.storeSync(server);
    if (!store) return 'unpinned';
    const compared = store.check(server, [tool]);
    return compared.changed.length ? 'changed' : compared.added.length ? 'unpinned' : 'ok';
  };

  /**
   * At the start of every run: opens the lockfile of every folder with servers and re-reads one that
   * changed on disk. Throws PinFileError when a lockfile cannot be used, so no run goes unchecked.
   */
  async refresh(): Promise<void> {
    if (!pinningEnabled()) return;
    const folders = new Set(this.ctx.servers.definitions().map((d) => this.folderOf(d.id)).filter((f): f is string => !!f));
    for (const folder of folders) {
      const store = await this.open(folder);
      const stamp = await stampOf(store.file);
      if (stamp === this.stamps.get(folder)) continue;
      await store.reload();
      this.stamps.set(folder, stamp);
    }
  }
}
