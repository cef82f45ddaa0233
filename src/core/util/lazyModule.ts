// Loads a heavy part of the core (tokenizer tables, the XLSX writer) on first use. In the bundles, which all
// live in dist/, the part is its own file (built by esbuild.mjs) so activating the extension or starting the
// CLI never parses it; run from source (unit tests) it is the module itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// A computed require keeps esbuild from inlining the module into every bundle that uses it.
const load: (id: string) => unknown = require;

/**
 * @param bundleDir `__dirname` of the caller: dist/ when bundled.
 * @param bundleFile the separate bundle's file name in dist/, e.g. 'tokenizer.js'.
 * @param source what to load when not bundled: an absolute module path or a package specifier.
 */
export function loadLazyModule<T>(bundleDir: string, bundleFile: string, source: () => T): T {
  const bundled = join(bundleDir, bundleFile);
  return existsSync(bundled) ? (load(bundled) as T) : source();
}

export function requireAtRuntime<T>(id: string): T {
  return load(id) as T;
}
