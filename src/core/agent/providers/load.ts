// The model SDKs load on first use: in the bundles each is its own file in dist/, from source the module.
import { join } from 'node:path';
import { loadLazyModule, requireAtRuntime } from '../../util/lazyModule';

export type OpenAISdk = typeof import('./openaiSdk');
export type AnthropicSdk = typeof import('./anthropicSdk');

export function loadOpenAI(): OpenAISdk {
  return loadLazyModule<OpenAISdk>(__dirname, 'openai-sdk.js', () => requireAtRuntime(join(__dirname, 'openaiSdk')));
}

export function loadAnthropic(): AnthropicSdk {
  return loadLazyModule<AnthropicSdk>(__dirname, 'anthropic-sdk.js', () => requireAtRuntime(join(__dirname, 'anthropicSdk')));
}
