// Bundled on its own as dist/anthropic-sdk.js and loaded only when an agent run talks to the Anthropic
// Messages API (see ./load).
export { Anthropic } from '@anthropic-ai/sdk';
