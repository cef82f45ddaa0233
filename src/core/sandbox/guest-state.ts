// What one execution's guest writes to the host besides tool calls: its console output (bounded by
// maxLogBytes) and the session workspace (bounded by maxWorkspaceBytes). Plain data, no QuickJS: the
// engine's host functions read the guest's strings and hand them here.
import { sanitizeText } from './sanitize';
import type { LogEntry, SandboxLimits } from './types';

const LOG_ENTRY_CHARS = 4000;
const LEVELS = new Set<string>(['log', 'info', 'warn', 'error']);

export class GuestConsole {
  readonly logs: LogEntry[] = [];
  private bytes = 0;
  /** True once the output reached its limit: the prelude stops sending more. */
  dropped = false;

  constructor(private readonly maxBytes: number) {}

  add(level: string, text: string): void {
    if (this.dropped) return;
    const clean = sanitizeText(text, LOG_ENTRY_CHARS);
    if (this.bytes + clean.length > this.maxBytes) {
      this.dropped = true;
      this.logs.push({ level: 'warn', text: `[further console output dropped: more than ${this.maxBytes} bytes (limit maxLogBytes)]` });
      return;
    }
    this.bytes += clean.length;
    this.logs.push({ level: LEVELS.has(level) ? (level as LogEntry['level']) : 'log', text: clean });
  }
}

export class GuestWorkspace {
  private readonly entries: Map<string, string>;
  private bytes: number;

  constructor(
    snapshot: Record<string, string>,
    private readonly limits: Pick<SandboxLimits, 'maxWorkspaceBytes'>,
  ) {
    this.entries = new Map(Object.entries(snapshot));
    this.bytes = [...this.entries].reduce((n, [k, v]) => n + k.length + v.length, 0);
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** Stores the JSON text; returns the guest's error message when it would exceed the limit. */
  set(key: string, text: string): string | undefined {
    const before = this.entries.has(key) ? key.length + this.entries.get(key)!.length : 0;
    const after = this.bytes - before + key.length + text.length;
    if (after > this.limits.maxWorkspaceBytes) {
      return `workspace.set('${sanitizeText(key, 80)}') would make the session workspace ${after} bytes, over its limit of ${this.limits.maxWorkspaceBytes}; store less or delete keys with workspace.delete(key).`;
    }
    this.entries.set(key, text);
    this.bytes = after;
    return undefined;
  }

  delete(key: string): boolean {
    const text = this.entries.get(key);
    if (text === undefined) return false;
    this.entries.delete(key);
    this.bytes -= key.length + text.length;
    return true;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.entries);
  }
}
