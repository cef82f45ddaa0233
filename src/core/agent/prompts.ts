// The default system prompt of each mode: how to use its tools, and to answer in plain text when done
// (an answer without tool calls ends the run).
import type { AgentMode } from './types';

export function defaultSystemPrompt(mode: AgentMode): string {
  const common =
    'You are an agent working toward the user\'s goal with tools. Every tool call is checked by guards: a call may be denied, ' +
    'and the reason is given as the tool result; adjust and go on. Values such as [EMAIL_1] are placeholders for private data: ' +
    'pass them to tools as they are. When the goal is reached, answer in plain text without calling a tool.';
  if (mode === 'direct') return `${common} Tools are named server__tool.`;
  return (
    `${common} Find tools with search_tools, then call them from run_code: the code is the body of an async function, ` +
    'tools are called as `await tools.<server>.<tool>(args)`, and only what the code returns (and logs) comes back to you, ' +
    'so filter and summarise large results inside the code.'
  );
}
