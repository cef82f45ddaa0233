// The OpenTelemetry SDK loads on first use: in the bundles it is its own file in dist/ (otel-sdk.js), from
// source the module. Nothing else in src/core/otel imports it.
import { join } from 'node:path';
import { loadLazyModule, requireAtRuntime } from '../util/lazyModule';

export type OtelSdk = typeof import('./sdk');

export function loadOtelSdk(): OtelSdk {
  return loadLazyModule<OtelSdk>(__dirname, 'otel-sdk.js', () => requireAtRuntime(join(__dirname, 'sdk')));
}
