// Session features: the editor support for *.mcp-session.json and the session commands.
import type * as vscode from 'vscode';
import { mergePolicy } from '../../core/guards/defaults';
import { evaluateStaticPolicy, toolTraits } from '../../core/guards/policy';
import { SchemaValidatorCache } from '../../core/guards/schema';
import type { PolicyConfig } from '../../core/guards/types';
import type { HarnessContext } from '../context';
import { SessionLanguageFeatures } from './language';

function policyPart(v: unknown): Partial<PolicyConfig> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Partial<PolicyConfig>) : undefined;
}

export function registerSessionFeatures(ctx: HarnessContext): vscode.Disposable[] {
  const schemas = new SchemaValidatorCache();
  const language = new SessionLanguageFeatures(ctx, {
    validateArgs: (schema, args) =>
      schema && typeof schema === 'object' ? schemas.check(schema, args).errors : [],
    policyConflict: (server, tool, sessionPolicy, stepPolicy, args) => {
      const policy = mergePolicy(ctx.config.policy, policyPart(sessionPolicy), policyPart(stepPolicy));
      const verdict = evaluateStaticPolicy(server, tool.name, toolTraits(server, tool, policy), args, policy, 1);
      return verdict.allowed ? undefined : `The policy will deny this step: ${verdict.reason ?? verdict.rule}`;
    },
  });
  return [language];
}
