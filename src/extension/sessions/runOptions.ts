// What every session run started from VS Code shares — Run Session, Run Step and Run Code in Sandbox:
// the settings-driven policy, guardrails and prices, the trace directory, the confirmation modal and pins.
import * as path from 'node:path';
import type { RunOptions } from '../../core/session/runner';
import { defaultTraceDir } from '../../core/trace/writer';
import type { HarnessContext } from '../context';

/** Where traces of runs in `folder` go: `mcpHarness.traceDir`, relative to the folder. */
export function traceDirFor(ctx: HarnessContext, folder: string): string {
  const configured = ctx.config.traceDir;
  return configured === '.mcp-harness/traces' ? defaultTraceDir(folder) : path.resolve(folder, configured);
}

export function sharedRunOptions(
  ctx: HarnessContext,
  folder: string | undefined,
): Pick<RunOptions, 'policy' | 'guardrails' | 'prices' | 'traceDir' | 'workspace' | 'confirm' | 'pinCheck' | 'logger'> {
  return {
    policy: ctx.config.policy,
    guardrails: ctx.config.guardrails,
    prices: ctx.config.prices,
    traceDir: folder ? traceDirFor(ctx, folder) : undefined,
    workspace: folder,
    confirm: ctx.dialogs.confirmTool,
    pinCheck: (server, tool) => ctx.lint.pinCheck(server, tool),
    logger: ctx.log,
  };
}
