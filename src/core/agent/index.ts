// Public surface of agent mode.
export * from './types';
export { runAgent, stopMessage, maskedGoal, type AgentRunInput } from './runner';
export { toolSurface, SEARCH_TOOLS, RUN_CODE, type ToolSurface, type CodeSandbox } from './tools';
export { ModelToolNames, modelToolName } from './toolNames';
export { loadRecording, ReplayProvider, type Recording } from './replay';
export { compareRuns, comparisonMarkdown, comparisonBase, figuresOf, writeComparisonFiles, type AgentComparison } from './compare';
export { checkAgentSpec, resolveAgentLimits } from './spec';
export { defaultSystemPrompt } from './prompts';
export { promptText } from './turns';
export { OpenAIProvider, type ProviderOptions } from './providers/openai';
export { AnthropicProvider } from './providers/anthropic';
export { runAgentSpec, replayAgent, DEFAULT_AGENT_MODEL, DEFAULT_ANTHROPIC_MODEL, type AgentHost, type AgentSessionResult, type ReplayResult, type CallMismatch } from './session';
