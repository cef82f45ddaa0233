// Which tools the lab may call. Annotations are a server's own claims, so the lab reads them only to stay
// careful: a tool that does not say it is read-only (or explicitly non-destructive) counts as destructive,
// as the MCP spec's defaults say, and is called only with --allow-destructive.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { PolicyConfig } from '../guards/types';

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
