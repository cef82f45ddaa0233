// VS Code's advice on server errors: the core names the limit or the refusal, this says which setting
// or action changes it. No 'vscode' import, so the wording is unit-tested with the core.
import type { ServerErrorHint } from '../core/servers/errors';

export const vscodeServerHint: ServerErrorHint = (err) => {
  const { limit, refusal } = err.facts;
  if (limit?.name === 'requestTimeoutMs') return 'If it needs longer, raise the setting mcpHarness.requestTimeoutMs (it takes effect after a reload).';
  if (limit?.name === 'callTimeoutMs') return "If it needs longer, raise the setting mcpHarness.policy.timeoutMs or the session's timeoutMs.";
  if (limit?.name === 'maxTotalTimeoutMs') return "If it needs longer, raise the setting mcpHarness.policy.maxTotalTimeoutMs or the session's maxTotalTimeoutMs.";
  if (refusal === 'untrusted_workspace') return 'Trust the workspace (it is in Restricted Mode) to start the servers it defines.';
  if (refusal === 'consent_denied') return 'Start it again to be asked again.';
  if (refusal === 'inputs_needed') return 'Start it to be asked.';
  return undefined;
};
