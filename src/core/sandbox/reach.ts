// Which servers a code run starts. Building the guest's tool index used to list (so start, and in VS Code ask
// consent for) every configured server, even for code that uses one. Now the index holds the servers the code
// names (a static scan of the code and the skills it uses), the running ones, and those whose tools are known
// without starting them (listed earlier in the run, or cached from an earlier start). Code that finds its tools
// at run time (mcp.search, mcp.servers, a computed name) gets every server up front, as before. Starting happens
// before the run's clock starts, so a consent prompt does not eat into the time limit; a server the scan still
// missed (an aliased `mcp.call`) is listed, so started through the host's consent, on first use during the run.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCatalogEntry, ToolGateway } from '../guards/types';
import { sanitizeIdentifier } from '../typings/generate';
import type { SkillSource } from './types';

/** What the code can see when it starts, and what it can still reach. */
export interface SandboxReach {
  /** The tools in the guest's index (`tools.<server>.<tool>`, mcp.search, mcp.describe). */
  catalog: ToolCatalogEntry[];
  /** Reachable servers not in the index: listed (started) on first use. */
  unlisted: string[];
  /** Servers the code names that could not be started, with why. */
  failed: Map<string, string>;
}

// `tools.name`, `tools["name"]`; and "name/…" at the start of a string literal (mcp.call, mcp.describe).
const TOOLS_MEMBER = /\btools\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)|\btools\s*(?:\?\.)?\[\s*(['"`])([^'"`\\\n]*)\2\s*\]/g;
const NAME_LITERAL = /(['"`])([^'"`\\\n/]+)\//g;
const SKILL_USE = /\bskills\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)|\bskills\s*(?:\?\.)?\[\s*(['"`])([^'"`\\\n]*)\2\s*\]/g;

function namesIn(source: string, pattern: RegExp, groups: number[]): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(pattern)) {
    for (const g of groups) if (m[g] !== undefined) out.push(m[g]);
  }
  return out;
}

/** The code and the source of every skill it uses, directly or through other skills. */
export function sourcesOf(code: string, skills: readonly SkillSource[] = []): string[] {
  const byName = new Map(skills.map((s) => [s.name, s]));
  const sources = [code];
  const used = new Set<string>();
  for (let i = 0; i < sources.length; i++) {
    for (const name of namesIn(sources[i], SKILL_USE, [1, 3])) {
      const skill = byName.get(name);
      if (skill && !used.has(name)) {
        used.add(name);
        sources.push(skill.source);
      }
    }
  }
  return sources;
}

/** The servers among `servers` that the sources name as `tools.<server>` or in a "server/tool" literal (sanitised names too). */
export function serversNamedIn(sources: readonly string[], servers: readonly string[]): Set<string> {
  const names = new Set(sources.flatMap((s) => [...namesIn(s, TOOLS_MEMBER, [1, 3]), ...namesIn(s, NAME_LITERAL, [2])]));
  return new Set(servers.filter((server) => names.has(server) || names.has(sanitizeIdentifier(server))));
}

const DISCOVERY = /\bmcp\s*(?:\?\.|\.)\s*(?:search|servers)\b/;
const CALL_OR_DESCRIBE = /\bmcp\s*(?:\?\.|\.)\s*(?:call|describe)\s*\(\s*/g;
const LITERAL_FIRST_ARG = /^(?:'[^'\\\n]*'|"[^"\\\n]*"|`[^`\\$]*`)\s*[,)]/;
const COMPUTED_TOOLS_KEY = /\btools\s*(?:\?\.)?\[(?!\s*(['"`])[^'"`\\\n]*\1\s*\])/;
const TOOLS_ENUMERATED = /\bObject\s*\.\s*\w+\s*\(\s*tools\b/;

/**
 * Whether the sources find their tools at run time, so the scan cannot say which servers they use: they search or
 * list the servers, pass a computed name to mcp.call / mcp.describe, index `tools` with a computed key or enumerate it.
 */
export function reachesAnyServer(sources: readonly string[]): boolean {
  return sources.some((source) => {
    if (DISCOVERY.test(source) || COMPUTED_TOOLS_KEY.test(source) || TOOLS_ENUMERATED.test(source)) return true;
    for (const m of source.matchAll(CALL_OR_DESCRIBE)) {
      if (!LITERAL_FIRST_ARG.test(source.slice(m.index + m[0].length, m.index + m[0].length + 300))) return true;
    }
    return false;
  });
}

/** The reachable server a name's server part means (its id or the sanitised identifier of `tools.<server>`). */
export function serverMeant(part: string, servers: readonly string[]): string | undefined {
  return servers.find((s) => s === part) ?? servers.find((s) => sanitizeIdentifier(s) === part);
}

const entries = (server: string, tools: Iterable<Tool>): ToolCatalogEntry[] => [...tools].map((tool) => ({ server, tool }));

/**
 * The tools the guest starts with. `only`: the servers the code may see (all reachable ones when absent).
 * A gateway that cannot say what runs without starting it gets the old behaviour: every server is listed.
 */
export async function planReach(gateway: ToolGateway, sources: readonly string[], only?: readonly string[]): Promise<SandboxReach> {
  const allowed = only && new Set(only);
  if (!gateway.serverReach || !gateway.toolsOf) {
    const catalog = await gateway.listTools();
    return { catalog: allowed ? catalog.filter((e) => allowed.has(e.server)) : catalog, unlisted: [], failed: new Map() };
  }
  const reach = gateway.serverReach().filter((r) => !allowed || allowed.has(r.server));
  const servers = reach.map((r) => r.server);
  const named = reachesAnyServer(sources) ? new Set(servers) : serversNamedIn(sources, servers);
  const catalog: ToolCatalogEntry[] = [];
  const unlisted: string[] = [];
  const failed = new Map<string, string>();
  // One at a time, as before: in VS Code each start may ask for consent, and the questions come one by one.
  for (const r of reach) {
    if (named.has(r.server) || r.running) {
      try {
        catalog.push(...entries(r.server, (await gateway.toolsOf(r.server)).values()));
      } catch (err) {
        failed.set(r.server, (err as Error).message);
      }
    } else if (r.cached) {
      catalog.push(...entries(r.server, r.cached));
    } else {
      unlisted.push(r.server);
    }
  }
  return { catalog, unlisted, failed };
}
