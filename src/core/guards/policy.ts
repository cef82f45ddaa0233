// The policy guard's rules. Tool annotations are hints from servers that may not be trusted: for an
// untrusted server every loosening hint (readOnlyHint true, destructiveHint false, openWorldHint false,
// idempotentHint true) is ignored and the MCP defaults apply; only servers listed in
// policy.trustedServers get their hints believed. Name and argument heuristics only ever add strictness.
import picomatch from 'picomatch';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { PolicyConfig } from './types';

export interface ToolTraits {
  trusted: boolean;
  readOnly: boolean;
  destructive: boolean;
  idempotent: boolean;
  openWorld: boolean;
}

const MUTATING_NAME = /(^|[^a-z])(delete|remove|rm|drop|destroy|erase|purge|truncate|kill|terminate|write|create|update|insert|upsert|set|put|post|patch|edit|modify|move|rename|upload|push|send|publish|deploy|exec|execute|run|install|uninstall|reset|revoke|grant|approve|merge|commit)(?![a-z])/i;
const NETWORK_NAME = /(^|[^a-z])(fetch|http|https|url|web|browse|browser|download|upload|request|curl|wget|search_web|web_search|scrape|crawl|webhook|email|mail|slack|post)(?![a-z])/i;
const URL_VALUE = /^(https?|wss?|ftp):\/\//i;

const traitCache = new WeakMap<Tool, { server: string; trustedServers: string[] | undefined; traits: ToolTraits }>();

export function toolTraits(server: string, tool: Tool | undefined, policy: PolicyConfig): ToolTraits {
  if (!tool) return computeTraits(server, tool, policy);
  const hit = traitCache.get(tool);
  if (hit && hit.server === server && hit.trustedServers === policy.trustedServers) return hit.traits;
  const traits = computeTraits(server, tool, policy);
  traitCache.set(tool, { server, trustedServers: policy.trustedServers, traits });
  return traits;
}

function computeTraits(server: string, tool: Tool | undefined, policy: PolicyConfig): ToolTraits {
  const trusted = (policy.trustedServers ?? []).includes(server);
  const a = tool?.annotations ?? {};
  const name = tool?.name ?? '';
  const nameMutates = MUTATING_NAME.test(camelToSnake(name));
  const readOnly = trusted && a.readOnlyHint === true && !nameMutates;
  const destructive = !readOnly && (!trusted || a.destructiveHint !== false || /delete|remove|drop|destroy|erase|purge|kill|truncate/i.test(name));
  const idempotent = readOnly || (trusted && a.idempotentHint === true);
  const openWorld = !trusted || a.openWorldHint !== false || NETWORK_NAME.test(camelToSnake(name));
  return { trusted, readOnly, destructive, idempotent, openWorld };
}

function camelToSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
}

/** The first string argument that is a URL, or a key that names a network target, as a JSON path. */
export function networkArgument(args: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  const visit = (value: unknown, path: string, depth: number): void => {
    if (found || depth > 6) return;
    if (typeof value === 'string') {
      if (URL_VALUE.test(value)) found = path;
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length && i < 100; i++) visit(value[i], `${path}[${i}]`, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (/^(url|uri|endpoint|host|hostname|webhook)$/i.test(k) && typeof v === 'string' && v) {
          found = `${path}.${k}`;
          return;
        }
        visit(v, `${path}.${k}`, depth + 1);
      }
    }
  };
  visit(args, '$', 0);
  return found;
}

const matcherCache = new Map<string, (s: string) => boolean>();

export function globMatches(glob: string, subject: string): boolean {
  let m = matcherCache.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: true, nocase: false });
    if (matcherCache.size > 1000) matcherCache.clear();
    matcherCache.set(glob, m);
  }
  return m(subject);
}

export interface PolicyVerdict {
  allowed: boolean;
  /** The rule that fired, e.g. 'deny:*\/delete*', 'allow', 'readOnly', 'noNetwork', 'maxSteps', 'pinned', 'confirmDestructive', 'dryRun'. */
  rule?: string;
  reason?: string;
}

/** The rules that need no I/O: allow/deny globs, maxSteps, readOnly, noNetwork. */
export function evaluateStaticPolicy(
  server: string,
  toolName: string,
  traits: ToolTraits,
  args: Record<string, unknown>,
  policy: PolicyConfig,
  stepNumber: number,
): PolicyVerdict {
  const subject = `${server}/${toolName}`;
  for (const glob of policy.deny) {
    if (globMatches(glob, subject)) {
      return { allowed: false, rule: `deny:${glob}`, reason: `'${subject}' matches the deny rule '${glob}'.` };
    }
  }
  if (policy.allow.length && !policy.allow.some((g) => globMatches(g, subject))) {
    return { allowed: false, rule: 'allow', reason: `'${subject}' matches none of the allow rules (${policy.allow.join(', ')}); add it to policy.allow to call it.` };
  }
  if (stepNumber > policy.maxSteps) {
    return { allowed: false, rule: 'maxSteps', reason: `this would be call ${stepNumber}, over policy.maxSteps (${policy.maxSteps}).` };
  }
  if (policy.readOnly && !traits.readOnly) {
    return {
      allowed: false,
      rule: 'readOnly',
      reason: traits.trusted
        ? `policy.readOnly is on and '${subject}' is not marked readOnlyHint: true (or its name suggests it writes).`
        : `policy.readOnly is on and '${server}' is not a trusted server, so its readOnlyHint is not believed; add '${server}' to policy.trustedServers if you trust it.`,
    };
  }
  if (policy.noNetwork) {
    const urlArg = networkArgument(args);
    if (urlArg) return { allowed: false, rule: 'noNetwork', reason: `policy.noNetwork is on and the argument ${urlArg} is a network address.` };
    if (traits.openWorld) {
      return {
        allowed: false,
        rule: 'noNetwork',
        reason: traits.trusted
          ? `policy.noNetwork is on and '${subject}' may reach the network (openWorldHint is not false, or its name suggests network access).`
          : `policy.noNetwork is on and '${server}' is not a trusted server, so its openWorldHint is not believed; add '${server}' to policy.trustedServers if you trust it.`,
      };
    }
  }
  return { allowed: true };
}
