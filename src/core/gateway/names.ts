// Names the gateway shows its clients: `server__tool` (and `server__prompt`), valid for every MCP client
// (Claude Desktop, Cursor, VS Code and the OpenAI-style tool APIs behind them accept [a-zA-Z0-9_-], at most
// 64 characters). Sanitising and shortening can make two upstream names meet; the rule that settles it looks
// only at the names themselves, never at listing order, so every gateway replica and restart agrees.
import { createHash } from 'node:crypto';

export const MAX_NAME_LENGTH = 64;
export const SEPARATOR = '__';

export interface Upstream {
  server: string;
  name: string;
}

function hashOf(key: string, length: number): string {
  return createHash('sha256').update(key).digest('hex').slice(0, length);
}

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** The name before any collision: sanitised, and cut with a hash of the full name when too long. */
export function baseName(server: string, name: string): string {
  const joined = `${sanitize(server) || '_'}${SEPARATOR}${sanitize(name) || '_'}`;
  if (joined.length <= MAX_NAME_LENGTH) return joined;
  const suffix = `_${hashOf(`${server}/${name}`, 8)}`;
  return joined.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}

function withSuffix(base: string, key: string, length: number): string {
  const suffix = `_${hashOf(key, length)}`;
  return base.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}

/**
 * Public name ↔ upstream (server, name). Among upstreams that meet on one name, the one whose
 * `server/name` sorts first keeps it; each other gets a suffix from the hash of its own `server/name`.
 */
export class NameTable<T extends Upstream = Upstream> {
  private readonly byPublic = new Map<string, T>();
  private readonly byUpstream = new Map<string, string>();

  constructor(entries: readonly T[]) {
    const groups = new Map<string, T[]>();
    for (const e of entries) {
      const base = baseName(e.server, e.name);
      groups.set(base, [...(groups.get(base) ?? []), e]);
    }
    const taken = new Set(groups.keys());
    for (const [base, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      group.sort((a, b) => compare(keyOf(a), keyOf(b)));
      this.assign(base, group[0]);
      for (const e of group.slice(1)) {
        let length = 6;
        let name = withSuffix(base, keyOf(e), length);
        while (taken.has(name)) name = withSuffix(base, keyOf(e), ++length);
        taken.add(name);
        this.assign(name, e);
      }
    }
  }

  private assign(name: string, e: T): void {
    this.byPublic.set(name, e);
    this.byUpstream.set(keyOf(e), name);
  }

  resolve(publicName: string): T | undefined {
    return this.byPublic.get(publicName);
  }

  publicName(server: string, name: string): string | undefined {
    return this.byUpstream.get(`${server}/${name}`);
  }

  entries(): [string, T][] {
    return [...this.byPublic];
  }
}

function keyOf(e: Upstream): string {
  return `${e.server}/${e.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Resource URIs are namespaced as `mcp-harness://<server>/<the upstream URI, percent-encoded>`. A resource
 * template is namespaced as `mcp-harness://<server>/=<the upstream template as it is>`: the client fills it by
 * RFC 6570, encoding each value as the upstream's own template would, so what follows `=` is then the very URI
 * the upstream would have made (decoding it would decode the values once too many). `=` never starts an encoded
 * URI (encodeURIComponent escapes it), so the two forms cannot be taken for each other.
 */
export const RESOURCE_SCHEME = 'mcp-harness:';
const AS_IS = '=';

export function resourceUri(server: string, uri: string): string {
  return `${RESOURCE_SCHEME}//${encodeURIComponent(server)}/${encodeURIComponent(uri)}`;
}

export function resourceTemplateUri(server: string, template: string): string {
  return `${RESOURCE_SCHEME}//${encodeURIComponent(server)}/${AS_IS}${template}`;
}

/** The server and upstream URI (or template) of a gateway URI, in either form; undefined when it is not one. */
export function parseResourceUri(uri: string): { server: string; uri: string } | undefined {
  const m = /^mcp-harness:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  try {
    const server = decodeURIComponent(m[1]);
    if (m[2].startsWith(AS_IS)) return m[2].length > AS_IS.length ? { server, uri: m[2].slice(AS_IS.length) } : undefined;
    return { server, uri: decodeURIComponent(m[2]) };
  } catch {
    return undefined;
  }
}

/** A client's name as traces and the audit log show it: safe characters, at most 40. */
export function clientName(name: string | undefined): string {
  return (name ?? 'client').replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 40) || 'client';
}
