// Watches a set of config files for a long-running command (the gateway): any change to one of them — written
// in place, replaced by an editor that saves to a temporary file and renames it, created, or deleted — calls
// `onChange` once, after the writes have settled for `debounceMs`.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';

export const CONFIG_WATCH_DEBOUNCE_MS = 200;

export interface ConfigWatchOptions {
  /** The files to watch; asked again at every `rearm` (a reload may name others, e.g. an envFile). */
  files(): string[];
  onChange(): void;
  debounceMs?: number;
  /** A folder that could not be watched (the change it would have shown is missed). */
  onWarning?(message: string): void;
}

export class ConfigWatcher {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: ConfigWatchOptions) {}

  /**
   * Watches each file and the nearest existing folder above it. The folder's events catch a file replaced by a
   * rename (the file's own watch follows the old inode) and one created where none was; the file's own watch
   * catches writes where folder events are not reported. Called again after each reload.
   */
  rearm(): void {
    if (this.disposed) return;
    this.closeWatchers();
    const files = [...new Set(this.options.files())];
    const folders = new Map<string, Set<string>>();
    for (const file of files) {
      const folder = nearestExisting(dirname(file));
      if (!folder) continue;
      // The name, in that folder, of the file or of the first missing folder on its way.
      const name = relative(folder, file).split(sep)[0];
      folders.set(folder, (folders.get(folder) ?? new Set()).add(name));
      if (existsSync(file)) this.add(file, () => true);
    }
    for (const [folder, names] of folders) this.add(folder, (name) => name === null || names.has(name));
  }

  private add(path: string, relevant: (name: string | null) => boolean): void {
    try {
      const watcher = watch(path, { persistent: false }, (_event, name) => {
        if (relevant(name === null ? null : basename(String(name)))) this.changed();
      });
      // A watched folder or file that goes away ends its watch with an error: the reload it causes watches again.
      watcher.on('error', () => this.changed());
      this.watchers.push(watcher);
    } catch (err) {
      this.options.onWarning?.(`${path} cannot be watched (${(err as Error).message}); a change there is not picked up until the gateway restarts.`);
    }
  }

  private changed(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.options.onChange(), this.options.debounceMs ?? CONFIG_WATCH_DEBOUNCE_MS);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.closeWatchers();
  }
}

function nearestExisting(folder: string): string | undefined {
  for (let at = folder; ; at = dirname(at)) {
    if (existsSync(at)) return at;
    if (dirname(at) === at) return undefined;
  }
}
