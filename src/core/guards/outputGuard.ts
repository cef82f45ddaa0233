// The output guardrails stage's judgement over one tool result: the output schema, the secret / PII /
// injection scan, the size cut, and whether the mode withholds it. It returns what is stored in the trace
// and what the caller gets; the pipeline records the stage.
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Finding } from '../../protocol/trace';
import { capForTrace, truncateResult } from './output';
import { type PiiVault, scanValue } from './redact';
import type { SchemaValidatorCache } from './schema';
import type { GuardrailsConfig } from './types';

export interface GuardedOutput {
  findings: Finding[];
  /** What the trace stores: redacted (unless redaction is off), cut and capped. */
  stored: unknown;
  /** Why the output is withheld from the caller, when the mode withholds it. */
  withheld?: string;
  /** What the caller gets when it is not withheld: as it came in advisory mode, redacted otherwise. */
  forCaller: CallToolResult;
  /** The stage's reasons for the trace. */
  reasons: string[];
}

export interface OutputGuardContext {
  guardrails: GuardrailsConfig;
  vault: PiiVault;
  schemas: SchemaValidatorCache;
  encoding: 'o200k_base' | 'cl100k_base';
}

export function guardOutput(raw: CallToolResult, tool: Tool, ctx: OutputGuardContext): GuardedOutput {
  const { guardrails } = ctx;
  const findings: Finding[] = [];
  if (tool.outputSchema && !raw.isError) checkOutputSchema(findings, ctx.schemas, tool.outputSchema, raw);
  const scan = scanValue(raw, guardrails, ctx.vault, 'guardrails');
  for (const f of scan.findings) findings.push(f);
  let passed = scan.redacted as CallToolResult;
  const cut = truncateResult(passed, guardrails.maxOutputTokens, ctx.encoding);
  if (cut) {
    passed = cut.result;
    findings.push({ stage: 'guardrails', kind: 'truncated', severity: 'info', message: `The output was longer than guardrails.maxOutputTokens (${guardrails.maxOutputTokens} tokens; at least ${cut.tokens} counted) and was cut with a marker.` });
  }
  const stored = capForTrace(guardrails.redact.length ? passed : cut ? cut.result : raw);
  const withheld = withholdReason(guardrails, scan);
  const reasons = withheld ? [withheld] : scan.findings.length ? [`${scan.findings.length} finding(s) recorded (${guardrails.mode})`] : [];
  // In advisory mode the caller gets the output as it came (only the size limit applies); the trace is still redacted.
  const forCaller = guardrails.mode === 'advisory' ? (cut ? (truncateResult(raw, guardrails.maxOutputTokens, ctx.encoding)?.result ?? raw) : raw) : passed;
  return { findings, stored, forCaller, reasons, ...(withheld ? { withheld } : {}) };
}

function checkOutputSchema(findings: Finding[], schemas: SchemaValidatorCache, outputSchema: NonNullable<Tool['outputSchema']>, raw: CallToolResult): void {
  if (raw.structuredContent === undefined) {
    findings.push({ stage: 'guardrails', kind: 'schema.output_missing', severity: 'warning', path: '$.structuredContent', message: 'The tool declares an outputSchema but returned no structuredContent.' });
    return;
  }
  for (const e of schemas.check(outputSchema, raw.structuredContent).errors) {
    findings.push({ stage: 'guardrails', kind: 'schema.output_mismatch', severity: 'warning', path: e.path.replace(/^\$/, '$.structuredContent'), message: `structuredContent does not match the outputSchema: ${e.message}.` });
  }
}

/** Why hard_gate or mixed mode withholds a text (`what`: the output, a sampling request…), or undefined when it passes. */
export function withholdReason(guardrails: GuardrailsConfig, scan: ReturnType<typeof scanValue>, what = 'the output'): string | undefined {
  if (guardrails.mode === 'hard_gate' && (scan.injection || (scan.worstSecret && scan.worstSecret !== 'warning' && scan.worstSecret !== 'info'))) {
    return scan.injection ? `guardrails.mode is hard_gate and ${what} looks like a prompt injection` : `guardrails.mode is hard_gate and ${what} contains a secret`;
  }
  if (guardrails.mode === 'mixed' && scan.worstSecret === 'critical') return `guardrails.mode is mixed and ${what} contains a critical secret (private key or cloud credential)`;
  return undefined;
}
