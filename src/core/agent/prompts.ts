// The default system prompt of each mode: how to use its tools, and to answer in plain text when done
// (an answer without tool calls ends the run). Kept short: every turn sends it again.
import type { AgentMode } from './types';

export function defaultSystemPrompt(mode: AgentMode): string {
  const common =
    "Reach the user's goal with tools. Guards check every call; a denied call's result says why. " +
    'Pass placeholders such as [EMAIL_1] on as they are. When done, answer without calling a tool.';
  if (mode === 'direct') return common;
  // The two tools' descriptions say how to find and call tools; the prompt adds only what they cannot.
  return `${common} Only what run_code returns or logs comes back: filter large results in the code.`;
}
