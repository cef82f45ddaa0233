// Resources and prompts through the gateway get the tools' guards that apply to them: the policy's allow
// and deny globs (subjects `server/uri` and `server/prompt`, as tools are `server/tool`), and the output
// guardrails over what comes back (secrets and PII masked, withheld under hard_gate / mixed as tool output is).
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Finding } from '../../protocol/trace';
import { withholdReason } from '../guards/pipeline';
import { globMatches } from '../guards/policy';
import { scanValue } from '../guards/redact';
import type { GuardrailsConfig, PolicyConfig } from '../guards/types';

/** The host's current policy and guardrails (read per request, so a settings change applies at once). */
export interface GatewayGuards {
  policy: PolicyConfig;
  guardrails: GuardrailsConfig;
}

export type AccessKind = 'resource' | 'prompt';

/** A refusal the client sees as an MCP error; `decision` names the guard for the audit log. */
export class AccessDenied extends McpError {
  constructor(
    readonly decision: 'denied_policy' | 'denied_guardrail',
    message: string,
  ) {
    super(ErrorCode.InvalidRequest, message);
  }
}

/**
 * Whether a policy glob (`server/name`) covers `server/name`. A resource URI has slashes of its own, so the
 * glob is split at its first slash: the server part as for tools, and a name part of `*` (the default
 * `*\/*`) covers any name, URI or not; other name parts match the URI as globs (`fs/file:///etc/**`).
 */
function covers(glob: string, server: string, name: string): boolean {
  const slash = glob.indexOf('/');
  if (slash < 0) return globMatches(glob, `${server}/${name}`);
  const namePart = glob.slice(slash + 1);
  return globMatches(glob.slice(0, slash), server) && (namePart === '*' || namePart === '**' || globMatches(namePart, name));
}

/** Why reading `server/name` is refused, or undefined when the policy allows it. */
export function accessDenial(kind: AccessKind, server: string, name: string, policy: PolicyConfig): string | undefined {
  const subject = `${server}/${name}`;
  const deny = policy.deny.find((g) => covers(g, server, name));
  if (deny) return `the ${kind} '${subject}' matches the deny rule '${deny}'.`;
  if (policy.allow.length && !policy.allow.some((g) => covers(g, server, name))) {
    return `the ${kind} '${subject}' matches none of the allow rules (${policy.allow.join(', ')}); add it to policy.allow to use it.`;
  }
  return undefined;
}

/** Refuses with an MCP error carrying the reason (the client's model reads why). */
export function checkAccess(kind: AccessKind, server: string, name: string, guards: GatewayGuards | undefined): void {
  const denial = guards && accessDenial(kind, server, name, guards.policy);
  if (denial) throw new AccessDenied('denied_policy', `MCP Harness denied this ${kind} (denied_policy): ${denial}`);
}

/** What a read or a prompt returned, through the output guardrails: masked, or withheld with the reason. */
export function guardOutput<T>(kind: AccessKind, value: T, guards: GatewayGuards | undefined): { value: T; findings: Finding[] } {
  if (!guards) return { value, findings: [] };
  const scan = scanValue(value, guards.guardrails, undefined, 'guardrails');
  const withheld = withholdReason(guards.guardrails, scan);
  if (withheld) throw new AccessDenied('denied_guardrail', `MCP Harness withheld this ${kind} (denied_guardrail): ${withheld}.`);
  // In advisory mode findings are recorded but the content passes as it came.
  return { value: guards.guardrails.mode === 'advisory' ? value : (scan.redacted as T), findings: scan.findings };
}
