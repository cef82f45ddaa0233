// Bundles a few exports of the TypeScript sources into one CommonJS file for a bench and loads it. Lazy parts of the
// core (tokenizer tables, model SDKs) load from dist/ beside the shipped bundles, so `node esbuild.mjs` runs first.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `exports` is the body of an entry module (`export { X } from './src/…';` lines, paths from the repo root). */
export async function bundleSources(outfile, exports) {
  await build({
    stdin: { contents: exports, resolveDir: ROOT, loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error',
    // jsonc-parser's UMD main cannot be bundled; its ESM build can (as in esbuild.mjs).
    mainFields: ['module', 'main'],
    define: { __dirname: JSON.stringify(join(ROOT, 'dist')) },
  });
  return createRequire(import.meta.url)(outfile);
}
