// Session files may hold code steps ("code" / "codeFile"), which run in the sandbox. Command modules load on
// demand, so the commands that run sessions (`run`, and `exec`, which is a one-step session) register the
// sandbox's step kind themselves, with the workspace's mcpHarness.sandbox.* settings as its limits.
import type { LimitAdvice } from '../core/sandbox/limits';
import { registerCodeStepKind } from '../core/sandbox/session-step';
import { sandboxLimitsFromSettings, settingAdvice } from '../core/sandbox/settings';
import type { SandboxLimits } from '../core/sandbox/types';
import type { CliIO } from './io';
import type { CliRunContext } from './runEnvironment';

/** How a CLI user raises a limit a code step hit: the settings.json entry `run` and `exec` both read. */
export const settingsAdvice: LimitAdvice = (limit) => settingAdvice(limit, ' in .vscode/settings.json');

/** Lets the runs of this command run code steps, limited by the workspace's settings (a step's own limits win). */
export function registerCliCodeSteps(run: Pick<CliRunContext, 'read' | 'ws'>, io: Pick<CliIO, 'stderr'>): void {
  let limits: Partial<SandboxLimits> | undefined;
  registerCodeStepKind({
    // Read once, on the first code step: a bad setting is reported once, and not at all without code steps.
    limits: () => (limits ??= sandboxLimitsFromSettings(run.read, (m) => io.stderr(`mcp-harness: ${m}\n`))),
    workspaceDir: () => run.ws.folder,
    limitAdvice: settingsAdvice,
  });
}
