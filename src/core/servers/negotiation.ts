// Which MCP protocol generation to speak to a server, and what earlier starts learned about it.
//
// 'auto' asks a server with `server/discover` first (the 2026-07-28 way); a 2025 server refuses it and gets
// the legacy `initialize` handshake. For a 2026 server the probe *is* the handshake; for a 2025 server it is
// one wasted round trip per start, which matters to the CLI (a process per run). So a 2025 verdict is kept by
// definition hash and the next start skips the probe. Only 2025 verdicts are kept: a remembered 2026 verdict
// would save nothing, and a legacy verdict goes stale silently (an upgraded server still answers
// `initialize`), so it expires after VERDICT_MAX_AGE_MS.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PriorDiscovery, ProtocolEra, VersionNegotiationMode } from '@modelcontextprotocol/client';
import type { ServerDefinition } from '../config/types';

/** The 2026 generation's protocol version: what "protocol": "2026" pins. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
/** How long a remembered 2025 verdict is trusted before the server is probed again. */
export const VERDICT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface Negotiation {
  mode: VersionNegotiationMode;
  /** True when the start may probe, so a remembered verdict can skip it. */
  probes: boolean;
}

export function negotiation(def: ServerDefinition): Negotiation {
  switch (def.protocol) {
    case '2025':
      return { mode: 'legacy', probes: false };
    case '2026':
      return { mode: { pin: MODERN_PROTOCOL_VERSION }, probes: false };
    default:
      return { mode: 'auto', probes: true };
  }
}

/** Where verdicts live between starts: in memory (the extension) or in a file too (the CLI). */
export interface ProtocolVerdicts {
  get(hash: string): PriorDiscovery | undefined;
  /** Records what a probing start found (undefined when it found nothing). */
  set(hash: string, era: ProtocolEra | undefined): void;
}

/** Where the CLI keeps verdicts between runs: the user's cache dir, per platform. */
export function defaultVerdictFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const base =
    platform === 'win32'
      ? env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local')
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mcp-harness', 'protocol-verdicts.json');
}

type Stored = Record<string, { era: 'legacy'; at: number }>;

export class VerdictCache implements ProtocolVerdicts {
  private entries?: Stored;

  /** `file`: a JSON file shared by runs (the CLI); without it the verdicts last as long as this object. */
  constructor(
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): PriorDiscovery | undefined {
    const entry = this.load()[hash];
    return entry && this.now() - entry.at < VERDICT_MAX_AGE_MS ? { kind: 'legacy' } : undefined;
  }

  set(hash: string, era: ProtocolEra | undefined): void {
    const entries = this.load();
    const had = hash in entries;
    if (era === 'legacy') entries[hash] = { era, at: this.now() };
    else if (had) delete entries[hash];
    else return;
    this.save(entries);
  }

  private load(): Stored {
    if (this.entries) return this.entries;
    this.entries = {};
    if (!this.file) return this.entries;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      if (parsed && typeof parsed === 'object') {
        for (const [hash, entry] of Object.entries(parsed as Record<string, { era?: unknown; at?: unknown }>)) {
          if (entry?.era === 'legacy' && typeof entry.at === 'number') this.entries[hash] = { era: 'legacy', at: entry.at };
        }
      }
    } catch {
      // No file yet, or an unreadable one: every server is probed once more, which is only slower.
    }
    return this.entries;
  }

  private save(entries: Stored): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Written aside and renamed, so a concurrent run never reads half a file.
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
      renameSync(temp, this.file);
    } catch {
      // A read-only cache directory costs the next run a probe, nothing more.
    }
  }
}
