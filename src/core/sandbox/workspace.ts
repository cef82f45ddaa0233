// The per-session workspace: JSON values the code steps of one session share through
// `workspace.get/set`. Kept in memory for the session's lifetime; size-capped in the worker.
import type { WorkspaceStore } from './types';

export class SessionWorkspace implements WorkspaceStore {
  private entries = new Map<string, string>();

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.entries);
  }

  replace(entries: Record<string, string>): void {
    this.entries = new Map(Object.entries(entries));
  }

  /** A value as the code would read it (host-side view, e.g. for a report). */
  get(key: string): unknown {
    const text = this.entries.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  set(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`workspace value for '${key}' must be JSON.`);
    this.entries.set(key, text);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
  }
}
