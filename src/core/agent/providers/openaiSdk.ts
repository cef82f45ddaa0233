// Bundled on its own as dist/openai-sdk.js and loaded only when an agent run talks to an OpenAI-compatible
// endpoint (see ./load): starting the CLI or the extension never parses the SDK.
export { OpenAI } from 'openai';
