// Which tools the lab may call. Annotations are a server's own claims, so the lab reads them only to stay
// careful: a tool that does not say it is read-only (or explicitly non-destructive) counts as destructive,
// as the MCP spec's defaults say, and is called only with --allow-destructive.
import fc from 'fast-check';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { sharedSchemaCache } from '../guards/schema';
import type { PolicyConfig } from '../guards/types';
import { arbitraryForTool } from './schemaArbitrary';

export function isDestructive(tool: Tool): boolean {
  const a = tool.annotations ?? {};
  if (a.readOnlyHint === true) return false;
  return a.destructiveHint !== false;
}

export interface Selection {
  exercised: Tool[];
  skipped: { tool: string; reason: string }[];
}

export function selectTools(tools: Tool[], allowDestructive: boolean): Selection {
  const exercised: Tool[] = [];
  const skipped: Selection['skipped'] = [];
  for (const tool of tools) {
    if (!allowDestructive && isDestructive(tool)) skipped.push({ tool: tool.name, reason: 'may modify data (not annotated read-only); pass --allow-destructive on a scratch copy to include it' });
    else exercised.push(tool);
  }
  return { exercised, skipped };
}

/**
 * The lab's own policy for its runs: every tool of the server under test is allowed (the lab chose them
 * above), nothing is trusted (so no result of an identical read-only call is reused: a repeated call must
 * really reach the server), no step limit, and one call's whole time — progress included — is the call timeout.
 */
export function labPolicy(callTimeoutMs: number): Partial<PolicyConfig> {
  return {
    allow: ['*/*'],
    deny: [],
    dryRun: false,
    readOnly: false,
    noNetwork: false,
    maxSteps: Number.MAX_SAFE_INTEGER,
    confirmDestructive: false,
    timeoutMs: callTimeoutMs,
    maxTotalTimeoutMs: callTimeoutMs,
    retries: 0,
    trustedServers: [],
  };
}

/**
 * A read-only tool and one valid input for it, to call over and over (faults, bench): the tool with the
 * fewest required arguments whose schema yields a valid input under this seed. With the opt-in for tools
 * that may modify data, such a tool is taken when the server has no read-only one.
 */
export function repeatableCall(tools: Tool[], seed: number, allowDestructive = false): { tool: Tool; args: Record<string, unknown> } | undefined {
  const fewestRequired = (a: Tool, b: Tool) => (a.inputSchema?.required?.length ?? 0) - (b.inputSchema?.required?.length ?? 0);
  const safe = tools.filter((t) => !isDestructive(t)).sort(fewestRequired);
  const candidates = allowDestructive ? [...safe, ...tools.filter(isDestructive).sort(fewestRequired)] : safe;
  for (const tool of candidates) {
    const arb = arbitraryForTool(tool.inputSchema, { maxLength: 8 }).arbitrary.filter((a) => sharedSchemaCache.check(tool.inputSchema, a).valid);
    try {
      const [args] = fc.sample(arb, { seed, numRuns: 1 });
      if (args) return { tool, args };
    } catch {
      // No valid input could be generated for this one; try the next.
    }
  }
  return undefined;
}
